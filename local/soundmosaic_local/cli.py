"""``soundmosaic``: run the platform locally and drive it from a terminal.

up                  start everything (moto, handlers, HTTP API + SPA, drop folder, schedules)
status              is a local stack running, where, and what does it hold
ingest FILE...      upload files through the API with a progress bar and follow their jobs
process FILE        ingest a song, run the audio lab, write the DAW export zip (path printed last)
artwork batch CSV   cover artwork for every track of a CSV, contact sheet written (path printed last)
jobs                the newest jobs of an artist
schedule run NAME   fire a schedule (e.g. weekly-refresh) now
token               print a dev token for an artist
catalog demo        load the 16-song offline demo catalog (audio path printed)
catalog add AUDIO   fingerprint one recording and put it, with its work's rights holders, in the catalog

Commands other than ``up`` use the stack that ``up`` started (found through
``<data>/runtime.json``); when none runs they start one in-process for their own duration.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table
from soundmosaic.platform import auth

from soundmosaic_local.runtime.stack import DEFAULT_ARTIST, LocalStack, RuntimeInfo, default_data_dir

console = Console(stderr=True)
out = Console(soft_wrap=True)  # never wrap a token or a URL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soundmosaic", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None, help="local state (default ./.data)")
    parser.add_argument("--artist", default=DEFAULT_ARTIST, help="act as this artist")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the local platform")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=int(os.environ.get("SOUNDMOSAIC_PORT", "8787")))
    sub.add_parser("status", help="show the running stack")
    ingest = sub.add_parser("ingest", help="upload audio files and wait for their jobs")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.add_argument("--timeout", type=float, default=600, help="seconds to wait per job")
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
    artwork = sub.add_parser("artwork", help="asset studio artwork")
    artwork_sub = artwork.add_subparsers(dest="action", required=True)
    artwork_batch = artwork_sub.add_parser(
        "batch", help="artwork for every track of a CSV (title, artist_name, genre, mood, prompt)")
    artwork_batch.add_argument("file", type=Path)
    artwork_batch.add_argument("--out", type=Path, default=Path("."), help="where the contact sheet goes")
    artwork_batch.add_argument("--timeout", type=float, default=3600)
    jobs = sub.add_parser("jobs", help="list jobs")
    jobs.add_argument("--limit", type=int, default=20)
    schedule = sub.add_parser("schedule", help="schedules")
    schedule_sub = schedule.add_subparsers(dest="action", required=True)
    run = schedule_sub.add_parser("run", help="fire a schedule now")
    run.add_argument("name")
    catalog = sub.add_parser("catalog", help="the song catalog that reference songs are matched against; "
                             "the running local stack's, or with CATALOG_TABLE set (and no stack) the "
                             "deployed table of the AWS account in the environment")
    catalog_sub = catalog.add_subparsers(dest="action", required=True)
    catalog_sub.add_parser("demo", help="render and load the 16 demo songs (fictional works and holders)")
    catalog_add = catalog_sub.add_parser("add", help="fingerprint an audio file and add it as a recording")
    catalog_add.add_argument("audio", type=Path)
    catalog_add.add_argument("--title", required=True)
    catalog_add.add_argument("--artist", dest="artists", action="append", required=True,
                             help="a performing artist (repeatable)")
    catalog_add.add_argument("--isrc", default=None)
    catalog_add.add_argument("--holder", action="append", required=True, metavar="ID=SHARE",
                             help="a rights holder of the work and its exact share, e.g. holder:mara=3/5 "
                             "(repeatable; shares sum to 1)")
    catalog_add.add_argument("--holder-name", action="append", default=[], metavar="ID=NAME",
                             help="a holder's display name (repeatable)")
    catalog_add.add_argument("--recording-id", default=None, help="default: a new id")
    catalog_add.add_argument("--work-id", default=None, help="default: work:<recording id>")
    catalog_add.add_argument("--work-title", default=None, help="default: the title")
    token = sub.add_parser("token", help="print a dev token")
    token.add_argument("--holder", default=None,
                       help="a rights holder id: the token may read that holder's royalty statements")
    args = parser.parse_args(argv)
    data_dir = (args.data_dir or default_data_dir()).resolve()
    commands = {"up": cmd_up, "status": cmd_status, "ingest": cmd_ingest, "process": cmd_process,
                "artwork": cmd_artwork, "jobs": cmd_jobs,
                "schedule": cmd_schedule, "token": cmd_token, "catalog": cmd_catalog}
    return int(commands[args.command](args, data_dir) or 0)


# -- commands ---------------------------------------------------------------------------------


def cmd_up(args: argparse.Namespace, data_dir: Path) -> int:
    if RuntimeInfo.read(data_dir):
        console.print(f"[red]a local stack already runs on {data_dir}[/]")
        return 1
    stack = LocalStack(data_dir, host=args.host, port=args.port)
    with console.status("starting the local stack (moto, handlers, workflows)..."):
        stack.start()
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    out.print(f"SoundMosaic is running at [bold]{stack.api_url}[/] (offline, embedded defaults)")
    out.print(f"  API          {stack.api_url}/api  (OpenAPI: {stack.api_url}/api/openapi.json)")
    out.print(f"  drop folder  {stack.drop_folder_path}")
    out.print(f"  data         {stack.data_dir}")
    if stack.distributor is not None:
        out.print(f"  distributor  {stack.distributor_url}  (the local sandbox distributor)")
    else:
        out.print(f"  distributor  {stack.distributor_url}  (SOUNDMOSAIC_DISTRIBUTOR_URL)")
    out.print(f"  demo songs   {stack.demo_catalog_path}  (demo catalog: {stack.demo_catalog_status})")
    out.print("               drop ten of these into the drop folder to generate a song from them",
              highlight=False)
    out.print(f"  dev token    [bold]{stack.dev_token(args.artist)}[/]")
    out.print("Stop with Ctrl-C; state is saved every few seconds and on stop.", highlight=False)
    stopping.wait()
    with console.status("stopping and saving state..."):
        stack.stop()
    return 0


def cmd_status(args: argparse.Namespace, data_dir: Path) -> int:
    info = RuntimeInfo.read(data_dir)
    if info is None:
        out.print(f"no local stack is running for {data_dir} (start one with `soundmosaic up`)")
        return 1
    token = _token(data_dir, args.artist)
    with httpx.Client(base_url=info.api_url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        health = http.get("/api/health").json()
        tracks = http.get("/api/tracks", params={"limit": 200}).json()["items"]
        jobs = http.get("/api/jobs", params={"limit": 200}).json()["items"]
    out.print(f"running: {info.api_url} (pid {info.pid}, version {health['version']})")
    out.print(f"AWS endpoint (moto): {info.aws_endpoint}")
    out.print(f"drop folder: {info.drop_folder}")
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job["status"]] = counts.get(job["status"], 0) + 1
    out.print(f"artist {args.artist}: {len(tracks)} tracks, jobs {counts or 'none'}")
    return 0


def cmd_ingest(args: argparse.Namespace, data_dir: Path) -> int:
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        console.print(f"[red]not a file: {', '.join(missing)}[/]")
        return 2
    with _stack(data_dir) as (api_url, token):
        client = httpx.Client(base_url=api_url, timeout=120,
                              headers={"Authorization": f"Bearer {token}"})
        results = []
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                      TransferSpeedColumn(), console=console) as progress:
            for path in args.files:
                task = progress.add_task(f"upload {path.name}", total=path.stat().st_size)
                results.append((path, _upload(client, path, lambda n, t=task: progress.advance(t, n))))
        failed = 0
        for path, key in results:
            job = _follow_with_bar(client, lambda k=key: _job_for_key(client, k), f"ingest {path.name}",
                                   args.timeout)
            failed += job["status"] != "succeeded"
            out.print(f"{path}\t{job['status']}\t{job.get('error') or job['result'].get('track_id')}")
        return 1 if failed else 0


def _settings(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    settings: dict[str, dict[str, Any]] = {}
    if args.engine:
        settings.setdefault("separate", {})["engine"] = args.engine
    if args.language:
        settings.setdefault("lyrics", {})["language"] = args.language
    for item in args.set:
        name, _, raw = item.partition("=")
        stage, _, field = name.partition(".")
        if not (stage and field and raw):
            raise SystemExit(f"--set wants STAGE.NAME=VALUE, got {item!r}")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        settings.setdefault(stage, {})[field] = value
    return settings


def cmd_process(args: argparse.Namespace, data_dir: Path) -> int:
    if bool(args.file) == bool(args.track):
        console.print("[red]give either an audio file or --track ID[/]")
        return 2
    if args.file and not args.file.is_file():
        console.print(f"[red]not a file: {args.file}[/]")
        return 2
    stages = [s.strip() for s in args.stages.split(",")] if args.stages else None
    with _stack(data_dir) as (api_url, token):
        client = httpx.Client(base_url=api_url, timeout=120, headers={"Authorization": f"Bearer {token}"})
        track_id = args.track
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                      TransferSpeedColumn(), console=console) as progress:
            if args.file:
                task = progress.add_task(f"upload {args.file.name}", total=args.file.stat().st_size)
                key = _upload(client, args.file, lambda n: progress.advance(task, n))
        if args.file:
            job = _follow_with_bar(client, lambda: _job_for_key(client, key), "ingest", args.timeout)
            if job["status"] != "succeeded":
                console.print(f"[red]ingest failed: {job.get('error')}[/]")
                return 1
            track_id = job["result"]["track_id"]
        started = client.post(f"/api/tracks/{track_id}/process",
                              json={"stages": stages, "settings": _settings(args)})
        if started.status_code != 202:
            console.print(f"[red]could not start processing: {started.text}[/]")
            return 1
        job_id = started.json()["job_id"]
        job = _follow_with_bar(client, lambda: client.get(f"/api/jobs/{job_id}").json(), "audio lab",
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


def cmd_artwork(args: argparse.Namespace, data_dir: Path) -> int:
    """``artwork batch``: the studio's batch route with a progress bar; the contact sheet last."""
    if not args.file.is_file():
        console.print(f"[red]not a file: {args.file}[/]")
        return 2
    with _stack(data_dir) as (api_url, token):
        client = httpx.Client(base_url=api_url, timeout=120, headers={"Authorization": f"Bearer {token}"})
        started = client.post("/api/studio/artwork/batch",
                              json={"csv": args.file.read_text(encoding="utf-8", errors="replace")})
        if started.status_code != 202:
            console.print(f"[red]batch refused: {started.json().get('message', started.text)}[/]")
            return 1
        job_id = started.json()["job_id"]
        job = _follow_with_bar(client, lambda: client.get(f"/api/jobs/{job_id}").json(), "artwork",
                               args.timeout)
        report = client.get(f"/api/studio/batches/{job_id}").json()
        for item in report["items"]:
            if item.get("status") not in (None, "ok"):
                reason = item["error"] or "; ".join(r["reason"] for r in item["refused"])
                console.print(f"[yellow]{item['title']}: {item['status']}: {reason}[/]")
        if job["status"] != "succeeded":
            console.print(f"[red]batch failed: {job.get('error')}[/]")
            return 1
        result = job["result"]
        console.print(f"{result['images']} images for {result['ok'] + result['partial']} of "
                      f"{result['items']} tracks")
        args.out.mkdir(parents=True, exist_ok=True)
        target = args.out / f"contact-sheet-{job_id}.png"
        reply = httpx.get(report["contact_sheet_url"], timeout=600)
        reply.raise_for_status()
        target.write_bytes(reply.content)
    out.print(str(target.resolve()), highlight=False)
    return 0


