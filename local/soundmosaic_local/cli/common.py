"""What every command shares: the two consoles, dev tokens, the stack to talk to, job progress."""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from soundmosaic_local import dev_tokens
from soundmosaic_local.runtime.stack import DEFAULT_ARTIST, LocalStack, RuntimeInfo

console = Console(stderr=True)
out = Console(soft_wrap=True)  # never wrap a token or a URL


def default_artist() -> str:
    return os.environ.get("SOUNDMOSAIC_ARTIST") or DEFAULT_ARTIST


def artist_option(parser: argparse.ArgumentParser) -> None:
    """``--artist`` after the command too (``soundmosaic token --artist me``); given there, it wins
    over the one before the command. Unset, the command sees the global ``--artist``."""
    parser.add_argument("--artist", default=argparse.SUPPRESS,
                        help="act as this artist (as --artist before the command; "
                        f"default {DEFAULT_ARTIST})")


def token(data_dir: Path, artist: str, holder: str | None = None, groups: tuple[str, ...] = (),
          booth_role: str | None = None, booth_event: str | None = None) -> str:
    """A dev token signed with the data directory's secret (made on first use, with the directory)."""
    secret_path = data_dir / "dev-jwt-secret"
    if not secret_path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # LocalStack makes the secret on first use
        return LocalStack(data_dir).dev_token(artist, holder, groups, booth_role, booth_event)
    return dev_tokens.mint(secret_path.read_text().strip(), artist, holder_id=holder, groups=groups,
                           booth_role=booth_role, booth_event=booth_event)


@contextlib.contextmanager
def stack(data_dir: Path, artist: str | None = None) -> Iterator[tuple[str, str]]:
    """The running stack's API URL and a token for ``artist`` (default: $SOUNDMOSAIC_ARTIST, then
    the default artist), or an in-process stack for this command."""
    info = RuntimeInfo.read(data_dir)
    artist = artist or default_artist()
    if info is not None:
        yield info.api_url, token(data_dir, artist)
        return
    console.print("no running stack: starting one in this process")
    with LocalStack(data_dir, port=0, background=False) as local:
        yield local.api_url, local.dev_token(artist)


def job_for_key(client: httpx.Client, key: str) -> dict[str, Any] | None:
    """The newest job whose subject is the uploaded object ``key`` (None until it exists)."""
    items = client.get("/api/jobs", params={"limit": 50}).json()["items"]
    return next((j for j in items if j.get("subject", {}).get("key") == key), None)


def follow_with_bar(client: httpx.Client, fetch: Any, label: str, timeout: float) -> dict[str, Any]:
    """Poll ``fetch()`` (a job or None) with a progress bar until the job ends."""
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
