"""Search at scale on the local stack: 10,000 tracks and 100,000 samples for one artist.

The stack runs in this process (``LocalStack``: moto server, HTTP front door, the real ``api``
handler). Tracks are written to the tracks table with ``batch_writer`` and their index is made
with ``TrackStore.reindex`` (the domain's rebuild); 100,000 samples (10 per track, classes, stems,
tags, key and BPM from their track, a 128-d vector clustered by class like the classifier's) go
straight into the samples index through ``platform.search`` (no 100,000 uploads). Then each case
is requested over HTTP with a dev token, round-robin, twice: with the client in this process and
with the client in another process (``python -m bench.samples_search --client``), which keeps the
client's own work and GIL out of the server's numbers.

Goals (issue 19): ``GET /tracks`` p95 <= 50 ms, every search p95 <= 100 ms, nearest neighbours
<= 100 ms. ``GET /api/health`` on the same server is the reference.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.api_latency import ARTIST, COMMON_WORD, RARE_WORD, _preserved_environment, make_track
from bench.common import machine, machine_line, summary, table

N_TRACKS, PER_TRACK = 10_000, 10
CLASSES = (
    "kick",
    "snare",
    "clap",
    "closed_hat",
    "open_hat",
    "cymbal",
    "tom",
    "percussion",
    "vocal",
    "bass",
    "tonal",
    "fx",
)
STEMS = ("drums", "bass", "vocals", "other")
KEYS = ("A minor", "C major", "F# minor", "D major", "E minor", "G major")
GOALS = {"tracks list": 50.0, "search": 100.0, "similar": 100.0}


def seed(log: Any) -> dict[str, float]:
    """Tracks (table + index rebuild) and samples (index) for ``ARTIST``; seconds per step."""
    from soundmosaic.library.tracks import TrackStore
    from soundmosaic.platform.search import SearchIndex
    from soundmosaic.platform.snapshot import Snapshot
    from soundmosaic.samples.index import SAMPLES_INDEX, VECTOR_DIM, sample_id

    rng = np.random.default_rng(19)
    base_ms = int(time.time() * 1000) - N_TRACKS
    tracks = [make_track(i, base_ms) for i in range(N_TRACKS)]
    for i, track in enumerate(tracks):
        track.key, track.bpm = KEYS[i % len(KEYS)], float(80 + i % 80)
    times = {}
    t0 = time.perf_counter()
    store = TrackStore()
    with store.table.batch_writer() as writer:
        for track in tracks:
            writer.put_item(Item=track.to_item())
    times["tracks_table_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.reindex(ARTIST)
    times["tracks_reindex_s"] = time.perf_counter() - t0
    log(
        f"samples_search: {N_TRACKS} tracks in {times['tracks_table_s']:.1f} s, "
        f"index {times['tracks_reindex_s']:.1f} s"
    )
    centroids = np.abs(rng.normal(0, 1, (len(CLASSES), VECTOR_DIM)))
    rows, labels = [], []
    for i, track in enumerate(tracks):
        for n in range(1, PER_TRACK + 1):
            c = int(rng.integers(len(CLASSES)))
            stem = STEMS[n % len(STEMS)]
            rows.append(
                {
                    "sample_id": sample_id(track.track_id, stem, n),
                    "kind": "sample",
                    "track_id": track.track_id,
                    "track_title": track.title,
                    "stem": stem,
                    "class": CLASSES[c],
                    "auto_class": CLASSES[c],
                    "confidence": round(float(rng.uniform(0.3, 1)), 3),
                    "duration_s": round(float(rng.uniform(0.05, 2)), 3),
                    "loudness_db": round(float(rng.uniform(-40, 0)), 2),
                    "start_s": float(n),
                    "end_s": float(n) + 0.5,
                    "key": track.key,
                    "bpm": track.bpm,
                    "name": f"{stem.title()} {n:03d}",
                    "tags": [RARE_WORD] if (i, n) == (0, 1) else ["bench"],
                    "starred": n == 1,
                    "file": f"samples/{stem}/{CLASSES[c]}/{n:03d}.wav",
                }
            )
            labels.append(c)
    vectors = np.maximum(centroids[labels] + rng.normal(0, 0.6, (len(rows), VECTOR_DIM)), 0)
    t0 = time.perf_counter()
    SearchIndex(SAMPLES_INDEX).replace(ARTIST, Snapshot(SAMPLES_INDEX, rows, vectors.astype(np.float16)))
    times["samples_index_s"] = time.perf_counter() - t0
    # What a write costs at this size: one row changed means a new snapshot (apply, dump, PUT,
    # head); what a cold start costs: reading and warming the snapshot.
    index = SearchIndex(SAMPLES_INDEX)
    t0 = time.perf_counter()
    index.update(ARTIST, lambda snap: snap.apply(put=[{**rows[0], "name": "Renamed"}]))
    times["one_sample_edit_s"] = time.perf_counter() - t0
    data = Snapshot(SAMPLES_INDEX, rows, vectors.astype(np.float16)).dumps()
    times["snapshot_mb"] = len(data) / 1e6
    t0 = time.perf_counter()
    Snapshot.loads(SAMPLES_INDEX, data).warm()
    times["snapshot_cold_load_s"] = time.perf_counter() - t0
    log(f"samples_search: {len(rows)} samples indexed in {times['samples_index_s']:.1f} s")
    return {k: round(v, 2) for k, v in times.items()}


def cases(probe_sample: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(name, group, path, params): group is the goal each case is held to."""
    return [
        ("GET /api/health", "reference", "/api/health", {}),
        ("GET /api/tracks?limit=50", "tracks list", "/api/tracks", {"limit": 50}),
        (f"GET /api/tracks?q={COMMON_WORD}", "search", "/api/tracks", {"limit": 50, "q": COMMON_WORD}),
        (f"GET /api/tracks?q={RARE_WORD}", "search", "/api/tracks", {"limit": 50, "q": RARE_WORD}),
        (
            "GET /api/tracks?key=A minor&bpm 90-100",
            "search",
            "/api/tracks",
            {"limit": 50, "key": "A minor", "bpm_min": 90, "bpm_max": 100},
        ),
        ("GET /api/samples?limit=50", "search", "/api/samples", {"limit": 50}),
        ("GET /api/samples?q=kick", "search", "/api/samples", {"limit": 50, "q": "kick"}),
        (f"GET /api/samples?q={RARE_WORD}", "search", "/api/samples", {"limit": 50, "q": RARE_WORD}),
        (
            "GET /api/samples?class=vocal&key=A minor&bpm 90-100",
            "search",
            "/api/samples",
            {"limit": 50, "class": "vocal", "key": "A minor", "bpm_min": 90, "bpm_max": 100},
        ),
        (
            "GET /api/samples?duration<0.3&loudness>-10&starred",
            "search",
            "/api/samples",
            {"limit": 50, "duration_max": 0.3, "loudness_min": -10, "starred": "true"},
        ),
        (
            "GET /api/samples/{id}/similar?limit=20",
            "similar",
            f"/api/samples/{probe_sample}/similar",
            {"limit": 20},
        ),
        (
            "GET /api/samples?similar_to={id}&class=kick",
            "similar",
            "/api/samples",
            {"limit": 50, "similar_to": probe_sample, "class": "kick"},
        ),
    ]