def _job_for_key(client: httpx.Client, key: str) -> dict[str, Any] | None:
    items = client.get("/api/jobs", params={"limit": 50}).json()["items"]
    return next((j for j in items if j.get("subject", {}).get("key") == key), None)


def _follow_with_bar(client: httpx.Client, fetch: Any, label: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}% {task.fields[stage]}"), console=console) as progress:
        task = progress.add_task(label, total=100, stage="queued")
        while time.monotonic() < deadline:
            job = fetch()
            if job:
                progress.update(task, completed=job["percent"], stage=job["stage"])
                if job["status"] in ("succeeded", "failed"):
                    return dict(job)
            time.sleep(0.5)
    raise SystemExit(f"{label}: no result after {timeout:.0f} s")


def cmd_jobs(args: argparse.Namespace, data_dir: Path) -> int:
    with _stack(data_dir) as (api_url, token):
        reply = httpx.get(f"{api_url}/api/jobs", params={"limit": args.limit}, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}).json()
    table = Table("job", "kind", "status", "stage", "%", "updated", "error / result")
    for job in reply["items"]:
        table.add_row(job["job_id"], job["kind"], job["status"], job["stage"], str(job["percent"]),
                      job["updated_at"], job.get("error") or json.dumps(job.get("result") or {}))
    out.print(table)
    return 0


