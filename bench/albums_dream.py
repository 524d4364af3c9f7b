"""AlbumDreamer: time to a 5-track album of 30-second tracks, offline on this CPU, and on the
provider path estimated from published and assumed model timings.

Offline (measured): the album service's own steps, in the order the ``album`` workflow runs them
and one at a time as the local stack does (one execution environment per function), against
in-process moto (S3, DynamoDB) and a SQLite file: the director (offline), then per track its
image (the studio's procedural renderer, 768 px) and its music (the song generation engine,
re-orchestrated, FluidSynth), the cover (1024 px), the site zip (JPEG + MP3 encoding) and the
SQL rows. The customer's reference is about 5 minutes (300 s) for an album on a V100 GPU with
its models, models already loaded; the ratio is ours / 300 s. The first music step also trains
the model on the cached chorale catalog (reported apart).

Provider path (estimated, not measured: no key here): the workflow's critical path with the
Map's concurrency of 4: director + ceil(tracks / 4) x max(image, music) + cover + the site and
database steps measured offline. Per-call timings are parameters (``--llm-s``, ``--image-s``,
``--musicgen-window-s``) whose defaults and sources are written into the result.

    python -m bench.albums_dream [--tracks 5] [--seconds 30] [--no-record]
"""

from __future__ import annotations

import argparse
import json
import math
import os
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

NAME = "albums_dream"
RESULT_FILE = RESULTS_DIR / f"{NAME}.json"
REFERENCE_S = 300.0  # the customer's ~5 minutes per album on a V100 (seeds file 002, "Results")
CONCEPT = "A lighthouse keeper on a stormy island waits for a letter from her sister across the sea."
SOURCES = {
    "llm_s": "assumed: one Claude Sonnet reply of ~6k output tokens for a 5-track plan (about 60 tokens/s)",
    "image_s": "flux-1.1-pro 1024x1024: 'a few seconds' an image (runflow.io page of FLUX 1.1 [pro]); "
    "6 s taken, queueing included",
    "musicgen_window_s": "assumed: one 30-s window of MusicGen stereo-melody-large on Replicate's A100 "
    "(not verified here: re-check replicate.com/meta/musicgen 'Run time')",
}


def _offline(tracks: int, seconds: int) -> dict[str, Any]:
    from moto import mock_aws
    from soundmosaic.platform import aws
    from soundmosaic.platform.jobs import Job, JobStore
    from soundmosaic.providers import ModelMosaic, Registry
    from soundmosaic.stories.albums import service
    from soundmosaic.stories.albums.plan import Constraints
    from soundmosaic_local.runtime import provision

    folder = Path(tempfile.mkdtemp(prefix="albums-bench-"))
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "ALBUMS_DATABASE_URL": f"sqlite:///{folder / 'albums.sqlite3'}",
        **provision.environment("bench", "http://localhost"),
    }
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(env)
    aws.reset()
    timings: dict[str, float] = {}

    def timed(name: str, call: Any) -> Any:
        started = time.perf_counter()
        value = call()
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
        return value

    with mock_aws():
        provision.create_storage("bench")
        mosaic = ModelMosaic(Registry.load(), {})  # no keys: the offline engines
        artist = "bench-artist"
        total_started = time.perf_counter()
        project = timed(
            "director",
            lambda: service.create(
                mosaic, artist, CONCEPT, Constraints.create(tracks=tracks, seconds=seconds), seed=7
            ),
        )
        album_id = project["album_id"]
        job = Job(
            artist_id=artist, job_id="0" * 24, kind="album", subject={"album_id": album_id, "tracks": None}
        )
        JobStore().create(job)
        timed("freeze plan", lambda: service.step_plan(artist, job.job_id, album_id))
        first_music = 0.0
        for number in range(1, tracks + 1):
            timed("images", lambda n=number: service.step_image(mosaic, artist, job.job_id, album_id, n))
            started = time.perf_counter()
            timed("music", lambda n=number: service.step_music(mosaic, artist, job.job_id, album_id, n))
            if number == 1:
                first_music = time.perf_counter() - started
        timed("cover", lambda: service.step_cover(mosaic, artist, job.job_id, album_id))
        site = timed("site", lambda: service.step_site(artist, job.job_id, album_id))
        timed("database", lambda: service.step_database(artist, job.job_id, album_id))
        total = time.perf_counter() - total_started
    aws.reset()
    music_rest = (timings["music"] - first_music) / max(1, tracks - 1)
    return {
        "total_s": round(total, 2),
        "stages_s": {k: round(v, 2) for k, v in timings.items()},
        "first_music_step_s": round(first_music, 2),
        "later_music_step_s": round(music_rest, 2),
        "site_zip_bytes": site["bytes"],
        "ratio_to_reference": ratio(total, REFERENCE_S),
    }


