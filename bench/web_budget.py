"""Web app budgets: JavaScript shipped (gzipped, per chunk) and a time-to-interactive proxy.

Bundle: every chunk of the production build (``web/dist``) with its raw and gzipped size
(zlib level 9), split into what the library page loads up front (the entry script and the
chunks ``index.html`` preloads) and what loads later (the track page with wavesurfer.js).
Budgets: initial JS ≤ 120 KB gzipped, all JS ≤ 200 KB gzipped.

Time to interactive, proxied: in headless Chromium (Debian's, through ``tests/e2e/driver.mjs``),
the time from navigation start until the library's first track row is in the DOM: the app's
code has loaded and run, the API answered, and the list is rendered and reacts to input. The
library holds 200 tracks (the page shows the newest 50). Reference in the same run and on the
same server: a blank HTML page's ``loadEventEnd``. Each page is loaded cold (a fresh browser
context) and then warm (reloaded in the same context); runs interleave library and blank so
drift hits both alike. The ratio library / blank is the number to compare between runs. When
the app sent ``GET /api/tracks`` and when the reply arrived (Resource Timing) are recorded too:
before the request is the app's own start-up (download, parse, first render), after the reply
its rendering of the list.

The whole stack runs in this process, like ``bench/api_latency.py``; Chromium is a separate
process. ``python -m bench.web_budget`` records ``bench/results/web.json``.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.api_latency import ARTIST, _preserved_environment, seed
from bench.common import REPO_ROOT, machine, machine_line, ratio, summary, table

WEB = REPO_ROOT / "web"
DIST = WEB / "dist"
DRIVER = REPO_ROOT / "tests" / "e2e" / "driver.mjs"
BLANK = "bench-blank.html"
INITIAL_BUDGET_KB = 120.0
TOTAL_BUDGET_KB = 200.0


def ensure_build() -> None:
    if not (DIST / "index.html").exists():
        if not (WEB / "node_modules").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
        subprocess.run(["npm", "run", "build"], cwd=WEB, check=True)


def bundle() -> dict[str, Any]:
    """Each JS chunk's raw and gzipped size; which ones the first page load fetches."""
    index = (DIST / "index.html").read_text()
    initial = {Path(p).name for p in re.findall(r'(?:src|href)="/assets/([^"]+\.js)"', index)}
    chunks = []
    for path in sorted((DIST / "assets").glob("*.js")):
        raw = path.read_bytes()
        chunks.append({"file": path.name, "bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, 9)),
                       "initial": path.name in initial})
    css = sum(len(gzip.compress(p.read_bytes(), 9)) for p in (DIST / "assets").glob("*.css"))

    def kb(rows: list[dict[str, Any]]) -> float:
        return round(sum(r["gzip_bytes"] for r in rows) / 1024, 1)

    initial_kb, total_kb = kb([c for c in chunks if c["initial"]]), kb(chunks)
    return {"chunks": chunks, "initial_js_gzip_kb": initial_kb, "total_js_gzip_kb": total_kb,
            "css_gzip_kb": round(css / 1024, 1),
            "budgets": {"initial_js_gzip_kb": INITIAL_BUDGET_KB, "total_js_gzip_kb": TOTAL_BUDGET_KB},
            "within_budget": initial_kb <= INITIAL_BUDGET_KB and total_kb <= TOTAL_BUDGET_KB}


def browser_timings(api_url: str, token: str, runs: int) -> dict[str, list[float]]:
    blank = DIST / BLANK
    blank.write_text("<!doctype html><html lang=en><meta charset=utf-8><title>blank</title><p>blank</p>\n")
    try:
        args = {"base": api_url, "token": token, "runs": runs, "blank": BLANK}
        done = subprocess.run(["node", str(DRIVER), "budget", json.dumps(args)], capture_output=True,
                              text=True, timeout=60 + 30 * runs, check=False)
    finally:
        blank.unlink()
    lines = done.stdout.strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {"error": "no output"}
    if done.returncode or "error" in result:
        raise RuntimeError(f"browser timing failed: {result.get('error')}\n{done.stderr[-2000:]}")
    samples: dict[str, list[float]] = result["samples"]
    return samples


