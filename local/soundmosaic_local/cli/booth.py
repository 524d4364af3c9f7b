"""``soundmosaic booth ...``: the event booth from a terminal, through the local stack's API.

booth swap PHOTO --template CLIP --out DIR        face swap; prints the video's path, then the print image's
booth background CLIP --template BG --out DIR     background replacement; prints the composite's path last
booth mail                                        the mails the local mail catcher caught

``swap`` and ``background`` act as an organiser (the CLI's artist) of a local event named "CLI
booth" (made on first use): they add the template, capture a participant (``--name``, ``--email``,
``--phone``; by default a placeholder person whose mail the local catcher keeps), upload the photo
or clip, run the workflow and download the results through the participant's own page. Files are
named by the opaque participant id, never by a person.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from soundmosaic_local import dev_tokens, mail
from soundmosaic_local.cli.common import artist_option, console, default_artist, follow_with_bar, out
from soundmosaic_local.runtime.stack import LocalStack, RuntimeInfo

EVENT_NAME = "CLI booth"
PLACEHOLDER = {"name": "Booth Tester", "email": "booth.tester@example.org", "phone": "+15555550100"}
VIDEO_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}


def register(sub: Any) -> None:
    booth = sub.add_parser("booth", help="event booth: face swap, background replacement, caught mail")
    commands = booth.add_subparsers(dest="booth_command", required=True)
    swap = commands.add_parser(
        "swap", help="a participant's photo onto a musician clip (video + print image)"
    )
    swap.add_argument("photo", type=Path)
    swap.add_argument("--template", type=Path, required=True, help="the musician clip (trimmed to 15 s)")
    background = commands.add_parser("background", help="a participant's clip over a background video")
    background.add_argument("clip", type=Path)
    background.add_argument("--template", type=Path, required=True, help="the background video (looped)")
    for command in (swap, background):
        command.add_argument("--out", type=Path, required=True, help="folder for the results")
        command.add_argument("--name", default=PLACEHOLDER["name"])
        command.add_argument("--email", default=PLACEHOLDER["email"])
        command.add_argument("--phone", default=PLACEHOLDER["phone"])
        command.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the job")
        artist_option(command)
    swap.set_defaults(handler=cmd_swap)
    background.set_defaults(handler=cmd_background)
    caught = commands.add_parser("mail", help="list the mails the local mail catcher caught")
    caught.add_argument("--body", action="store_true", help="print each message's text too")
    caught.set_defaults(handler=cmd_mail)


@contextlib.contextmanager
def organiser(data_dir: Path, artist: str) -> Iterator[httpx.Client]:
    """An API client acting as ``artist`` with the booth's organiser role, on the running stack
    or on one started in this process for the command."""
    info = RuntimeInfo.read(data_dir)
    if info is not None:
        secret = (data_dir / "dev-jwt-secret").read_text().strip()
        token = dev_tokens.mint(secret, artist, booth_role="organiser")
        yield httpx.Client(
            base_url=info.api_url + "/api", timeout=120, headers={"Authorization": f"Bearer {token}"}
        )
        return
    console.print("no running stack: starting one in this process")
    with LocalStack(data_dir, port=0, background=False) as local:
        token = local.dev_token(artist, booth_role="organiser")
        yield httpx.Client(
            base_url=local.api_url + "/api", timeout=120, headers={"Authorization": f"Bearer {token}"}
        )


def _ok(reply: httpx.Response, what: str) -> Any:
    if reply.status_code >= 400:
        raise SystemExit(f"{what} failed ({reply.status_code}): {reply.text}")
    return reply.json()


def _put(upload: dict[str, Any], path: Path) -> None:
    httpx.put(
        upload["url"], content=path.read_bytes(), headers=upload["headers"], timeout=600
    ).raise_for_status()


def _event(client: httpx.Client) -> str:
    events = _ok(client.get("/booth/events"), "listing events")
    found = next((e for e in events if e["name"] == EVENT_NAME), None)
    if found is None:
        found = _ok(
            client.post("/booth/events", json={"name": EVENT_NAME, "retention_days": 7}), "creating the event"
        )
    return str(found["event_id"])


def run(args: argparse.Namespace, data_dir: Path, source: Path, kind: str) -> int:
    for path in (source, args.template):
        if not path.is_file():
            console.print(f"[red]not a file: {path}[/]")
            return 2
    content_type = VIDEO_TYPES.get(args.template.suffix.lower())
    if content_type is None:
        console.print(f"[red]a template is one of {', '.join(VIDEO_TYPES)}[/]")
        return 2
    with organiser(data_dir, getattr(args, "artist", None) or default_artist()) as client:
        event_id = _event(client)
        event = _ok(client.get(f"/booth/events/{event_id}"), "reading the event")
        template = _ok(
            client.post(
                f"/booth/events/{event_id}/templates",
                json={
                    "kind": "musician" if kind == "swap" else "background",
                    "title": args.template.name[:120],
                    "content_type": content_type,
                },
            ),
            "adding the template",
        )
        _put(template["upload"], args.template)
        consents = [{"key": c["key"], "text": c["text"], "accepted": True} for c in event["consents"]]
        form = {"name": args.name, "email": args.email, "phone": args.phone, "consents": consents}
        reply = client.post(f"/booth/events/{event_id}/participants", json=form)
        if reply.status_code == 400 and "errors" in reply.json():
            for field, message in reply.json()["errors"].items():
                console.print(f"[red]{field}: {message}[/]")
            return 2
        captured = _ok(reply, "capturing the participant")
        pid = captured["participant_id"]
        _put(captured["photo_upload" if kind == "swap" else "clip_upload"], source)
        started = _ok(
            client.post(
                f"/booth/events/{event_id}/participants/{pid}/jobs",
                json={"template_id": template["template_id"]},
            ),
            "starting the job",
        )
        job_id = started["job_id"]

        def fetch() -> dict[str, Any] | None:
            jobs = client.get(f"/booth/events/{event_id}/jobs").json()
            return next((j for j in jobs if j["job_id"] == job_id), None)

        job = follow_with_bar(client, fetch, kind, args.timeout)
        if job["status"] != "succeeded":
            print(f"{kind} failed at {job['stage']}: {job.get('error')}", file=sys.stderr)
            return 1
        mine = _ok(client.get(f"/booth/public/media/{captured['code']}"), "reading the participant's page")
        args.out.mkdir(parents=True, exist_ok=True)
        paths = []
        names = {
            "video": f"{pid}-{'video' if kind == 'swap' else 'composite'}.mp4",
            "image": f"{pid}-print.jpg",
        }
        for media in ("video", "image") if kind == "swap" else ("video",):
            target = args.out / names[media]
            with httpx.stream("GET", mine["media"][media], timeout=600) as got, open(target, "wb") as handle:
                got.raise_for_status()
                for chunk in got.iter_bytes():
                    handle.write(chunk)
            paths.append(target.resolve())
    engines = ", ".join(job["result"].get("engines", []))
    console.print(f"participant {pid}, engine {engines}")
    for path in paths:
        out.print(str(path), highlight=False)
    return 0


def cmd_swap(args: argparse.Namespace, data_dir: Path) -> int:
    return run(args, data_dir, args.photo, "swap")


def cmd_background(args: argparse.Namespace, data_dir: Path) -> int:
    return run(args, data_dir, args.clip, "background")


def cmd_mail(args: argparse.Namespace, data_dir: Path) -> int:
    caught = mail.caught(data_dir / "mail")
    if not caught:
        console.print("no mail caught yet")
    for message in caught:
        out.print(f"{message.date}\t{message.to}\t{message.subject}", highlight=False)
        if args.body:
            out.print(message.body, highlight=False)
    return 0
