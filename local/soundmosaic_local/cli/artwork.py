"""``artwork batch``: the studio's batch artwork for the tracks of a CSV; the contact sheet's path
is the last line printed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import httpx

from soundmosaic_local.cli.common import artist_option, console, follow_with_bar, out, stack


def register(sub: Any) -> None:
    artwork = sub.add_parser("artwork", help="asset studio artwork")
    artwork_sub = artwork.add_subparsers(dest="action", required=True)
    batch = artwork_sub.add_parser(
        "batch", help="artwork for every track of a CSV (title, artist_name, genre, mood, prompt)")
    batch.add_argument("file", type=Path)
    batch.add_argument("--out", type=Path, default=Path("."), help="where the contact sheet goes")
    batch.add_argument("--timeout", type=float, default=3600)
    artist_option(batch)
    artwork.set_defaults(handler=cmd_artwork)


def cmd_artwork(args: argparse.Namespace, data_dir: Path) -> int:
    """``artwork batch``: the studio's batch route with a progress bar; the contact sheet last."""
    if not args.file.is_file():
        console.print(f"[red]not a file: {args.file}[/]")
        return 2
    with stack(data_dir, args.artist) as (api_url, token):
        client = httpx.Client(base_url=api_url, timeout=120, headers={"Authorization": f"Bearer {token}"})
        started = client.post("/api/studio/artwork/batch",
                              json={"csv": args.file.read_text(encoding="utf-8", errors="replace")})
        if started.status_code != 202:
            console.print(f"[red]batch refused: {started.json().get('message', started.text)}[/]")
            return 1
        job_id = started.json()["job_id"]
        job = follow_with_bar(client, lambda: client.get(f"/api/jobs/{job_id}").json(), "artwork",
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