def cmd_schedule(args: argparse.Namespace, data_dir: Path) -> int:
    info = RuntimeInfo.read(data_dir)
    if info is not None:
        # Ask the running stack's Lambda service: the invocation runs in that process.
        import boto3

        session = boto3.Session(region_name="us-east-1", aws_access_key_id="local",
                                aws_secret_access_key="local")  # noqa: S106 (moto)
        events = session.client("events", endpoint_url=info.aws_endpoint)
        lambdas = session.client("lambda", endpoint_url=info.aws_endpoint)
        rule = f"soundmosaic-local-{args.name}"
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
        replies = [json.loads(lambdas.invoke(FunctionName=t["Arn"], Payload=b"{}")["Payload"].read())
                   for t in targets]
    else:
        with LocalStack(data_dir, port=0, background=False) as stack:
            replies = stack.scheduler.run_rule(args.name)
    out.print_json(data=replies)
    return 0


def cmd_catalog(args: argparse.Namespace, data_dir: Path) -> int:
    from soundmosaic_local.fixtures import demo_catalog

    with _catalog(data_dir) as (store, where):
        if args.action == "demo":
            folder = data_dir / "demo-catalog"
            with console.status(f"rendering and fingerprinting the demo songs into {folder}..."):
                songs = demo_catalog.build(folder, store)
            table = Table("recording", "title", "artist", "ISRC", "holders")
            for song in songs:
                rec = song.recording
                table.add_row(rec.recording_id, rec.title, ", ".join(rec.artists), rec.isrc or "",
                              ", ".join(f"{h} {s}" for h, s in rec.work.holders.items()))
            out.print(table)
            out.print(f"loaded {len(songs)} demo songs into {where}")
            out.print(f"their audio: {folder}", highlight=False)
            return 0
        try:
            recording = _recording(args)
        except ValueError as err:
            console.print(f"[red]{err}[/]")
            return 2
        store.put(recording)
        assert recording.fingerprint is not None
        out.print(f"added {recording.recording_id} ({recording.title!r}, work {recording.work.work_id}, "
                  f"{recording.fingerprint.duration:.1f} s fingerprinted) to {where}", highlight=False)
    return 0


