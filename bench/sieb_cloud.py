"""Sieb point cloud: frame time at 50,000 points while orbiting, in headless Chromium.

The built SPA (``web/dist``) is served from this process; ``tests/e2e/sieb_driver.mjs``
(scenario ``cloudbench``) opens ``/sieb`` in Debian's Chromium with WebGL2 on **SwiftShader**
(software GL: this machine has no GPU, so every vertex and fragment runs on the CPU) and answers
``/api/sieb/*`` in the browser with generated points (seeded; VISUALIZATION.md's inventory
mapping: days of cover, lead time, stock value on a log axis, six categories, urgency as size,
4 % stock-outs outlined) — the sample data has 10,981 inventory rows, fewer than the 50,000 the
cloud must draw smoothly. The real component draws them (web/src/sieb/cloudView.ts, one
``gl.POINTS`` draw with a custom shader).

Method: a ``requestAnimationFrame`` callback records the time between frames while (a) the
page turns the view a little every frame (``orbitBy``, what a drag calls: every frame redraws
every point) for ``seconds`` — the figure to read — and (b) the mouse drags in circles over the
canvas through Playwright for ``seconds`` (each move is a DevTools-protocol round trip, so the
harness's own input latency shows in these frames too; "draws per frame" says how many frames
had a new view). References in the same run: the same page idle
(the render loop draws nothing when nothing moves), and the same orbit with 5,000 points and
with 1 point (what a frame costs before any point: clear, axes, labels, compositing).
Frames drawn per rAF tick says whether the cloud redrew every frame. ``python -m bench.sieb_cloud``
writes ``bench/results/sieb_cloud.json`` and its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.common import (
    DOCS_FILE,
    REPO_ROOT,
    RESULTS_DIR,
    add_index_row,
    machine,
    machine_line,
    ratio,
    replace_section,
    summary,
    table,
)
from bench.web_budget import DIST, _chromium_version, ensure_build

DRIVER = REPO_ROOT / "tests" / "e2e" / "sieb_driver.mjs"
RESULT_FILE = RESULTS_DIR / "sieb_cloud.json"
INDEX_ROW = ("| Sieb point cloud frame time at 50,000 points (Chromium, software GL) "
             "| `python -m bench.sieb_cloud` | `bench/results/sieb_cloud.json` "
             "| [sieb-web.md](sieb-web.md) |")


class _Spa(SimpleHTTPRequestHandler):
    """web/dist with the SPA's fallback: a path that is no file is index.html."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if not path.exists():
            self.path = "/index.html"
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _session() -> dict[str, Any]:
    """A session the SPA reads from localStorage; the API is answered in the browser, so no key checks it."""
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    token = f"{part({'alg': 'none'})}.{part({'sub': 'bench'})}.x"
    return {"token": token, "kind": "dev", "name": "bench", "expiresAt": None}


def drive(base: str, points: int, seconds: float, total: int | None = None,
          shots: str | None = None) -> dict[str, Any]:
    args = {"base": base, "points": points, "total": total or points, "seconds": seconds,
            "session": _session(), "shots": shots}
    done = subprocess.run(["node", str(DRIVER), "cloudbench", json.dumps(args)], capture_output=True,
                          text=True, timeout=120 + 4 * seconds, check=False)
    lines = done.stdout.strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {"error": "no output"}
    if done.returncode or "error" in result:
        raise RuntimeError(f"cloud benchmark failed: {result.get('error')}\n{done.stderr[-2000:]}")
    return result


