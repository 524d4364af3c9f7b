"""Offline song generation: seconds per minute of audio, split by stage, vs plain FluidSynth.

Ten reference songs (generated note lists with known keys and tempos, ``tests.unit.royalties.
music_songs``) go through ``royalties.generation.generate`` on the offline engine for each length
(default 60 s and 120 s). Reported per length: the whole call, and the engine's split into model
training (reading the references and the cached catalog, training the tables), generation
(sampling and writing the MIDI) and FluidSynth rendering (incl. the cut to length). The reference,
measured in the same run, is plain ``fluidsynth`` rendering of the same MIDI to WAV. Parsing the
music21 catalog the first time (cold cache) is measured once, apart.

    python -m bench.generation_music [--seconds 60 120] [--repeats 2] [--no-record]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
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
    table,
)

RESULT_FILE = RESULTS_DIR / "generation_music.json"

INDEX_ROW = ("| offline song generation: s per audio minute, training / generation / render split | "
             "`python -m bench.generation_music` | `bench/results/generation_music.json` | "
             "[generation.md](generation.md) |")



def plain_render(midi: bytes) -> float:
    from soundmosaic.providers.offline.music import RATE, SOUNDFONT

    with tempfile.TemporaryDirectory() as folder:
        mid = Path(folder) / "in.mid"
        mid.write_bytes(midi)
        started = time.perf_counter()
        subprocess.run(["fluidsynth", "-ni", "-g", "0.6", "-r", str(RATE), "-T", "wav", "-F",
                        str(Path(folder) / "out.wav"), SOUNDFONT, str(mid)], check=True, capture_output=True)
        return time.perf_counter() - started


def run(lengths: list[float], repeats: int) -> dict[str, Any]:
    from soundmosaic.generation.compose import generate
    from soundmosaic.providers import ModelMosaic, Registry
    from soundmosaic.providers.offline import music_catalog
    from soundmosaic.providers.registry import DEFAULT_PATH
    from tests.unit.generation.music_songs import songs

    info = machine()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SOUNDMOSAIC_CACHE_DIR"] = cache
        started = time.perf_counter()
        music_catalog.load()
        cold_catalog_s = time.perf_counter() - started
        mosaic = ModelMosaic(Registry.load(DEFAULT_PATH), {})
        ten = songs()
        rows = []
        for seconds in lengths:
            runs = []
            for repeat in range(repeats):
                started = time.perf_counter()
                made = generate(mosaic, ten, track_id=f"bench-{int(seconds)}-{repeat}", seconds=seconds,
                                seed=repeat + 1)
                total = time.perf_counter() - started
                timings = made.result.details["timings_s"]
                assert made.midi is not None
                runs.append({"total_s": total, **{f"{k}_s": v for k, v in timings.items()},
                             "plain_fluidsynth_s": plain_render(made.midi)})
            median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            per_minute = {k: v * 60 / seconds for k, v in median.items()}
            rows.append({"audio_s": seconds, "repeats": repeats, "median_s": median,
                         "seconds_per_audio_minute": per_minute,
                         "vs_plain_fluidsynth": ratio(median["total_s"], median["plain_fluidsynth_s"]),
                         "runs": runs})
        mosaic.close()
    return {"benchmark": "generation_music", "machine": info, "cold_catalog_parse_s": cold_catalog_s,
            "catalog_works": music_catalog.DEFAULT_COUNT, "lengths": rows}


def markdown(result: dict[str, Any]) -> str:
    rows = []
    for row in result["lengths"]:
        pm = row["seconds_per_audio_minute"]
        rows.append([f"{row['audio_s']:g}", f"**{pm['total_s']:.2f}**", f"{pm['train_s']:.2f}",
                     f"{pm['generate_s']:.3f}", f"{pm['render_s']:.2f}", f"{pm['plain_fluidsynth_s']:.2f}",
                     f"**{row['vs_plain_fluidsynth']}x**"])
    return "\n".join([
        "## Generation: offline song generation, seconds per minute of audio",
        "",
        f"Machine: {machine_line(result['machine'])}.",
        "",
        "`python -m bench.generation_music`: ten reference songs through `generation.compose."
        f"generate` on the offline engine (weighted Markov model, {result['catalog_works']} Bach chorales "
        "from music21 as the catalog, FluidSynth with FluidR3_GM), median of "
        f"{result['lengths'][0]['repeats']} runs per length. All columns in seconds per minute of audio.",
        "",
        table(["audio s", "whole call", "model training", "generation", "FluidSynth render",
               "plain FluidSynth (reference)", "whole / plain"], rows),
        "",
        "Parsing the catalog from the music21 corpus with a cold cache: "
        f"{result['cold_catalog_parse_s']:.1f} s "
        "once (then read from `$SOUNDMOSAIC_CACHE_DIR/music/`).",
        "",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generation_music",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[60.0, 120.0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    args = parser.parse_args(argv)
    result = run(args.seconds, args.repeats)
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        add_index_row("bench.generation_music", INDEX_ROW)
        replace_section(DOCS_FILE, "generation_music", section, "# Benchmarks\n")
        print(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
