"""Run the benchmarks and record them: ``python -m bench.run [NAME ...]``.

Each benchmark writes ``bench/results/<name>.json`` (results, method and the machine) and
replaces its own section of ``docs/benchmarks.md``, so the page always shows the latest recorded
run of every benchmark with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench import api_latency, audio_quality, cold_start, samples_search
from bench.common import DOCS_FILE, RESULTS_DIR, replace_section

BENCHMARKS: dict[str, tuple[Callable[..., dict[str, Any]], Callable[[dict[str, Any]], str]]] = {
    "cold_start": (cold_start.run, cold_start.markdown),
    "api_latency": (api_latency.run, api_latency.markdown),
    "samples_search": (samples_search.run, samples_search.markdown),
    "audio_quality": (audio_quality.run, audio_quality.markdown),
}

INTRO = """# Benchmarks

Benchmarks live in `bench/` and run with `python -m bench.run` (or `python -m bench.run NAME`).
Machines are noisy, so every benchmark measures a reference in the same run and reports ratios
against it; compare ratios between runs, not milliseconds. Each run writes
`bench/results/<name>.json` with the raw samples and the machine, and replaces its section below.
Tests never assert on wall-clock time. `--full` runs longer (more cold-start rounds, plus one
timed snapshot of the seeded API state); `--no-record` prints without writing.
"""


def update_docs(name: str, section: str) -> None:
    replace_section(DOCS_FILE, name, section, INTRO)


def record(name: str, result: dict[str, Any], section: str) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    update_docs(name, section)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--full", action="store_true",
                        help="longer runs: more rounds, and the snapshot of the seeded API state")
    parser.add_argument("--no-record", action="store_true",
                        help="print the Markdown only; write no results or docs")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in args.names or list(BENCHMARKS):
        bench, render = BENCHMARKS[name]
        started = time.perf_counter()
        log(f"== {name}")
        result = bench(full=args.full, log=log)
        section = render(result)
        print(section)
        if not args.no_record:
            record(name, result, section)
            log(f"== {name}: {time.perf_counter() - started:.0f} s; wrote bench/results/{name}.json "
                "and docs/benchmarks.md")


if __name__ == "__main__":
    main()
