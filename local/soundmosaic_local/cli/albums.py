"""``albums dream`` and ``albums sql``: AlbumDreamer through the local stack (or a running one).

``albums dream "CONCEPT" --tracks N --out DIR`` creates a project (the director plans it),
generates it through the ``album`` workflow with a progress bar, downloads the site zip into DIR,
unpacks it beside the zip (open ``index.html`` from disk: the pages need no server and no
script) and prints the zip's path last. ``albums sql "SELECT ..."`` prints the rows of one
read-only statement over the artist's albums, tracks, prompts, assets and runs (``--json``: one
JSON object); a write is refused.
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table

from soundmosaic_local.cli.common import artist_option, console, follow_with_bar, out, stack


def register(sub: Any) -> None:
    albums = sub.add_parser("albums", help="AlbumDreamer: a whole album from a concept")
    albums_sub = albums.add_subparsers(dest="action", required=True)
    dream = albums_sub.add_parser(
        "dream", help="plan and generate an album; the site zip's path is printed last"
    )
    dream.add_argument("concept", help="the album's concept, a sentence or a paragraph")
    dream.add_argument("--tracks", type=int, default=5, help="number of tracks (1-12, default 5)")
    dream.add_argument("--seconds", type=int, default=30, help="length of each track (30-180, default 30)")
    dream.add_argument("--genre", default="", help="a genre for the director (default: its choice)")
    dream.add_argument("--mood-arc", default="", help="comma-separated moods from first to last track")
    dream.add_argument("--artist-name", default="", help="the name shown on the cover and the site")
    dream.add_argument("--use-artist-dna", action="store_true", help="style the visuals with the artistDNA")
    dream.add_argument("--out", type=Path, default=Path("."), help="where the site zip goes")
    dream.add_argument("--timeout", type=float, default=3600)
    artist_option(dream)
    sql = albums_sub.add_parser("sql", help="one read-only SELECT over the artist's albums database")
    sql.add_argument("statement")
    sql.add_argument("--json", action="store_true", help="print one JSON object {columns, rows}")
    artist_option(sql)
    albums.set_defaults(handler=cmd_albums)


def _refused(reply: httpx.Response, what: str) -> int:
    try:
        message = reply.json().get("message", reply.text)
    except ValueError:
        message = reply.text
    if isinstance(message, list):  # pydantic's per-field errors
        message = "; ".join(
            f"{'.'.join(str(p) for p in m.get('loc', [])[1:])}: {m.get('msg')}" for m in message
        )
    console.print(f"[red]{what} refused: {message}[/]")
    return 1 if reply.status_code >= 500 else 2


def cmd_albums(args: argparse.Namespace, data_dir: Path) -> int:
    with stack(data_dir, args.artist) as (api_url, token):
        client = httpx.Client(base_url=api_url, timeout=300, headers={"Authorization": f"Bearer {token}"})
        if args.action == "sql":
            return _sql(client, args)
        return _dream(client, args)


def _sql(client: httpx.Client, args: argparse.Namespace) -> int:
    reply = client.post("/api/albums/sql", json={"sql": args.statement})
    if reply.status_code != 200:
        return _refused(reply, "query")
    result = reply.json()
    if args.json:
        out.print(json.dumps(result), highlight=False)
        return 0
    table = Table(*result["columns"])
    for row in result["rows"]:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)
    return 0


def _dream(client: httpx.Client, args: argparse.Namespace) -> int:
    arc = [m.strip() for m in args.mood_arc.split(",") if m.strip()]
    created = client.post(
        "/api/albums",
        json={
            "concept": args.concept,
            "tracks": args.tracks,
            "seconds": args.seconds,
            "genre": args.genre,
            "mood_arc": arc,
            "artist_name": args.artist_name,
            "use_artist_dna": args.use_artist_dna,
        },
    )
    if created.status_code != 201:
        return _refused(created, "concept")
    album = created.json()
    if album["status"] == "planning":  # an LLM director plans in its own workflow
        planned = follow_with_bar(
            client, lambda: client.get(f"/api/jobs/{album['job_id']}").json(), "plan", args.timeout
        )
        if planned["status"] != "succeeded":
            console.print(f"[red]the director failed: {planned.get('error')}[/]")
            return 1
        album = client.get(f"/api/albums/{album['album_id']}").json()
    plan = album["plan"]
    console.print(
        f"[bold]{plan['title']}[/] ({album['director_engine']} director): "
        + ", ".join(t["title"] for t in plan["tracks"])
    )
    started = client.post(f"/api/albums/{album['album_id']}/generate")
    if started.status_code != 202:
        return _refused(started, "generation")
    job_id = started.json()["job_id"]
    job = follow_with_bar(client, lambda: client.get(f"/api/jobs/{job_id}").json(), "album", args.timeout)
    details = client.get(f"/api/albums/{album['album_id']}").json()
    for track in details["tracks"]:
        if track["status"] != "done":
            console.print(
                f"[yellow]track {track['number']} {track['title']}: {track['status']}"
                f"{': ' + track['error'] if track['error'] else ''}[/]"
            )
    if job["status"] != "succeeded" or not details.get("site_url"):
        console.print(f"[red]album failed: {job.get('error')}[/]")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    folder = args.out / f"album-{album['album_id']}"
    target = args.out / f"album-{album['album_id']}-site.zip"
    reply = httpx.get(details["site_url"], timeout=600)
    reply.raise_for_status()
    target.write_bytes(reply.content)
    with zipfile.ZipFile(target) as archive:
        archive.extractall(folder)  # our own zip: fixed, relative names only
    console.print(f"site: {(folder / 'index.html').resolve()}")
    out.print(str(target.resolve()), highlight=False)
    return 0