def run(seconds: float = 8.0, log: Any = print) -> dict[str, Any]:
    info = machine()
    ensure_build()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Spa, directory=str(DIST)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        t0 = time.perf_counter()
        big = drive(base, 50_000, seconds, total=180_000)
        small = drive(base, 5_000, seconds)
        one = drive(base, 1, seconds)
        log(f"sieb_cloud: three runs in {time.perf_counter() - t0:.0f} s")
    finally:
        server.shutdown()
    def stats(run: dict[str, Any]) -> dict[str, Any]:
        def per_frame(part: dict[str, Any]) -> float:
            return round(part["renders"] / max(1, len(part["deltas"]) + 1), 2)

        spin, drag, idle = run["spin"], run["orbit"], run["idle"]
        return {"points": run["drawn"], "orbit": summary(spin["deltas"]), "drag": summary(drag["deltas"]),
                "idle": summary(idle["deltas"]), "renders_per_frame": per_frame(spin),
                "drag_renders_per_frame": per_frame(drag), "mouse_moves": run["moves"],
                "fps_p50": round(1000 / summary(spin["deltas"])["p50_ms"], 1)}
    s50, s5, s1 = stats(big), stats(small), stats(one)
    return {
        "benchmark": "sieb_cloud",
        "machine": {**info, "chromium": _chromium_version(), "webgl_renderer": big["renderer"]},
        "method": {"seconds_orbiting": seconds, "viewport": "1440x900, canvas about 1100x480 CSS px",
                   "data": "generated inventory-like points, seeded; "
                           "the 50,000 run states sampling of 180,000 rows",
                   "gl": "WebGL2 on a GPU (SIEB_GPU=1)" if os.environ.get("SIEB_GPU") == "1"
                   else "WebGL2 via ANGLE on SwiftShader (software)"},
        "points_50000": s50,
        "points_5000": s5,
        "points_1": s1,
        "ratios": {"orbit_p50_50k_over_idle_p50": ratio(s50["orbit"]["p50_ms"], s50["idle"]["p50_ms"]),
                   "orbit_p50_50k_over_5k": ratio(s50["orbit"]["p50_ms"], s5["orbit"]["p50_ms"]),
                   "orbit_p50_50k_over_1": ratio(s50["orbit"]["p50_ms"], s1["orbit"]["p50_ms"])},
        "samples_ms": {"orbit_50000": [round(v, 2) for v in big["spin"]["deltas"]],
                       "drag_50000": [round(v, 2) for v in big["orbit"]["deltas"]],
                       "idle_50000": [round(v, 2) for v in big["idle"]["deltas"]],
                       "orbit_5000": [round(v, 2) for v in small["spin"]["deltas"]]},
    }


def markdown(result: dict[str, Any]) -> str:
    rows = []
    runs = (("points_50000", "50,000 points"), ("points_5000", "5,000 points"), ("points_1", "1 point"))
    for key, label in runs:
        s = result[key]
        orbit, drag = s["orbit"], s["drag"]
        rows.append([f"{label}, orbiting (the page turns the view every frame)", orbit["p50_ms"],
                     orbit["p95_ms"], orbit["n"], s["fps_p50"], s["renders_per_frame"]])
        rows.append([f"{label}, mouse drag (through the DevTools protocol)", drag["p50_ms"], drag["p95_ms"],
                     drag["n"], "", s["drag_renders_per_frame"]])
        rows.append([f"{label}, idle", s["idle"]["p50_ms"], s["idle"]["p95_ms"], s["idle"]["n"], "", ""])
    r = result["ratios"]
    renderer = str(result["machine"].get("webgl_renderer"))
    return "\n".join([
        "## Sieb point cloud: frame time while orbiting",
        "",
        f"Machine: {machine_line(result['machine'])}; {result['machine'].get('chromium') or 'Chromium'}; "
        f"WebGL: {renderer}{' (software GL, no GPU)' if 'SwiftShader' in renderer else ''}.",
        "",
        "requestAnimationFrame deltas while the cloud orbits for "
        f"{result['method']['seconds_orbiting']} s (every frame redraws every point), "
        "and idle on the same page:",
        "",
        table(["cloud", "p50 ms", "p95 ms", "frames", "fps (p50)", "draws per frame"], rows),
        "",
        f"Ratios (p50): 50,000 orbiting / idle **{r['orbit_p50_50k_over_idle_p50']}**, "
        f"50,000 / 5,000 orbiting **{r['orbit_p50_50k_over_5k']}**, 50,000 / 1 point (the cost of a frame "
        f"itself: clear, axes, labels, compositing) **{r['orbit_p50_50k_over_1']}**.",
        "",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sieb_cloud", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    args = parser.parse_args(argv)
    result = run(args.seconds, log=lambda m: print(m, file=sys.stderr, flush=True))
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        add_index_row("bench.sieb_cloud", INDEX_ROW)
        replace_section(DOCS_FILE, "sieb_cloud", section, "# Benchmarks\n")


if __name__ == "__main__":
    main()
