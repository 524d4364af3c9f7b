"""What every benchmark shares: the machine it ran on, percentiles, Markdown tables."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from soundmosaic_local.evaluation.machine import cpu_model

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
DOCS_FILE = REPO_ROOT / "docs" / "benchmarks.md"


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True,
                           text=True, timeout=10).stdout.strip()
    return out.stdout.strip() + ("+dirty" if dirty else "")


def machine() -> dict[str, Any]:
    """The machine and moment a result belongs to."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "load_average_at_start": load,
        "commit": _git_commit(),
        "executable": sys.executable,
    }


def percentile(samples: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (the 'inclusive' method), ``pct`` in [0, 100]."""
    assert samples, "no samples"
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(samples_ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), 3),
        "p95_ms": round(percentile(samples_ms, 95), 3),
        "mean_ms": round(statistics.fmean(samples_ms), 3),
        "min_ms": round(min(samples_ms), 3),
        "max_ms": round(max(samples_ms), 3),
    }


def ratio(value: float, reference: float) -> float:
    return round(value / reference, 2) if reference else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_line(m: dict[str, Any]) -> str:
    load = ", ".join(str(x) for x in m.get("load_average_at_start", []))
    return (f"{m['cpu_model']}, {m['cores']} cores, {m['implementation']} {m['python']}, "
            f"{m['platform']}; {m['date']}; commit {m.get('commit') or 'n/a'}; "
            f"load average at start {load or 'n/a'}")


def replace_section(path: Path, name: str, section: str, title: str) -> None:
    """Put ``section`` between the ``<!-- bench:NAME:start/end -->`` markers of ``path``
    (appending it the first time), so each benchmark owns one section of a page."""
    import re

    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    text = path.read_text() if path.exists() else title
    block = f"{start}\n{section.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")


def add_index_row(command: str, row: str) -> None:
    """Add a benchmark's row to the index table of docs/benchmarks.md, once (by its command)."""
    text = DOCS_FILE.read_text()
    head = text.split("<!-- bench:")[0]
    if command in head:
        return
    lines = text.splitlines()
    index_rows = [i for i, line in enumerate(head.splitlines())
                  if line.startswith("| ") and "`python -m" in line]
    lines.insert(index_rows[-1] + 1 if index_rows else len(head.splitlines()), row)
    DOCS_FILE.write_text("\n".join(lines) + "\n")
