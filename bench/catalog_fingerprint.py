"""Fingerprint matching: time per song against catalogs of 1,000 and 100,000 recordings.

Material, all real Chromaprint output: ``BASE`` songs rendered with FluidSynth (the demo
catalog's generator, another seed) and fingerprinted with ``fpcalc``. A catalog holds those
songs as they are, plus synthetic recordings made from them: each is 2-5 segments of different
rendered songs (random start, 4-12 s each, ~30 s in all), its bits put through a random
permutation and XORed with a random mask, both drawn per recording.

Why not random bits: random 32-bit values spread evenly over the index keys and have no time
structure, so every posting list would be equally short and no candidate would ever look
plausible: a flattering benchmark. The derived recordings keep what real fingerprints have,
frame-to-frame correlation (a sustained chord changes few bits), repeated sections (loops,
choruses) and uneven value statistics, so posting lists are uneven and many alignments collect
a few votes, as in a real catalog. The permutation and mask make each one a different
recording: its BER to the song it came from is about 0.5, so only the query's own recording
is a true match.

Queries: ``QUERIES`` catalog songs re-encoded as MP3 128k, the first 2-4 s cut, noise added,
and ``STRANGERS`` rendered songs that are in no catalog. Timed: ``FingerprintIndex.match`` per
query (the fpcalc run is reported apart); reference in the same run: a full scan (BER of the
query at every offset of every recording) over the 1,000-recording catalog, for a few queries.

Command: ``python -m bench.catalog_fingerprint`` (``--big 20000`` for a quicker run).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from soundmosaic.catalog.fingerprint import FingerprintIndex, bit_error_rate, fingerprint_file
from soundmosaic_local.fixtures import demo_catalog

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

NAME = "catalog_fingerprint"
RESULT_FILE = RESULTS_DIR / f"{NAME}.json"
SEED, BASE, QUERIES, STRANGERS = 4242, 24, 12, 6
FRAMES_PER_S = 8.07

INDEX_ROW = (f"| catalog fingerprint matching: ms per song against 1k and 100k recordings | "
             f"`python -m bench.{NAME}` | `bench/results/{NAME}.json` | [catalog.md](catalog.md) |")



def derived(prints: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A synthetic recording: segments of real prints, bits permuted and masked (see above)."""
    parts = []
    for song in rng.choice(len(prints), size=int(rng.integers(2, 6)), replace=False):
        values = prints[song]
        length = int(rng.integers(4, 13) * FRAMES_PER_S)
        start = int(rng.integers(0, max(1, len(values) - length)))
        parts.append(values[start:start + length])
    values = np.concatenate(parts)
    perm = rng.permutation(32)
    bits = (values[:, None] >> np.arange(32, dtype=np.uint32)) & 1
    permuted = (bits[:, perm] << np.arange(32, dtype=np.uint32)).sum(axis=1).astype(np.uint32)
    return permuted ^ np.uint32(rng.integers(0, 2**32, dtype=np.uint64))


def catalog(size: int, songs: list[tuple[str, np.ndarray]], rng: np.random.Generator) -> FingerprintIndex:
    index = FingerprintIndex()
    for rec_id, values in songs:
        index.add(rec_id, values)
    prints = [v for _, v in songs]
    for i in range(size - len(songs)):
        index.add(f"synthetic-{i:06d}", derived(prints, rng))
    return index


def degrade(source: Path, target: Path, trim: float) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{trim:g}", "-i", str(source), "-filter_complex",
                    "anoisesrc=color=white:amplitude=0.03:seed=5[n];[0:a][n]amix=inputs=2:duration=first:"
                    "normalize=0", "-b:a", "128k", str(target)], check=True)
    return target


def full_scan(index: FingerprintIndex, query: np.ndarray) -> tuple[str, float]:
    best = (1.0, "")
    for rec_id, stored in zip(index.ids, index.prints, strict=True):
        for offset in range(-len(query) + 40, len(stored) - 40):
            ber = bit_error_rate(query, stored, offset)[0]
            if ber < best[0]:
                best = (ber, rec_id)
    return best[1], best[0]


