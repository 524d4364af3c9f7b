"""Measured influence: does it follow the requested weights, and what does measuring a take cost?

Ten reference songs (generated note lists, ``tests.unit.generation.music_songs``, all in E major
at 96 bpm so key and tempo give nothing away) go through ``generation.compose.generate`` on the
offline engine at three weightings: equal; three songs at 6 (72 % of the songs' part); one song at
20 (69 %). Each take (30 s, several seeds) is measured with ``generation.influence.measure`` on the
engine's MIDI, as the workflow's measure step does, and checked with ``influence.review``.
Reported per weighting: the heavy songs' requested and measured share, the distance between the
two and how many takes the split rule flags; and the time to measure a take against the time to
generate it (measured in the same run).

    python -m bench.generation_influence [--seeds 4] [--no-record]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
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

RESULT_FILE = RESULTS_DIR / "generation_influence.json"
INDEX_ROW = ("| measured influence of ten songs on a take: follows the weights?, ms per take | "
             "`python -m bench.generation_influence` | `bench/results/generation_influence.json` | "
             "[generation.md](generation.md) |")
WEIGHTINGS = (("equal", 3, 1), ("three songs at 6", 3, 6), ("one song at 20", 1, 20))


def run(seeds: int) -> dict[str, Any]:
    import pretty_midi
    from soundmosaic.generation import influence
    from soundmosaic.generation.compose import generate
    from soundmosaic.providers import ModelMosaic, Registry
    from soundmosaic.providers.registry import DEFAULT_PATH

    from tests.unit.generation.music_songs import songs

    info = machine()
    rows, example = [], None
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SOUNDMOSAIC_CACHE_DIR"] = cache
        mosaic = ModelMosaic(Registry.load(DEFAULT_PATH), {})
        for name, heavy_count, heavy_weight in WEIGHTINGS:
            ten = songs(light=("E major", 96.0), heavy_count=heavy_count, heavy_weight=heavy_weight)
            heavy = [s.work_id for s in ten[:heavy_count]]
            requested = {s.work_id: Fraction(s.weight) for s in ten}
            refs = [influence.Song(s.work_id, s.notes, s.tempo_bpm, s.key) for s in ten]  # type: ignore[arg-type]
            takes = []
            for seed in range(seeds):
                started = time.perf_counter()
                made = generate(mosaic, ten, track_id=f"bench-{seed}", seconds=30.0, seed=seed)
                generated = time.perf_counter() - started
                assert made.midi is not None
                started = time.perf_counter()
                midi = pretty_midi.PrettyMIDI(io.BytesIO(made.midi))
                parts = [[(n.start, n.end, n.pitch, n.velocity) for n in i.notes]
                         for i in midi.instruments if not i.is_drum and i.notes]
                details = made.result.details
                found = influence.measure(parts, details["tempo_bpm"], details["key"], refs)
                check = influence.review(requested, found["measured"])
                measured_s = time.perf_counter() - started
                takes.append({"seed": seed, "generate_s": generated, "measure_s": measured_s,
                              "heavy_measured": sum(found["measured"][w] for w in heavy),
                              "distance": float(check["distance"]), "verdict": check["verdict"],
                              "evidence": found["evidence"]})
                if name == "three songs at 6" and seed == 0:
                    example = {"weighting": name, "seed": seed, "check": check, "features": found["features"]}
            heavy_requested = float(sum(requested[w] for w in heavy) / sum(requested.values()))
            measured = [t["heavy_measured"] for t in takes]
            rows.append({"weighting": name, "heavy_songs": heavy, "heavy_requested": heavy_requested,
                         "heavy_measured_mean": statistics.mean(measured),
                         "heavy_measured_min": min(measured), "heavy_measured_max": max(measured),
                         "distance_mean": statistics.mean(t["distance"] for t in takes),
                         "flagged": sum(t["verdict"] == influence.REVIEW for t in takes), "takes": takes})
        mosaic.close()
    all_takes = [t for r in rows for t in r["takes"]]
    measure_ms = statistics.median(t["measure_s"] for t in all_takes) * 1000
    generate_ms = statistics.median(t["generate_s"] for t in all_takes) * 1000
    return {"benchmark": "generation_influence", "machine": info, "seeds": seeds, "take_seconds": 30.0,
            "tolerance": str(influence.TOLERANCE), "method": influence.METHOD,
            "measure_ms_median": measure_ms, "generate_ms_median": generate_ms,
            "measure_vs_generate": ratio(measure_ms, generate_ms), "weightings": rows, "example": example}


def markdown(result: dict[str, Any]) -> str:
    rows = [[r["weighting"], f"{r['heavy_requested']:.0%}", f"**{r['heavy_measured_mean']:.0%}**",
             f"{r['heavy_measured_min']:.0%} to {r['heavy_measured_max']:.0%}", f"{r['distance_mean']:.2f}",
             f"{r['flagged']} of {len(r['takes'])}"] for r in result["weightings"]]
    return "\n".join([
        "## Generation: measured influence of the ten songs on a take",
        "",
        f"Machine: {machine_line(result['machine'])}.",
        "",
        "`python -m bench.generation_influence`: ten generated reference songs (one key and tempo), "
        f"{result['seeds']} takes of {result['take_seconds']:g} s per weighting on the offline engine, each "
        "measured on its MIDI (`generation.influence`) and checked against the requested weights "
        f"(tolerance {result['tolerance']} total variation distance).",
        "",
        table(["weighting", "heavy songs requested", "measured (mean)", "measured (range)",
               "distance (mean)", "flagged for review"], rows),
        "",
        f"Measuring a take: **{result['measure_ms_median']:.0f} ms** median, against "
        f"{result['generate_ms_median']:.0f} ms to generate and render it "
        f"({result['measure_vs_generate']}x).",
        "",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generation_influence",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    args = parser.parse_args(argv)
    result = run(args.seeds)
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        add_index_row("bench.generation_influence", INDEX_ROW)
        replace_section(DOCS_FILE, "generation_influence", section, "# Benchmarks\n")
        print(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
