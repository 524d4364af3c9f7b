"""``soundmosaic writers``: the writers' room from a terminal (docs/writers.md).

writers ingest FILE... --room ROOM    upload scripts, wait until each is indexed (progress bar)
writers ask "QUESTION" --room ROOM    ask the archivist (or --mode creative); --json: one object
writers rooms                          the rooms you are a member of

``--room`` is a room id or a room name of yours; ``ingest`` creates a room of that name when you
have none. Everything goes through the HTTP API as the chosen artist (``--artist``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import httpx
from rich.progress import BarColumn, Progress, TextColumn

from soundmosaic_local.cli.common import artist_option, console, out, stack

FINAL = ("indexed", "failed", "duplicate", "superseded")
STAGE_PERCENT = {
    "queued": 5,
    "parsing": 30,
    "indexing": 65,
    "indexed": 100,
    "failed": 100,
    "duplicate": 100,
    "superseded": 100,
}


def register(sub: Any) -> None:
    writers = sub.add_parser("writers", help="the writers' room: ingest scripts, ask the archive")
    commands = writers.add_subparsers(dest="writers_command", required=True)
    ingest = commands.add_parser("ingest", help="upload scripts to a room and wait until they are indexed")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.add_argument(
        "--room", required=True, help="room id or name (created if you have none of that name)"
    )
    ingest.add_argument("--timeout", type=float, default=900, help="seconds to wait for all documents")
    artist_option(ingest)
    ingest.set_defaults(handler=cmd_ingest)
    ask = commands.add_parser("ask", help="ask the room's archivist (or creative partner)")
    ask.add_argument("question")
    ask.add_argument("--room", required=True, help="room id or name")
    ask.add_argument("--mode", choices=("archivist", "creative"), default="archivist")
    ask.add_argument("--session", help="continue this session")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--timeout", type=float, default=300)
    artist_option(ask)
    ask.set_defaults(handler=cmd_ask)
    rooms = commands.add_parser("rooms", help="your rooms")
    artist_option(rooms)
    rooms.set_defaults(handler=cmd_rooms)


def _client(api_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=api_url, timeout=120, headers={"Authorization": f"Bearer {token}"})


def resolve_room(client: httpx.Client, room: str, create: bool) -> str:
    items = client.get("/api/writers/rooms").raise_for_status().json()["items"]
    found = next((r for r in items if r["room_id"] == room), None) or next(
        (r for r in items if r["name"] == room), None
    )
    if found:
        return str(found["room_id"])
    if not create:
        raise SystemExit(f"no room {room!r} of yours (soundmosaic writers rooms lists them)")
    made = client.post("/api/writers/rooms", json={"name": room[:120]}).raise_for_status().json()
    console.print(f"created room {room!r} ({made['room_id']})")
    return str(made["room_id"])


def cmd_ingest(args: argparse.Namespace, data_dir: Path) -> int:
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        console.print(f"[red]not a file: {', '.join(missing)}[/]")
        return 2
    with stack(data_dir, args.artist) as (api_url, token):
        client = _client(api_url, token)
        room = resolve_room(client, args.room, create=True)
        sent: dict[str, Path] = {}
        refused = 0
        for path in args.files:
            reply = client.post(
                f"/api/writers/rooms/{room}/uploads",
                json={"filename": path.name, "size_bytes": max(1, path.stat().st_size)},
            )
            if reply.status_code != 201:
                out.print(f"{path}\trefused\t{reply.json().get('message', reply.text)}")
                refused += 1
                continue
            info = reply.json()
            httpx.put(
                info["url"], content=path.read_bytes(), headers=info["headers"], timeout=600
            ).raise_for_status()
            sent[info["document_id"]] = path
        docs = follow(client, room, sent, args.timeout)
        failed = refused
        for document_id, path in sent.items():
            d = docs.get(document_id, {})
            failed += d.get("status") not in ("indexed", "duplicate", "superseded")
            out.print(
                f"{path}\t{d.get('status')}\tepisode={d.get('episode')}\tversion={d.get('version')}"
                f"\t{d.get('error') or ''}"
            )
        return 1 if failed else 0


def follow(
    client: httpx.Client, room: str, sent: dict[str, Path], timeout: float
) -> dict[str, dict[str, Any]]:
    """Poll the room's documents with one bar per file until each has a final status."""
    deadline = time.monotonic() + timeout
    docs: dict[str, dict[str, Any]] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"), console=console
    ) as progress:
        tasks = {d: progress.add_task(p.name, total=100, stage="queued") for d, p in sent.items()}
        while time.monotonic() < deadline:
            items = client.get(f"/api/writers/rooms/{room}/documents").raise_for_status().json()["items"]
            docs = {d["document_id"]: d for d in items if d["document_id"] in sent}
            for document_id, task in tasks.items():
                status = docs.get(document_id, {}).get("status", "queued")
                progress.update(task, completed=STAGE_PERCENT.get(status, 5), stage=status)
            if all(docs.get(d, {}).get("status") in FINAL for d in sent):
                return docs
            time.sleep(0.5)
    raise SystemExit(f"documents not finished after {timeout:.0f} s")


def cmd_ask(args: argparse.Namespace, data_dir: Path) -> int:
    with stack(data_dir, args.artist) as (api_url, token):
        client = _client(api_url, token)
        room = resolve_room(client, args.room, create=False)
        body: dict[str, Any] = {"mode": args.mode, "message": args.question}
        if args.session:
            body["session_id"] = args.session
        started = client.post(f"/api/writers/rooms/{room}/turns", json=body)
        if started.status_code != 202:
            raise SystemExit(f"refused: {started.text}")
        turn_id = started.json()["turn_id"]
        deadline = time.monotonic() + args.timeout
        shown = 0
        while True:
            turn = client.get(f"/api/writers/rooms/{room}/turns/{turn_id}").raise_for_status().json()
            if not args.json and len(turn["text"]) > shown:  # the reply as it streams in
                out.print(turn["text"][shown:], end="")
                shown = len(turn["text"])
            if turn["done"]:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"no answer after {args.timeout:.0f} s")
            time.sleep(0.3)
        if args.json:
            out.print(
                json.dumps(
                    {
                        "answer": turn["text"],
                        "engine": turn["engine"],
                        "not_in_archive": turn["not_in_archive"],
                        "citations": [
                            {
                                k: c.get(k)
                                for k in ("document", "document_id", "episode", "scene", "heading", "quote")
                            }
                            for c in turn["citations"]
                        ],
                        "status": turn["status"],
                        "error": turn.get("error"),
                        "session_id": turn["session_id"],
                        "turn_id": turn_id,
                        "usage": turn.get("usage"),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            out.print("")
            for c in turn["citations"]:
                out.print(f"  [{c['document']}: episode {c['episode']}, scene {c['scene']}] {c['heading']}")
            console.print(f"engine: {turn['engine']}")
        return 0 if turn["status"] == "done" else 1


def cmd_rooms(args: argparse.Namespace, data_dir: Path) -> int:
    with stack(data_dir, args.artist) as (api_url, token):
        for room in _client(api_url, token).get("/api/writers/rooms").raise_for_status().json()["items"]:
            out.print(f"{room['room_id']}\t{room['role']}\t{room['name']}")
    return 0
