"""The studio's offline engines at contract sizes: ``python -m bench.studio_offline``.

Artwork batch
    100 album covers at 1024x1024 from ``offline.artwork.render``, as a batch file would ask for
    them: briefs cycle through genres, moods, prompts, titles and seeds, so every layout family
    is drawn. Throughput is images per second of wall time in one process (the engine is
    single-threaded numpy + Pillow). Reference measured in the same run: the floor of any
    1024x1024 render, one numpy gradient with grain encoded as PNG with the same settings.
    Memory is measured in a fresh child process: peak RSS (``VmHWM``) after the imports and
    one warm-up render and at the end of the batch (the difference is the layouts that need more
    than the warm-up's), resident memory (``VmRSS``) after every render, summarised as min, max
    and linear trend (malloc keeps freed memory for reuse, so it swings; a leak would climb), and
    the ``tracemalloc`` peak of one render (numpy reports its buffers to tracemalloc, so this
    is the working set of a single 1024x1024 cover).

Video loop
    A 10-second 1920x1080 30 fps loop from a 1024x1024 cover with ``offline.loop.render_loop``
    for each motion a seed can pick (``float``, ``hue``, ``ken_burns``), timed end to end and as
    frame drawing alone (no encoder). The real-time factor is render seconds / 10 s of audio
    (below 1: faster than the track plays). Reference in the same run: x264 encoding the still
    repeated 300 times with the engine's settings (the encoder's floor). ``make_seamless`` on a
    6 s 720x480 8 fps clip (CogVideoX-like, ffmpeg's testsrc) to the same 10 s 1080p loop is
    timed too. Each case runs in a fresh child for its own peak RSS (ffmpeg's memory is not
    included: it is a separate process).

Writes ``bench/results/studio_offline.json`` and the section of ``docs/benchmarks.md``
(``--no-record`` prints only; ``--images N`` for a smaller batch).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    DOCS_FILE,
    REPO_ROOT,
    RESULTS_DIR,
    machine,
    machine_line,
    ratio,
    replace_section,
    table,
)

NAME = "studio_offline"
RESULT_FILE = RESULTS_DIR / f"{NAME}.json"
SIDE = 1024
SECONDS, FPS, WIDTH, HEIGHT = 10.0, 30, 1920, 1080
MOTIONS = ("float", "hue", "ken_burns")
GENRES = ("synthwave", "hip hop", "jazz", "folk", "metal", "ambient", "pop", "classical", "latin", "rock")
MOODS = ("melancholic", "euphoric", "dark", "calm", "romantic", "dreamy", "nostalgic", "energetic")
PROMPTS = ("", "ocean at night", "neon city", "minimal", "forest mountains", "sunset desert", "stars",
           "fire", "geometric shapes", "aurora haze")
TITLES = ("Glass Harbour", "Midnight Circuit", "Everything I Know About Lighthouses", "Dust", "Low Tide",
          "The Weight of Lanterns", "Seven Neon Nights", "Form")

Log = Callable[[str], None]


def _status_mib(field: str) -> float | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def peak_rss_mib() -> float:
    """Peak resident memory of this process (``VmHWM``: unlike ``ru_maxrss`` not inherited over exec)."""
    peak = _status_mib("VmHWM")
    if peak is not None:
        return peak
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mib() -> float | None:
    """Resident memory now (``VmRSS``)."""
    return _status_mib("VmRSS")


def _slope(values: list[float]) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    mx, my = (n - 1) / 2, statistics.fmean(values)
    return sum((i - mx) * (v - my) for i, v in enumerate(values)) / sum((i - mx) ** 2 for i in range(n))


def brief(i: int) -> tuple[str, dict[str, Any], int]:
    data = {"artist_name": f"Artist {i % 7}", "genre": GENRES[i % len(GENRES)], "mood": MOODS[i % len(MOODS)],
            "title": TITLES[i % len(TITLES)]}
    return PROMPTS[(i // 3) % len(PROMPTS)], data, 1000 + i


def reference_render(seed: int) -> bytes:
    """The floor of a 1024x1024 cover: a numpy gradient with grain, encoded like the engine does."""
    import numpy as np
    from PIL import Image
    from soundmosaic.providers.offline.artwork import PNG_COMPRESS_LEVEL

    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, SIDE, dtype=np.float32)[:, None, None]
    img = np.broadcast_to(rng.random(3, dtype=np.float32) * (1 - t) + rng.random(3, dtype=np.float32) * t,
                          (SIDE, SIDE, 3))
    img = img + rng.standard_normal((SIDE, SIDE, 1), dtype=np.float32) * 0.02
    out = io.BytesIO()
    pixels = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    Image.fromarray(pixels, "RGB").save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


# --- children (fresh processes, so peak memory is theirs alone) -----------------------------------

def child_artwork(n: int) -> dict[str, Any]:
    from soundmosaic.providers.offline import artwork

    artwork.render(*brief(0)[:2], SIDE, SIDE, 1)  # warm-up: imports, fonts
    reference_render(0)
    rss_warm, rss_now_warm = peak_rss_mib(), rss_mib()
    times, layouts, sizes, resident = [], [], [], []
    start = time.perf_counter()
    for i in range(n):
        prompt, data, seed = brief(i)
        t = time.perf_counter()
        png = artwork.render(prompt, data, SIDE, SIDE, seed)
        times.append(time.perf_counter() - t)
        layouts.append(artwork.plan(prompt, data, seed).layout)
        sizes.append(len(png))
        resident.append(rss_mib() or 0.0)
    wall = time.perf_counter() - start
    rss_end, rss_now_end = peak_rss_mib(), rss_mib()
    ref_times = []
    for i in range(max(10, n // 5)):
        t = time.perf_counter()
        reference_render(i)
        ref_times.append(time.perf_counter() - t)
    tracemalloc.start()
    artwork.render(*brief(3)[:2], SIDE, SIDE, 7)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_layout: dict[str, list[float]] = {}
    for name, s in zip(layouts, times, strict=True):
        per_layout.setdefault(name, []).append(s)
    return {
        "images": n, "side": SIDE, "wall_s": round(wall, 2), "images_per_s": round(n / wall, 3),
        "per_image_s": {"p50": round(statistics.median(times), 3), "mean": round(statistics.fmean(times), 3),
                        "max": round(max(times), 3)},
        "reference_per_image_s": round(statistics.median(ref_times), 3),
        "ratio_to_reference": ratio(statistics.median(times), statistics.median(ref_times)),
        "per_layout_mean_s": {k: [len(v), round(statistics.fmean(v), 3)]
                              for k, v in sorted(per_layout.items())},
        "png_kib_mean": round(statistics.fmean(sizes) / 1024, 1),
        "peak_rss_mib_after_warmup": rss_warm, "peak_rss_mib_end": rss_end,
        "rss_growth_over_batch_mib": round(rss_end - rss_warm, 1),
        "rss_now_mib_after_warmup": rss_now_warm, "rss_now_mib_end": rss_now_end,
        "rss_now_mib_during": {"min": min(resident), "max": max(resident),
                               # least-squares slope: a leak is a steady climb, not a swing
                               "trend_mib_per_100_images": round(100 * _slope(resident), 1)},
        "tracemalloc_peak_one_render_mib": round(traced_peak / 2**20, 1),
    }


def child_loop(case: str) -> dict[str, Any]:
    from soundmosaic.providers.offline import artwork, loop

    data = {"title": "Midnight Circuit", "artist_name": "Nova", "genre": "synthwave"}
    cover = artwork.render("neon night", data, SIDE, SIDE, 4)
    n = loop.frame_count(SECONDS, FPS)
    if case == "make_seamless":
        with tempfile.TemporaryDirectory() as tmp:
            clip = Path(tmp) / "clip.mp4"
            source = "testsrc=duration=6:size=720x480:rate=8"
            subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", source, "-c:v", "libx264",
                            "-pix_fmt", "yuv420p", "-y", str(clip)], check=True)
            clip_bytes = clip.read_bytes()
        t = time.perf_counter()
        mp4 = loop.make_seamless(clip_bytes, SECONDS, FPS, WIDTH, HEIGHT)
        total = time.perf_counter() - t
        return {"case": case, "render_s": round(total, 2), "rtf": round(total / SECONDS, 3),
                "mp4_kib": round(len(mp4) / 1024), "frames": loop.probe(mp4)["frames"],
                "peak_rss_mib": peak_rss_mib()}
    from PIL import Image

    src = Image.open(io.BytesIO(cover)).convert("RGB")
    if case == "reference_encode":
        frame = src.resize((WIDTH, HEIGHT))
        t = time.perf_counter()
        mp4 = loop._encode(iter([frame] * n), WIDTH, HEIGHT, FPS, n, "bench reference")
        total = time.perf_counter() - t
        return {"case": case, "render_s": round(total, 2), "rtf": round(total / SECONDS, 3),
                "mp4_kib": round(len(mp4) / 1024), "peak_rss_mib": peak_rss_mib()}
    # One motion: frame drawing alone, then the whole render_loop (drawing and x264 in parallel).
    import numpy as np

    motion, base, energy = case, (case if case != "hue" else "float"), 1.0
    rng = np.random.default_rng(1)
    frames = loop.MOTION_FUNCS[base](src, WIDTH, HEIGHT, n, rng, energy)
    if motion == "hue":
        frames = loop._with_hue(frames, n, 35.0)
    t = time.perf_counter()
    for frame in frames:
        frame.tobytes()  # what the encoder is fed
    draw = time.perf_counter() - t
    prompt = {"float": "float", "hue": "hue", "ken_burns": "zoom"}[motion]
    image = cover if motion != "ken_burns" else artwork.render("neon night", {"title": "Midnight Circuit"},
                                                                WIDTH // 2, HEIGHT // 2, 4)
    t = time.perf_counter()
    mp4 = loop.render_loop(image, prompt, SECONDS, FPS, WIDTH, HEIGHT, seed=5)
    total = time.perf_counter() - t
    info = loop.probe(mp4)
    return {"case": case, "render_s": round(total, 2), "rtf": round(total / SECONDS, 3),
            "draw_only_s": round(draw, 2), "draw_ms_per_frame": round(1000 * draw / n, 1),
            "mp4_kib": round(len(mp4) / 1024), "frames": info["frames"], "codec": info["codec"],
            "size": f"{info['width']}x{info['height']}", "peak_rss_mib": peak_rss_mib()}


def _child(args: list[str], log: Log) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers" / "core" / "python"),
                                                        str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    log(f"child: {' '.join(args)}")
    done = subprocess.run([sys.executable, "-m", "bench.studio_offline", "--child", *args], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(log: Log, images: int = 100) -> dict[str, Any]:
    result: dict[str, Any] = {"benchmark": NAME, "machine": machine()}
    result["artwork"] = _child(["artwork", str(images)], log)
    a = result["artwork"]
    log(f"artwork: {a['images_per_s']} images/s, peak RSS {a['peak_rss_mib_end']} MiB")
    loops = {}
    for case in ("reference_encode", *MOTIONS, "make_seamless"):
        loops[case] = _child(["loop", case], log)
        log(f"loop {case}: {loops[case]['render_s']} s (RTF {loops[case]['rtf']})")
    result["loop"] = {"seconds": SECONDS, "fps": FPS, "size": f"{WIDTH}x{HEIGHT}", "cases": loops}
    return result


def markdown(result: dict[str, Any]) -> str:
    a, lp = result["artwork"], result["loop"]
    ref = lp["cases"]["reference_encode"]
    rows = [[f"`render_loop` {c}", lp["cases"][c]["render_s"], f"**{lp['cases'][c]['rtf']}**",
             ratio(lp["cases"][c]["render_s"], ref["render_s"]), lp["cases"][c]["draw_ms_per_frame"],
             lp["cases"][c]["mp4_kib"], lp["cases"][c]["peak_rss_mib"]] for c in MOTIONS]
    ms = lp["cases"]["make_seamless"]
    rows.append(["`make_seamless` 6 s 720x480 clip", ms["render_s"], f"**{ms['rtf']}**",
                 ratio(ms["render_s"], ref["render_s"]), "n/a", ms["mp4_kib"], ms["peak_rss_mib"]])
    rows.append(["reference: x264 on the still x300", ref["render_s"], ref["rtf"], "1.0", "0", ref["mp4_kib"],
                 ref["peak_rss_mib"]])
    layouts = ", ".join(f"{k} {v[1]} s ({v[0]})" for k, v in a["per_layout_mean_s"].items())
    lines = [
        "## Studio: offline artwork batch and 1080p loop",
        "",
        "What it measures: (a) 100 covers at 1024x1024 from `offline.artwork.render` with briefs cycling "
        "through genres, moods, prompts, titles and seeds, in one fresh process: throughput, per-image time "
        "against a reference measured in the same run (a numpy gradient with grain encoded as PNG the same "
        "way: the floor of any 1024x1024 cover), peak RSS (`VmHWM`) after warm-up and at the end, and the "
        "`tracemalloc` peak of one render. (b) a 10 s 1920x1080 30 fps loop from a cover with "
        "`offline.loop.render_loop` per motion, each in a fresh process: wall time and real-time factor "
        "(render s / 10 s of audio), frame drawing alone, against x264 encoding the still 300 times with "
        "the same settings; and `make_seamless` on a CogVideoX-sized clip. ffmpeg runs as a separate "
        "process, so its memory is not in the RSS column.",
        "",
        "Command: `python -m bench.studio_offline`",
        "",
        f"Machine: {machine_line(result['machine'])}",
        "",
        table(["artwork batch", "value"], [
            ["images", a["images"]],
            ["throughput", f"**{a['images_per_s']} images/s** ({a['wall_s']} s wall)"],
            ["per image p50 / mean / max", f"{a['per_image_s']['p50']} / {a['per_image_s']['mean']} / "
                                           f"{a['per_image_s']['max']} s"],
            ["reference (gradient + grain + PNG) p50", f"{a['reference_per_image_s']} s"],
            ["engine / reference", f"**{a['ratio_to_reference']}x**"],
            ["peak RSS after warm-up / at the end",
             f"{a['peak_rss_mib_after_warmup']} / {a['peak_rss_mib_end']} MiB"],
            ["peak RSS growth over the batch (bigger layouts than the warm-up's)",
             f"{a['rss_growth_over_batch_mib']} MiB"],
            ["resident (`VmRSS`) after warm-up / at the end",
             f"{a['rss_now_mib_after_warmup']} / {a['rss_now_mib_end']} MiB"],
            ["resident during the batch: min / max / linear trend (a leak climbs steadily)",
             f"{a['rss_now_mib_during']['min']} / {a['rss_now_mib_during']['max']} MiB / "
             f"{a['rss_now_mib_during']['trend_mib_per_100_images']} MiB per 100 images"],
            ["tracemalloc peak, one render", f"{a['tracemalloc_peak_one_render_mib']} MiB"],
            ["mean PNG size", f"{a['png_kib_mean']} KiB"],
        ]),
        "",
        f"Mean seconds per layout (count): {layouts}.",
        "",
        table(["10 s 1080p loop", "render s", "RTF", "vs x264 floor", "draw ms/frame", "MP4 KiB",
               "peak RSS MiB"], rows),
    ]
    return "\n".join(lines) + "\n"


INDEX_ROW = ("| studio offline engines: artwork batch throughput and memory, 1080p loop RTF | "
             "`python -m bench.studio_offline` | `bench/results/studio_offline.json` | below |")


def add_to_index(path: Path) -> None:
    """Add this benchmark's row to the index table of ``docs/benchmarks.md`` once."""
    text = path.read_text()
    if "`python -m bench.studio_offline`" in text.split("<!-- bench:", 1)[0]:
        return
    lines = text.splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("| benchmark | command |"))
    end = header + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    lines.insert(end, INDEX_ROW)
    path.write_text("\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.studio_offline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100, help="artworks in the batch (default 100)")
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, arg = args.child[0], args.child[1]
        out = child_artwork(int(arg)) if kind == "artwork" else child_loop(arg)
        print(json.dumps(out))
        return

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(log, images=args.images)
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        replace_section(DOCS_FILE, NAME, section, "# Benchmarks\n")
        add_to_index(DOCS_FILE)
        log(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