def _recording(args: argparse.Namespace) -> Any:
    """The recording ``catalog add`` describes, fingerprinted; ValueError says what is wrong."""
    from soundmosaic.catalog.fingerprint import FingerprintError, fingerprint_file
    from soundmosaic.catalog.store import Recording
    from soundmosaic.platform.paging import new_id
    from soundmosaic.royalties.provenance import ProvenanceError, Work

    def pairs(values: list[str], what: str) -> dict[str, str]:
        found = {}
        for value in values:
            key, sep, rest = value.partition("=")
            if not sep or not key.strip() or not rest.strip():
                raise ValueError(f"{what} {value!r}: write it as ID=VALUE")
            if key.strip() in found:
                raise ValueError(f"{what} {key.strip()!r} given twice")
            found[key.strip()] = rest.strip()
        return found

    holders = pairs(args.holder, "--holder")
    names = pairs(args.holder_name, "--holder-name")
    unknown = sorted(set(names) - set(holders))
    if unknown:
        raise ValueError(f"--holder-name for {', '.join(unknown)}, who hold no share (--holder)")
    try:
        fingerprint = fingerprint_file(args.audio)
    except FingerprintError as err:
        raise ValueError(str(err)) from err
    recording_id = args.recording_id or f"rec-{new_id()}"
    try:
        work = Work(args.work_id or f"work:{recording_id}", holders)
        return Recording(recording_id, args.title, tuple(args.artists), args.isrc,
                         round(fingerprint.duration * 1000), work, args.work_title or args.title, names,
                         fingerprint)
    except (ProvenanceError, TypeError) as err:
        raise ValueError(str(err)) from err


