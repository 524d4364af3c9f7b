"""Print the runtime dependencies of ``pyproject.toml`` ([project].dependencies), one a line.

Usage: python runtime_requirements.py pyproject.toml > requirements.txt
"""

from __future__ import annotations

import sys
import tomllib


def main(path: str) -> None:
    with open(path, "rb") as handle:
        project = tomllib.load(handle)["project"]
    for requirement in project.get("dependencies", []):
        print(requirement)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