def client_loop(
    base_url: str, token: str, probe: str, rounds: int, max_seconds: float
) -> dict[str, list[float]]:
    """Every case ``rounds`` times, round-robin, after one warm-up round; ms per request."""
    timings: dict[str, list[float]] = {}
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120, trust_env=False
    ) as client:
        for name, _, path, params in cases(probe):
            client.get(path, params=params).raise_for_status()
            timings[name] = []
        started = time.perf_counter()
        for _ in range(rounds):
            for name, _, path, params in cases(probe):
                t0 = time.perf_counter()
                client.get(path, params=params).raise_for_status()
                timings[name].append((time.perf_counter() - t0) * 1000)
            if time.perf_counter() - started > max_seconds:
                break
    return timings


def run(
    rounds: int = 60, max_seconds: float = 60.0, full: bool = False, log: Any = print
) -> dict[str, Any]:
    from soundmosaic_local.runtime.stack import LocalStack

    started = time.perf_counter()
    info = machine()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with _preserved_environment(), tempfile.TemporaryDirectory(prefix="sm-bench-") as tmp:
        stack = LocalStack(Path(tmp), port=0, background=False, snapshot_s=3600).start()
        try:
            setup = seed(log)
            token = stack.dev_token(ARTIST)
            with httpx.Client(
                base_url=stack.api_url,
                headers={"Authorization": f"Bearer {token}"},
                trust_env=False,
                timeout=120,
            ) as client:
                first = client.get("/api/samples", params={"q": "kick", "limit": 1}).json()["items"][0]
                checks = {
                    "tracks_first_page_items": len(
                        client.get("/api/tracks", params={"limit": 50}).json()["items"]
                    ),
                    "rare_word_tracks": len(
                        client.get("/api/tracks", params={"q": RARE_WORD}).json()["items"]
                    ),
                    "rare_word_samples": len(
                        client.get("/api/samples", params={"q": RARE_WORD}).json()["items"]
                    ),
                }
            probe = first["sample_id"]
            log("samples_search: client in this process")
            inside = client_loop(stack.api_url, token, probe, rounds, max_seconds)
            log("samples_search: client in another process")
            reply = subprocess.run(
                [sys.executable, "-m", "bench.samples_search", "--client"],
                input=json.dumps(
                    {
                        "base_url": stack.api_url,
                        "token": token,
                        "probe": probe,
                        "rounds": rounds,
                        "max_seconds": max_seconds,
                    }
                ),
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ},
            )
            outside = json.loads(reply.stdout)
        finally:
            stack.snapshotter.snapshot = lambda *_: None  # type: ignore[method-assign]
            stack.stop()
    groups = {name: group for name, group, _, _ in cases(probe)}
    results: dict[str, dict[str, Any]] = {}
    for name, group in groups.items():
        results[name] = {
            "group": group,
            "goal_p95_ms": GOALS.get(group),
            "same_process": summary(inside[name]),
            "other_process": summary(outside[name]),
        }
    met = {
        name: all(r[side]["p95_ms"] <= r["goal_p95_ms"] for side in ("same_process", "other_process"))
        for name, r in results.items()
        if r["goal_p95_ms"]
    }
    return {
        "benchmark": "samples_search",
        "machine": info,
        "method": {
            "tracks": N_TRACKS,
            "samples": N_TRACKS * PER_TRACK,
            "artist": ARTIST,
            "rounds": rounds,
            "max_seconds": max_seconds,
            "page_limit": 50,
            "vector_dim": 128,
            "client": "httpx.Client (keep-alive), in this process and in another",
        },
        "setup": setup,
        "checks": checks,
        "results": results,
        "goals_met": met,
        "duration_s": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    m = result["method"]
    rows = []
    for name, r in result["results"].items():
        a, b = r["same_process"], r["other_process"]
        goal = r["goal_p95_ms"]
        rows.append(
            [
                f"`{name}`",
                a["p50_ms"],
                a["p95_ms"],
                b["p50_ms"],
                b["p95_ms"],
                f"<= {goal:.0f}" if goal else "-",
                ("yes" if result["goals_met"][name] else "**no**") if goal else "-",
            ]
        )
    return "\n".join(
        [
            "## Samples and tracks search: 10,000 tracks and 100,000 samples",
            "",
            f"What it measures: `GET /api/tracks`, track and sample searches and nearest neighbours for one "
            f"artist with {m['tracks']:,} tracks and {m['samples']:,} samples on the local stack "
            "(moto server, "
            "HTTP front door, the real `api` handler), over HTTP with a keep-alive client, round-robin, "
            "once with the client in the stack's process and once from another process. The index is "
            "`platform.search` (docs/samples.md).",
            "",
            "Command: `python -m bench.run samples_search`",
            "",
            f"Machine: {machine_line(result['machine'])}",
            "",
            f"Setup: {result['setup']}; checks: {result['checks']}.",
            "",
            table(
                [
                    "case",
                    "same process p50 ms",
                    "p95 ms",
                    "other process p50 ms",
                    "p95 ms",
                    "goal p95 ms",
                    "met",
                ],
                rows,
            ),
            "",
        ]
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--client"]:
        args = json.load(sys.stdin)
        print(
            json.dumps(
                client_loop(
                    args["base_url"], args["token"], args["probe"], args["rounds"], args["max_seconds"]
                )
            )
        )
    else:
        from bench import run as runner

        runner.main(["samples_search"])