def run(small: int, big: int, log: Any) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-fp-"))
    started = time.perf_counter()
    rendered = demo_catalog.songs(work / "songs", count=BASE + STRANGERS, seed=SEED, seconds=30)
    log(f"rendered and fingerprinted {len(rendered)} songs in {time.perf_counter() - started:.1f} s")
    songs = [(s.recording.recording_id, s.recording.fingerprint.values) for s in rendered[:BASE]
             if s.recording.fingerprint is not None]
    queries, fpcalc_ms = [], []
    for i, song in enumerate(rendered[:QUERIES] + rendered[BASE:]):
        path = degrade(song.audio, work / f"q{i}.mp3", 2 + (i % 3))
        t0 = time.perf_counter()
        fp = fingerprint_file(path)
        fpcalc_ms.append((time.perf_counter() - t0) * 1000)
        queries.append((song.recording.recording_id if i < QUERIES else None, fp.values))
    result: dict[str, Any] = {"machine": machine(), "seed": SEED, "base_songs": BASE, "queries": QUERIES,
                              "strangers": STRANGERS, "fpcalc_ms": summary(fpcalc_ms), "catalogs": {}}
    for size in (small, big):
        rng = np.random.default_rng(SEED + size)
        t0 = time.perf_counter()
        index = catalog(size, songs, rng)
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.build()
        built = time.perf_counter() - t0
        frames = sum(len(p) for p in index.prints)
        index.match(queries[0][1])  # warm
        times, right, strangers_unmatched, confidences = [], 0, 0, []
        for _round in range(3):
            for truth, values in queries:
                t0 = time.perf_counter()
                best = index.best(values)
                times.append((time.perf_counter() - t0) * 1000)
                if truth is None:
                    strangers_unmatched += best is None or best.verdict == "unmatched"
                elif best and best.recording_id == truth and best.verdict == "matched":
                    right += 1
                    confidences.append(best.confidence)
        result["catalogs"][str(size)] = {
            "recordings": size, "frames": frames, "index_mib": round(frames * 12 / 2**20, 1),
            "generate_s": round(made, 1), "build_s": round(built, 2), "match": summary(times),
            "matched_right": f"{right // 3}/{QUERIES}",
            "strangers_unmatched": f"{strangers_unmatched // 3}/{STRANGERS}",
            "min_confidence": min(confidences) if confidences else None}
        log(f"{size}: build {built:.2f} s, match p50 {summary(times)['p50_ms']} ms, "
            f"right {right // 3}/{QUERIES}")
        if size == small:
            scan = []
            for truth, values in queries[:3]:
                t0 = time.perf_counter()
                found, _ber = full_scan(index, values)
                scan.append((time.perf_counter() - t0) * 1000)
                assert found == truth, (found, truth)
            result["full_scan_small"] = summary(scan)
        del index
    s, b = result["catalogs"][str(small)]["match"], result["catalogs"][str(big)]["match"]
    result["ratio_big_small_p50"] = ratio(b["p50_ms"], s["p50_ms"])
    result["ratio_size"] = big / small
    result["ratio_full_scan_vs_index_small_p50"] = ratio(result["full_scan_small"]["p50_ms"], s["p50_ms"])
    return result


def markdown(r: dict[str, Any]) -> str:
    rows = []
    for size, c in r["catalogs"].items():
        m = c["match"]
        rows.append([f"{int(size):,}", f"{c['frames']:,}", c["index_mib"], c["build_s"], m["p50_ms"],
                     m["p95_ms"], m["max_ms"], c["matched_right"], c["strangers_unmatched"],
                     c["min_confidence"]])
    small, big = (f"{int(k):,}" for k in r["catalogs"])
    return "\n".join([
        f"## Fingerprint matching: time per song, {small} and {big} recordings", "",
        f"`python -m bench.catalog_fingerprint`; {machine_line(r['machine'])}.", "",
        f"{r['base_songs']} rendered songs (30 s) as they are, the rest synthetic recordings made of "
        "permuted and masked segments of their real fingerprints (see the module docstring). Queries: "
        f"{r['queries']} of the songs as MP3 128k, trimmed 2-4 s, with noise, and {r['strangers']} songs "
        "in no catalog; each timed 3 times. `FingerprintIndex.match` only; fpcalc on a query takes "
        f"{r['fpcalc_ms']['p50_ms']} ms (p50).", "",
        table(["recordings", "frames indexed", "index MiB", "build s", "match p50 ms", "p95 ms", "max ms",
               "matched right", "strangers unmatched", "lowest confidence"], rows), "",
        f"- {big} / {small} match time (p50): **{r['ratio_big_small_p50']}x** for {r['ratio_size']:.0f}x "
        "the recordings",
        f"- full scan / index on 1k (p50): **{r['ratio_full_scan_vs_index_small_p50']}x** "
        f"(full scan {r['full_scan_small']['p50_ms']} ms per song)", ""])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m bench.{NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    random.seed(SEED)
    result = run(args.small, args.big, lambda m: print(m, file=sys.stderr, flush=True))
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        add_index_row("bench.catalog_fingerprint", INDEX_ROW)
        replace_section(DOCS_FILE, NAME, section, "# Benchmarks\n")
        print(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