def run(runs: int = 9, full: bool = False, log: Any = print) -> dict[str, Any]:
    from soundmosaic_local.runtime.stack import LocalStack

    runs = 25 if full else runs
    info = machine()
    ensure_build()
    sizes = bundle()
    log(f"web: initial JS {sizes['initial_js_gzip_kb']} KB gz, all JS {sizes['total_js_gzip_kb']} KB gz")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with _preserved_environment(), tempfile.TemporaryDirectory(prefix="sm-bench-web-") as tmp:
        stack = LocalStack(Path(tmp), port=0, background=False, snapshot_s=3600).start()
        try:
            seed(200)
            t0 = time.perf_counter()
            samples = browser_timings(stack.api_url, stack.dev_token(ARTIST), runs)
            log(f"web: {runs} runs in {time.perf_counter() - t0:.0f} s")
        finally:
            stack.stop()
    stats = {name: summary(values) for name, values in samples.items()}
    p50 = {name: s["p50_ms"] for name, s in stats.items()}
    return {
        "benchmark": "web",
        "machine": {**info, "chromium": _chromium_version()},
        "method": {"runs": runs, "tracks": 200, "page": "library (/), first track row in the DOM",
                   "reference": "blank HTML page, loadEventEnd", "gzip_level": 9},
        "bundle": sizes,
        "timings_ms": stats,
        "ratios": {
            "library_cold_over_blank_cold": ratio(p50["library_cold"], p50["blank_cold"]),
            "library_warm_over_blank_warm": ratio(p50["library_warm"], p50["blank_warm"]),
        },
        "samples_ms": {name: [round(v, 1) for v in values] for name, values in samples.items()},
    }


def _chromium_version() -> str | None:
    try:
        return subprocess.run([os.environ.get("CHROMIUM", "/usr/bin/chromium"), "--version"],
                              capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def markdown(result: dict[str, Any]) -> str:
    b, t, r = result["bundle"], result["timings_ms"], result["ratios"]
    chunk_rows = [[c["file"], f"{c['bytes'] / 1024:.1f}", f"{c['gzip_bytes'] / 1024:.1f}",
                   "first load" if c["initial"] else "later"] for c in b["chunks"]]
    labels = {"library_cold": "library, cold", "library_warm": "library, warm",
              "blank_cold": "blank, cold", "blank_warm": "blank, warm",
              "tracks_asked_cold": "… library asked for tracks, cold",
              "tracks_answered_cold": "… tracks arrived, cold",
              "tracks_asked_warm": "… library asked for tracks, warm",
              "tracks_answered_warm": "… tracks arrived, warm"}
    timing_rows = [[labels[name], t[name]["p50_ms"], t[name]["p95_ms"], t[name]["n"]] for name in labels]
    verdict = "within" if b["within_budget"] else "OVER"
    budgets = b["budgets"]
    return "\n".join([
        "## Web app: bundle size and time to interactive",
        "",
        f"Machine: {machine_line(result['machine'])}; {result['machine'].get('chromium') or 'Chromium'}.",
        "",
        f"JavaScript, gzipped: **{b['initial_js_gzip_kb']} KB on first load**, "
        f"{b['total_js_gzip_kb']} KB in all (budgets {budgets['initial_js_gzip_kb']:.0f} / "
        f"{budgets['total_js_gzip_kb']:.0f} KB: {verdict}); CSS {b['css_gzip_kb']} KB.",
        "",
        table(["chunk", "KB", "KB gzip", "loaded"], chunk_rows),
        "",
        f"Library page until its first track row is rendered, against a blank page from the same "
        f"server ({result['method']['runs']} runs each, {result['method']['tracks']} tracks in the library):",
        "",
        table(["page, cache", "p50 ms", "p95 ms", "n"], timing_rows),
        "",
        f"Ratio library / blank (p50): **{r['library_cold_over_blank_cold']}** cold, "
        f"**{r['library_warm_over_blank_warm']}** warm.",
        "",
    ])


def main() -> None:
    from bench.common import RESULTS_DIR

    result = run(log=lambda message: print(message, file=sys.stderr, flush=True))
    print(markdown(result))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "web.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
