"""``up`` starts the local platform in the foreground; ``status`` shows the stack that runs."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path
from typing import Any

import httpx

from soundmosaic_local.cli.common import artist_option, console, out, token
from soundmosaic_local.runtime.stack import LocalStack, RuntimeInfo


def register(sub: Any) -> None:
    up = sub.add_parser("up", help="start the local platform")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=int(os.environ.get("SOUNDMOSAIC_PORT", "8787")))
    artist_option(up)
    up.set_defaults(handler=cmd_up)
    status = sub.add_parser("status", help="show the running stack")
    artist_option(status)
    status.set_defaults(handler=cmd_status)


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
    out.print(f"  MongoDB      {os.environ.get('MONGODB_URI')}  (Sieb; sample data loads on a first start)",
              highlight=False)
    out.print(f"  dev token    [bold]{stack.dev_token(args.artist)}[/]")
    out.print("Stop with Ctrl-C; every write is saved before it is answered.", highlight=False)
    stopping.wait()
    with console.status("stopping and saving state..."):
        stack.stop()
    return 0


def cmd_status(args: argparse.Namespace, data_dir: Path) -> int:
    info = RuntimeInfo.read(data_dir)
    if info is None:
        out.print(f"no local stack is running for {data_dir} (start one with `soundmosaic up`)")
        return 1
    bearer = token(data_dir, args.artist)
    with httpx.Client(base_url=info.api_url, timeout=10,
                      headers={"Authorization": f"Bearer {bearer}"}) as http:
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