@contextlib.contextmanager
def _catalog(data_dir: Path) -> Iterator[tuple[Any, str]]:
    """The catalog table: the running local stack's; else, with ``CATALOG_TABLE`` set, the
    deployed one (AWS credentials and region from the environment); else an in-process stack's."""
    from soundmosaic.catalog.store import CatalogStore
    from soundmosaic.platform import aws

    from soundmosaic_local.runtime import provision
    from soundmosaic_local.runtime.stack import STAGE

    info = RuntimeInfo.read(data_dir)
    if info is not None:
        # moto's own endpoint and credentials: the table lives in the running stack's process.
        os.environ.update({"AWS_ENDPOINT_URL": info.aws_endpoint, "AWS_ACCESS_KEY_ID": "local",
                           "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": provision.REGION,
                           "CATALOG_TABLE": provision.environment(STAGE, info.aws_endpoint)["CATALOG_TABLE"]})
        os.environ.pop("AWS_SESSION_TOKEN", None)
        aws.reset()
        yield CatalogStore(), f"the local stack's catalog ({info.api_url})"
        return
    if os.environ.get("CATALOG_TABLE"):
        yield CatalogStore(), f"table {os.environ['CATALOG_TABLE']}"
        return
    console.print("no running stack: starting one in this process")
    with LocalStack(data_dir, port=0, background=False):
        yield CatalogStore(), f"the local catalog in {data_dir}"


def cmd_token(args: argparse.Namespace, data_dir: Path) -> int:
    out.print(_token(data_dir, args.artist, args.holder), highlight=False)
    return 0


# -- helpers ----------------------------------------------------------------------------------


def _token(data_dir: Path, artist: str, holder: str | None = None) -> str:
    secret_path = data_dir / "dev-jwt-secret"
    if not secret_path.exists():
        return LocalStack(data_dir).dev_token(artist, holder)  # creates the secret
    return auth.mint_dev_token(secret_path.read_text().strip(), artist, holder_id=holder)


@contextlib.contextmanager
def _stack(data_dir: Path) -> Iterator[tuple[str, str]]:
    """The running stack's API URL and a token, or an in-process stack for this command."""
    info = RuntimeInfo.read(data_dir)
    artist = os.environ.get("SOUNDMOSAIC_ARTIST", DEFAULT_ARTIST)
    if info is not None:
        yield info.api_url, _token(data_dir, artist)
        return
    console.print("no running stack: starting one in this process")
    with LocalStack(data_dir, port=0, background=False) as stack:
        yield stack.api_url, stack.dev_token(artist)


class _ProgressReader:
    """A file object that reports bytes read, for the upload progress bar."""

    def __init__(self, handle: Any, advance: Any, limit: int | None = None) -> None:
        self.handle, self.advance, self.left = handle, advance, limit

    def __iter__(self) -> Iterator[bytes]:
        while True:
            want = 1024 * 1024 if self.left is None else min(1024 * 1024, self.left)
            chunk = self.handle.read(want) if want else b""
            if not chunk:
                return
            if self.left is not None:
                self.left -= len(chunk)
            self.advance(len(chunk))
            yield chunk


def _upload(client: httpx.Client, path: Path, advance: Any) -> str:
    size = path.stat().st_size
    session = client.post("/api/uploads", json={"filename": path.name, "size_bytes": size},
                          headers={"Idempotency-Key": f"cli-{path.resolve()}-{size}-{time.time_ns()}"})
    if session.status_code != 201:
        raise SystemExit(f"{path}: upload refused: {session.text}")
    upload = session.json()
    with open(path, "rb") as handle:
        if not upload["multipart"]:
            reply = httpx.put(upload["url"], content=_ProgressReader(handle, advance),
                              headers={**upload["headers"], "Content-Length": str(size)}, timeout=600)
            reply.raise_for_status()
            return str(upload["key"])
        parts = []
        for part in upload["parts"]:
            reply = httpx.put(part["url"], timeout=600,
                              content=_ProgressReader(handle, advance, upload["part_size"]))
            reply.raise_for_status()
            parts.append({"part_number": part["part_number"], "etag": reply.headers["ETag"]})
    client.post("/api/uploads/complete", json={"key": upload["key"], "parts": parts,
                                               "s3_upload_id": upload["s3_upload_id"]}).raise_for_status()
    return str(upload["key"])


if __name__ == "__main__":
    sys.exit(main())
