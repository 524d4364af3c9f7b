"""Print requirements of ``pyproject.toml``: ``[project].dependencies`` plus the named extras.

Usage::

    python project_requirements.py pyproject.toml [--extra NAME]... [--only DIST]... [--exclude DIST]...

Extras that name the project itself (``soundmosaic[local,audio]``) are expanded. ``--only`` keeps
just the given distributions (the image installs torch on its own, from another index);
``--exclude`` drops them. One requirement a line, in pyproject order, without duplicates. Only
the standard library: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?")


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def name_and_extras(requirement: str) -> tuple[str, list[str]]:
    match = _NAME.match(requirement)
    if not match:
        raise ValueError(f"not a requirement: {requirement!r}")
    extras = [e.strip() for e in (match.group(3) or "").split(",") if e.strip()]
    return canonical(match.group(1)), extras


def requirements(project: dict[str, Any], extras: Iterable[str]) -> list[str]:
    """The project's dependencies and those of ``extras``, self-references expanded."""
    own = canonical(project["name"])
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    found: list[str] = []
    seen_extras: set[str] = set()

    def add(lines: Iterable[str]) -> None:
        for line in lines:
            name, wanted = name_and_extras(line)
            if name == own:
                expand(wanted)
            elif line not in found:
                found.append(line)

    def expand(names: Iterable[str]) -> None:
        for extra in names:
            if extra in seen_extras:
                continue
            if extra not in optional:
                raise KeyError(f"pyproject.toml has no extra {extra!r} (have: {sorted(optional)})")
            seen_extras.add(extra)
            add(optional[extra])

    add(project.get("dependencies", []))
    expand(extras)
    return found


def select(lines: Iterable[str], only: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    keep, drop = {canonical(n) for n in only}, {canonical(n) for n in exclude}
    chosen = [line for line in lines
              if (not keep or name_and_extras(line)[0] in keep)
              and name_and_extras(line)[0] not in drop]
    missing = keep - {name_and_extras(line)[0] for line in chosen}
    if missing:
        raise KeyError(f"no requirement for {sorted(missing)} in the chosen dependencies")
    return chosen


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pyproject", type=Path)
    parser.add_argument("--extra", action="append", default=[])
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--exclude", action="append", default=[])
    args = parser.parse_args(argv)
    with args.pyproject.open("rb") as handle:
        project = tomllib.load(handle)["project"]
    for line in select(requirements(project, args.extra), args.only, args.exclude):
        sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
