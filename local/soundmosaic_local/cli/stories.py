"""``stories make ALBUM.json --out DIR``: an album's stories and collages through the local stack.

ALBUM.json: ``{"title", "artist_name", "description", "cover": "<image path>", "songs":
[{"title", "lyrics"}]}`` (``lyrics`` may also be ``"lyrics_file": "<.txt/.lrc path>"``; relative
paths are read beside ALBUM.json). The cover is uploaded as a studio reference, the stories job
is followed with a progress bar, the collages (``NN-<title>-square.png``, ``-story.png``) and the
contact sheet are written under DIR, and the path of ``stories.json`` (``{"stories": [...]}``,
one per song in order) is printed last.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import re
from pathlib import Path
from typing import Any

import httpx
from soundmosaic.stories import lyrics

from soundmosaic_local.cli.common import artist_option, console, follow_with_bar, out, stack


def register(sub: Any) -> None:
    stories = sub.add_parser("stories", help="stories and collages for an album")
    stories_sub = stories.add_subparsers(dest="action", required=True)
    make = stories_sub.add_parser("make", help="a story and collages per song of ALBUM.json")
    make.add_argument("file", type=Path)
    make.add_argument("--out", type=Path, default=Path("."), help="where the collages and stories.json go")
    make.add_argument("--timeout", type=float, default=3600)
    artist_option(make)
    stories.set_defaults(handler=cmd_stories)


def _album(path: Path) -> tuple[dict[str, Any], Path]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SystemExit(f"cannot read {path}: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("cover"), str):
        raise SystemExit(f"{path}: needs \"cover\": the path of the album cover image")
    cover = (path.parent / data["cover"]).resolve()
    if not cover.is_file():
        raise SystemExit(f"{path}: the cover {cover} is not a file")
    songs = []
    for song in data.get("songs") or []:
        if isinstance(song, dict) and song.get("lyrics_file") and not song.get("lyrics"):
            lyric_path = path.parent / str(song["lyrics_file"])
            try:  # the room's own reader: .txt/.lrc only, bounded, any encoding
                text = lyrics.from_file(lyric_path.name, lyric_path.read_bytes())
            except (OSError, lyrics.LyricsError) as err:
                raise SystemExit(f"{path}: {err}") from err
            song = {"title": song.get("title"), "lyrics": text}
        songs.append(song)
    album = {k: data[k] for k in ("title", "artist_name", "description") if data.get(k) is not None}
    return {**album, "songs": songs}, cover


def _reason(reply: httpx.Response) -> str:
    """The API's message, or for a 422 the fields it did not take."""
    try:
        body = reply.json()
    except ValueError:
        return reply.text[:500]
    if body.get("message"):
        return str(body["message"])
    return "; ".join(f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('type', 'invalid')}"
                     for d in body.get("detail", [])) or reply.text[:500]


def _slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")[:40] or "song"


def cmd_stories(args: argparse.Namespace, data_dir: Path) -> int:
    album, cover = _album(args.file)
    with stack(data_dir, args.artist) as (api_url, token):
        client = httpx.Client(base_url=api_url, timeout=120, headers={"Authorization": f"Bearer {token}"})
        data = cover.read_bytes()
        kind = mimetypes.guess_type(cover.name)[0] or "image/png"
        ref = client.post("/api/studio/references", json={"filename": cover.name, "content_type": kind,
                                                           "size_bytes": len(data)})
        if ref.status_code != 201:
            console.print(f"[red]cover refused: {_reason(ref)}[/]")
            return 1
        upload = ref.json()
        httpx.put(upload["url"], content=data, headers=upload["headers"], timeout=120).raise_for_status()
        started = client.post("/api/stories/albums", json={**album, "cover_key": ref.json()["key"]})
        if started.status_code != 202:
            console.print(f"[red]album refused: {_reason(started)}[/]")
            return 1
        job_id = started.json()["job_id"]
        job = follow_with_bar(client, lambda: client.get(f"/api/jobs/{job_id}").json(), "stories",
                              args.timeout)
        if job["status"] != "succeeded":
            console.print(f"[red]stories failed: {job.get('error')}[/]")
            return 1
        made = client.get(f"/api/stories/albums/{job['result']['album_id']}").json()
        args.out.mkdir(parents=True, exist_ok=True)
        stories = []
        for song in made["songs"]:
            if song["status"] != "ok":
                console.print(f"[yellow]{song['title']}: {song.get('error', song['status'])}[/]")
            for name, url in song["collages"].items():
                target = args.out / f"{song['index'] + 1:02d}-{_slug(song['title'])}-{name}.png"
                target.write_bytes(httpx.get(url, timeout=120).content)
            stories.append({k: v for k, v in song.items() if k not in ("collages", "lyrics")})
        if made["contact_sheet_url"]:
            sheet = httpx.get(made["contact_sheet_url"], timeout=120).content
            (args.out / "contact-sheet.png").write_bytes(sheet)
        target = args.out / "stories.json"
        target.write_text(json.dumps({"album_id": made["album_id"], "title": made["title"],
                                      "stories": stories}, indent=1, ensure_ascii=False), encoding="utf-8")
        console.print(f"{job['result']['stories']} of {job['result']['songs']} songs have their story")
    out.print(str(target.resolve()), highlight=False)
    return 0
