"""The weekly refresh of the writers' rooms (EventBridge ``writers-refresh``, and
``soundmosaic schedule run writers-refresh``); docs/writers.md, "Weekly refresh".

For every room:

1. re-ingest what changed and was not ingested: files still under the room's drop-folder or
   upload keys (their S3 event was lost) start their workflow; documents stuck half-way (their
   execution died) start again from the kept original; an upload requested but never sent is
   failed with that reason; content already ingested is recognised by its hash, never done twice;
2. rebuild the bible and digest; a new version is written only when the digest changed, so an
   unchanged archive keeps a byte-identical prompt prefix (and its cache entry);
3. warm the cache of each active room (a chat call in the last ``ACTIVE_DAYS``) when Claude is
   configured: one ``max_tokens=1`` request per mode with the room's prefix (rules, bible,
   digest, mode), which writes the 1-hour cache entries the first questions then read.

A cache entry lives at most an hour after its last use, so a weekly run keeps warm only the
hour after it (the schedule fires on Monday morning before the room's first question); the rest
of the week each room's first question of an idle hour writes the prefix again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.providers.mosaic import ModelMosaic
from soundmosaic.writers import arrivals, chat, intake, metrics, prompt
from soundmosaic.writers.index import SceneIndex
from soundmosaic.writers.store import WritersStore, room_pk

ACTIVE_DAYS = 14


LEFTOVER_AGE = timedelta(minutes=30)  # younger files may still have their S3 event on the way


def _leftovers(room_id: str) -> list[str]:
    """Files of the room still waiting in the uploads bucket for longer than ``LEFTOVER_AGE``
    (intake moves every file it takes into the media bucket)."""
    s3 = aws.client("s3")
    bucket = resource("UPLOADS_BUCKET")
    cutoff = datetime.now(UTC) - LEFTOVER_AGE
    keys: list[str] = []
    for prefix in (f"drop/writers/{room_id}/", f"uploads/writers/{room_id}/"):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", []) if o["LastModified"] < cutoff]
    return keys


def _stuck(store: WritersStore, room_id: str) -> list[dict[str, Any]]:
    """Documents left ``queued``/``parsing``/``indexing`` for longer than ``LEFTOVER_AGE`` (their
    execution died, e.g. the local runtime stopped mid-way): they are ingested again."""
    cutoff = (datetime.now(UTC) - LEFTOVER_AGE).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [
        d
        for d in store.query(room_pk(room_id), "DOC#")
        if d["status"] in ("queued", "parsing", "indexing") and d["updated_at"] < cutoff and d.get("key")
    ]


def warm(store: WritersStore, mosaic: ModelMosaic, room_id: str) -> list[dict[str, Any]]:
    """Write the room's cached prefix for both modes (a 1-token answer each); returns the calls."""
    entry = mosaic.entry("chat")
    bible, digest = chat.latest_bible(store, room_id)
    calls = []
    for mode in ("archivist", "creative"):
        request = prompt.layout(mode, entry.model, bible, digest, [], [], "ping", max_tokens=1)
        started = datetime.now(UTC)
        result = mosaic.chat(request)
        latency = (datetime.now(UTC) - started).total_seconds() * 1000
        calls.append(metrics.record(store, room_id, "warm", entry.model, entry.price, result.usage, latency))
    return calls


def _active(store: WritersStore, room_id: str) -> bool:
    since = (datetime.now(UTC) - timedelta(days=ACTIVE_DAYS)).date().isoformat()
    return bool(store.query(room_pk(room_id), "CALL#", start=f"CALL#{since}", limit=1))


def run(warm_rooms: bool = True) -> dict[str, Any]:
    store = WritersStore()
    mosaic = ModelMosaic.from_env()
    online = not mosaic.entry("chat").offline
    report: dict[str, Any] = {
        "rooms": [],
        "restarted": 0,
        "bibles_written": 0,
        "warmed": 0,
        "warm_cost_usd": "0",
    }
    cost = Decimal(0)
    for room_id in store.rooms_with_activity():
        leftovers = _leftovers(room_id)
        restarted = [
            k for k in leftovers if arrivals.start(resource("UPLOADS_BUCKET"), k, 0, f"refresh-{room_id}")
        ]
        for doc in _stuck(store, room_id):
            if doc["key"] in leftovers:
                continue  # restarted above from its file
            if arrivals.media().exists(f"writers/{room_id}/documents/{doc['document_id']}/original"):
                arrivals.set_status(store, room_id, doc["document_id"], "queued")
                arrivals.execute(
                    room_id,
                    doc["document_id"],
                    resource("UPLOADS_BUCKET"),
                    doc["key"],
                    0,
                    f"refresh-{room_id}",
                )
                restarted.append(doc["key"])
            else:
                arrivals.set_status(
                    store,
                    room_id,
                    doc["document_id"],
                    "failed",
                    error="the file never arrived (no upload within 30 minutes of the request)",
                )
        before = chat.latest_bible(store, room_id)[1]
        bible_version = None
        if SceneIndex(arrivals.media(), room_id, store).manifest()["documents"]:
            bible_version = intake.rebuild_bible(room_id, only_if_changed=True, previous_digest=before)
        warmed = []
        if warm_rooms and online and _active(store, room_id):
            warmed = warm(store, mosaic, room_id)
            cost += sum((Decimal(c["cost_usd"]) for c in warmed), Decimal(0))
        report["rooms"].append(
            {
                "room_id": room_id,
                "restarted": len(restarted),
                "bible_version": bible_version,
                "warm_calls": len(warmed),
            }
        )
        report["restarted"] += len(restarted)
        report["bibles_written"] += int(bible_version is not None)
        report["warmed"] += int(bool(warmed))
    report["warm_cost_usd"] = str(cost)
    report["engine"] = "anthropic" if online else "offline (nothing to warm)"
    return report