def _provider(
    tracks: int, seconds: int, offline: dict[str, Any], llm_s: float, image_s: float, window_s: float
) -> dict[str, Any]:
    from soundmosaic.stories.albums.music import windows

    music_s = window_s * len(windows(seconds))  # windows run one after another (each needs the last)
    per_wave = max(image_s, music_s)
    waves = math.ceil(tracks / 4)  # the Map's MaxConcurrency
    fixed = offline["stages_s"]["site"] + offline["stages_s"]["database"] + offline["stages_s"]["freeze plan"]
    total = llm_s + waves * per_wave + image_s + fixed
    return {
        "total_s": round(total, 1),
        "ratio_to_reference": ratio(total, REFERENCE_S),
        "inputs_s": {"llm_s": llm_s, "image_s": image_s, "musicgen_window_s": window_s},
        "sources": SOURCES,
        "critical_path": f"director + {waves} x max(image, {len(windows(seconds))} "
        f"MusicGen window(s)) + cover + site/database (measured offline)",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--llm-s", type=float, default=100.0)
    parser.add_argument("--image-s", type=float, default=6.0)
    parser.add_argument("--musicgen-window-s", type=float, default=60.0)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    info = machine()
    offline = _offline(args.tracks, args.seconds)
    provider = _provider(args.tracks, args.seconds, offline, args.llm_s, args.image_s, args.musicgen_window_s)
    result = {
        "name": NAME,
        "machine": info,
        "tracks": args.tracks,
        "seconds": args.seconds,
        "reference": {
            "seconds": REFERENCE_S,
            "what": "the customer's ~5 min per album on a V100 GPU, models loaded (seeds file 002)",
        },
        "offline": offline,
        "provider_estimate": provider,
    }
    print(json.dumps(result, indent=1))
    if args.no_record:
        return 0
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, indent=1) + "\n")
    stages = offline["stages_s"]
    rows = [
        [
            "offline, this CPU (measured)",
            offline["total_s"],
            offline["ratio_to_reference"],
            ", ".join(f"{k} {v}" for k, v in stages.items()),
        ],
        [
            "provider path (estimated)",
            provider["total_s"],
            provider["ratio_to_reference"],
            provider["critical_path"],
        ],
    ]
    section = (
        f"## AlbumDreamer: time to an album\n\n`python -m bench.albums_dream`: a {args.tracks}-track album "
        f"of "
        f"{args.seconds}-s tracks from a concept to its site zip and SQL rows. The reference is the "
        f"customer's ~{REFERENCE_S:.0f} s per album on a V100 GPU with its models loaded.\n\n"
        + table(["path", "seconds", "x reference", "split"], rows)
        + f"\n\nThe first music step includes training the engine on the cached chorale catalog "
        f"({offline['first_music_step_s']} s; later ones {offline['later_music_step_s']} s). Provider "
        f"inputs: {json.dumps(provider['inputs_s'])}; sources: "
        + "; ".join(f"{k}: {v}" for k, v in SOURCES.items())
        + f". Site zip: {offline['site_zip_bytes'] // 1024} KiB.\n\nMachine: {machine_line(info)}.\n"
    )
    replace_section(DOCS_FILE, NAME, section, "# Benchmarks\n")
    add_index_row(
        "`python -m bench.albums_dream`",
        "| AlbumDreamer: time to a 5-track album, offline and provider path | `python -m bench.albums_dream` "
        "| `bench/results/albums_dream.json` | [stories.md](stories.md) |",
    )
    print(
        f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
