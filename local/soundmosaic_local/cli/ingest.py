"""``ingest`` uploads files and follows their jobs; ``process`` runs the audio lab on a song and
downloads its DAW export (the zip's path is the last line printed)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import httpx
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from soundmosaic_local.cli.common import artist_option, console, follow_with_bar, job_for_key, out, stack
from soundmosaic_local.cli.uploads import upload


def register(sub: Any) -> None:
    ingest = sub.add_parser("ingest", help="upload audio files and wait for their jobs")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.add_argument("--timeout", type=float, default=600, help="seconds to wait per job")
    artist_option(ingest)
    ingest.set_defaults(handler=cmd_ingest)
    process = sub.add_parser("process", help="stems, MIDI, lyrics, samples and a DAW export for a song")
    process.add_argument("file", type=Path, nargs="?", help="audio file (or --track for a library track)")
    process.add_argument("--track", help="re-process a track already in the library")
    process.add_argument("--out", type=Path, default=Path("."), help="where the export zip goes")
    process.add_argument("--stages", help="comma-separated subset, e.g. midi or separate,midi")
    process.add_argument("--engine", help="separation engine, e.g. spleeter-hpss, htdemucs")
    process.add_argument("--language", help="lyrics language (default: detected)")
    process.add_argument("--set", action="append", default=[], metavar="STAGE.NAME=VALUE",
                         help="a stage setting, e.g. midi.onset_threshold=0.6 (repeatable)")
    process.add_argument("--timeout", type=float, default=3600)
    artist_option(process)
    process.set_defaults(handler=cmd_process)


def cmd_ingest(args: argparse.Namespace, data_dir: Path) -> int:
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        console.print(f"[red]not a file: {', '.join(missing)}[/]")
        return 2
    with stack(data_dir, args.artist) as (api_url, token):
        client = httpx.Client(base_url=api_url, timeout=120,
                              headers={"Authorization": f"Bearer {token}"})
        results = []
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                      TransferSpeedColumn(), console=console) as progress:
            for path in args.files:
                task = progress.add_task(f"upload {path.name}", total=path.stat().st_size)
                results.append((path, upload(client, path, lambda n, t=task: progress.advance(t, n))))
        failed = 0
        for path, key in results:
            job = follow_with_bar(client, lambda k=key: job_for_key(client, k), f"ingest {path.name}",
                                  args.timeout)
            failed += job["status"] != "succeeded"
            out.print(f"{path}\t{job['status']}\t{job.get('error') or job['result'].get('track_id')}")
        return 1 if failed else 0


def settings(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The stage settings of ``process``: ``--engine``, ``--language`` and each ``--set``."""
    found: dict[str, dict[str, Any]] = {}
    if args.engine:
        found.setdefault("separate", {})["engine"] = args.engine
    if args.language:
        found.setdefault("lyrics", {})["language"] = args.language
    for item in args.set:
        name, _, raw = item.partition("=")
        stage, _, field = name.partition(".")
        if not (stage and field and raw):
            raise SystemExit(f"--set wants STAGE.NAME=VALUE, got {item!r}")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        found.setdefault(stage, {})[field] = value
    return found


def cmd_process(args: argparse.Namespace, data_dir: Path) -> int:
    if bool(args.file) == bool(args.track):
        console.print("[red]give either an audio file or --track ID[/]")
        return 2
    if args.file and not args.file.is_file():
        console.print(f"[red]not a file: {args.file}[/]")
        return 2
    stages = [s.strip() for s in args.stages.split(",")] if args.stages else None
    with stack(data_dir, args.artist) as (api_url, token):
        client = httpx.Client(base_url=api_url, timeout=120, headers={"Authorization": f"Bearer {token}"})
        track_id = args.track
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                      TransferSpeedColumn(), console=console) as progress:
            if args.file:
                task = progress.add_task(f"upload {args.file.name}", total=args.file.stat().st_size)
                key = upload(client, args.file, lambda n: progress.advance(task, n))
        if args.file:
            job = follow_with_bar(client, lambda: job_for_key(client, key), "ingest", args.timeout)
            if job["status"] != "succeeded":
                console.print(f"[red]ingest failed: {job.get('error')}[/]")
                return 1
            track_id = job["result"]["track_id"]
        started = client.post(f"/api/tracks/{track_id}/process",
                              json={"stages": stages, "settings": settings(args)})
        if started.status_code != 202:
            console.print(f"[red]could not start processing: {started.text}[/]")
            return 1
        job_id = started.json()["job_id"]
        job = follow_with_bar(client, lambda: client.get(f"/api/jobs/{job_id}").json(), "audio lab",
                              args.timeout)
        if job["status"] != "succeeded":
            console.print(f"[red]processing failed at {job['stage']}: {job.get('error')}[/]")
            return 1
        assets = client.get(f"/api/tracks/{track_id}/assets").json()
        result = job["result"]
        stems = ", ".join(result.get("stems", []))
        console.print(f"bpm {result.get('bpm')}, key {result.get('key')}, stems {stems}")
        args.out.mkdir(parents=True, exist_ok=True)
        target = args.out / result["export_key"].rsplit("/", 1)[-1]
        with httpx.stream("GET", assets["export_url"], timeout=600) as reply, open(target, "wb") as handle:
            reply.raise_for_status()
            for chunk in reply.iter_bytes():
                handle.write(chunk)
    out.print(str(target.resolve()), highlight=False)
    return 0
