"""Chat turns: a question is recorded and queued (``start``); the ``writers`` worker answers it
(``run``) with Claude, streaming the growing text into the turn record, or with the offline
archivist. API Gateway's HTTP API cannot stream a Lambda response, so the SPA polls the turn.

Sessions belong to one user: history is per user and room. Claude sees the session's earlier
questions and answers replayed byte for byte (the conversation cache breakpoint), the bible and
digest (the room's cached prefix) and this turn's retrieved scenes. See docs/writers.md.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.paging import new_id
from soundmosaic.platform.s3json import ObjectMissing
from soundmosaic.providers.mosaic import ModelMosaic
from soundmosaic.providers.registry import Entry
from soundmosaic.writers import archivist, arrivals, metrics, prompt
from soundmosaic.writers.errors import WritersNotFound
from soundmosaic.writers.index import Hit, SceneIndex
from soundmosaic.writers.parse import detect_language
from soundmosaic.writers.rooms import check_id
from soundmosaic.writers.store import WritersStore, now, room_pk

HISTORY_TURNS = 20
FLUSH_S = 0.4  # how often the growing text is written while Claude streams
_CITED = re.compile(r"\[(?:Folge|Episode)\s+(\d+),\s*(?:Szene|Scene)\s+(\d+)")
NEEDS_PROVIDER = {
    "de": "Der Kreativpartner braucht ein Sprachmodell: setze ANTHROPIC_API_KEY (oder den Schlüssel im "
    "Secret provider-keys). Offline gibt es nur den Archivar. Unten steht der Archiv-Kontext, den "
    "der Kreativpartner an Claude schicken würde.",
    "en": "The creative partner needs a language model: set ANTHROPIC_API_KEY (or the key in the "
    "provider-keys secret). Offline there is only the archivist. Below is the archive context the "
    "creative partner would send to Claude.",
}


def engine_name(entry: Entry) -> str:
    return archivist.ENGINE if entry.offline else f"{entry.provider}:{entry.model}"


def start(
    store: WritersStore, user: str, room_id: str, mode: str, message: str, session_id: str | None
) -> dict[str, Any]:
    stamp = now()
    if session_id:
        session = store.get(room_pk(room_id), f"SESSION#{user}#{check_id(session_id, 'session')}")
        if session is None:
            raise WritersNotFound(f"no session {session_id}")
    else:
        session_id = new_id()
        store.put(
            {
                "pk": room_pk(room_id),
                "sk": f"SESSION#{user}#{session_id}",
                "session_id": session_id,
                "user_id": user,
                "title": " ".join(message.split())[:80],
                "turn_ids": [],
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    turn_id = new_id()
    entry = ModelMosaic.from_env().entry("chat")
    store.put(
        {
            "pk": room_pk(room_id),
            "sk": f"TURN#{turn_id}",
            "turn_id": turn_id,
            "session_id": session_id,
            "user_id": user,
            "mode": mode,
            "message": message,
            "status": "queued",
            "done": False,
            "text": "",
            "citations": [],
            "engine": engine_name(entry),
            "not_in_archive": False,
            "needs_provider": False,
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    store.table.update_item(
        Key={"pk": room_pk(room_id), "sk": f"SESSION#{user}#{session_id}"},
        UpdateExpression="SET turn_ids = list_append(turn_ids, :t), updated_at = :u",
        ExpressionAttributeValues={":t": [turn_id], ":u": stamp},
    )
    aws.client("sqs").send_message(
        QueueUrl=resource("WRITERS_TURNS_QUEUE"),
        MessageBody=json.dumps({"room_id": room_id, "turn_id": turn_id}),
    )
    return {"turn_id": turn_id, "session_id": session_id, "status": "queued"}


def latest_bible(store: WritersStore, room_id: str) -> tuple[dict[str, Any], str]:
    meta = store.get(room_pk(room_id), "META") or {}
    version = int(meta.get("bible_version") or 0)
    if not version:
        return {"characters": [], "episodes": []}, ""
    bucket = arrivals.media()
    try:
        bible = bucket.get_json(f"writers/{room_id}/bible/v{version:06d}.json")
        digest = bucket.get_bytes(f"writers/{room_id}/digest/v{version:06d}.txt").decode()
    except ObjectMissing:  # a version number taken by a rebuild that has not written yet
        return {"characters": [], "episodes": []}, ""
    return bible, digest


def history(
    store: WritersStore, room_id: str, user: str, session_id: str, before: str
) -> list[tuple[str, str]]:
    session = store.get(room_pk(room_id), f"SESSION#{user}#{session_id}") or {}
    ids = session.get("turn_ids", [])
    ids = ids[: ids.index(before)] if before in ids else ids
    pairs = []
    for turn_id in ids[-HISTORY_TURNS:]:
        turn = store.get(room_pk(room_id), f"TURN#{turn_id}")
        if turn and turn["status"] == "done" and not turn.get("needs_provider"):
            pairs.append((turn["message"], turn["text"]))
    return pairs


def citations_from(text: str, hits: list[Hit]) -> list[dict[str, Any]]:
    """The scenes Claude cited ([Folge N, Szene M]) among the retrieved ones, in order."""
    out: list[dict[str, Any]] = []
    for match in _CITED.finditer(text):
        episode, scene = int(match.group(1)), int(match.group(2))
        hit = next((h for h in hits if h.chunk.get("episode") == episode and h.chunk["scene"] == scene), None)
        if hit and all((c["episode"], c["scene"]) != (episode, scene) for c in out):
            quote = hit.chunk["text"].split("\n")[1] if "\n" in hit.chunk["text"] else hit.chunk["heading"]
            out.append(archivist.citation(hit, quote))
    return out


def ask_claude(
    mosaic: ModelMosaic,
    entry: Entry,
    store: WritersStore,
    room_id: str,
    mode: str,
    question: str,
    hits: list[Hit],
    past: list[tuple[str, str]],
    on_text: Any,
    user: str | None,
    max_tokens: int = 1024,
) -> dict[str, Any]:
    bible, digest = latest_bible(store, room_id)
    request = prompt.layout(
        "creative" if mode == "tool" else mode,
        entry.model,
        bible,
        digest,
        past,
        [h.chunk for h in hits],
        question,
        max_tokens,
    )
    started = time.perf_counter()
    result = mosaic.chat(request, on_text)
    latency = (time.perf_counter() - started) * 1000
    call = metrics.record(store, room_id, mode, entry.model, entry.price, result.usage, latency, user)
    return {
        "text": result.text,
        "usage": metrics.usage_dict(result.usage),
        "cost_usd": call["cost_usd"],
        "latency_ms": call["latency_ms"],
    }


def run(room_id: str, turn_id: str) -> dict[str, Any]:
    """Answer one queued turn (a redelivered message for a finished turn does nothing)."""
    store = WritersStore()
    pk, sk = room_pk(room_id), f"TURN#{turn_id}"
    turn = store.get(pk, sk)
    if turn is None or turn["status"] not in ("queued", "streaming"):
        return {"skipped": turn_id}
    mosaic = ModelMosaic.from_env()
    entry = mosaic.entry("chat")
    hits = SceneIndex(arrivals.media(), room_id, store).search(turn["message"], k=5)
    if entry.offline:
        return _offline(store, pk, sk, turn, hits)
    store.update(pk, sk, {"status": "streaming", "engine": engine_name(entry), "updated_at": now()})
    pieces: list[str] = []
    flushed = [time.monotonic()]

    def on_text(piece: str) -> None:
        pieces.append(piece)
        if time.monotonic() - flushed[0] >= FLUSH_S:
            store.update(pk, sk, {"text": "".join(pieces), "updated_at": now()})
            flushed[0] = time.monotonic()

    try:
        past = history(store, room_id, turn["user_id"], turn["session_id"], turn_id)
        reply = ask_claude(
            mosaic, entry, store, room_id, turn["mode"], turn["message"], hits, past, on_text, turn["user_id"]
        )
    except Exception as err:
        store.update(
            pk,
            sk,
            {
                "status": "failed",
                "done": True,
                "error": f"{type(err).__name__}: {err}"[:1000],
                "text": "".join(pieces),
                "updated_at": now(),
            },
        )
        raise
    text = reply["text"]
    low = text.lower()
    store.update(
        pk,
        sk,
        {
            "status": "done",
            "done": True,
            "text": text,
            "citations": citations_from(text, hits),
            "not_in_archive": "nicht im archiv" in low or "not in the archive" in low,
            "usage": reply["usage"],
            "cost_usd": reply["cost_usd"],
            "latency_ms": reply["latency_ms"],
            "updated_at": now(),
        },
    )
    return {"turn_id": turn_id, "status": "done"}


def _offline(store: WritersStore, pk: str, sk: str, turn: dict[str, Any], hits: list[Hit]) -> dict[str, Any]:
    started = time.perf_counter()
    if turn["mode"] == "creative":
        language = detect_language(turn["message"])
        bible, digest = latest_bible(store, pk.removeprefix("ROOM#"))
        request = prompt.layout(
            "creative", "claude", bible, digest, [], [h.chunk for h in hits], turn["message"]
        )
        cached = ", ".join(
            f"{b['text'][:40].splitlines()[0]}… ({prompt.tokens(b['text'])} tokens)" for b in request.system
        )
        values: dict[str, Any] = {
            "text": NEEDS_PROVIDER[language],
            "needs_provider": True,
            # What Claude would get: the cached prefix (named, it is long) and this turn in full.
            "context": f"[cached prefix: {cached}]\n\n" + request.messages[-1]["content"][0]["text"],
            "citations": [archivist.citation(h, h.chunk["heading"]) for h in hits],
        }
    else:
        found = archivist.answer(turn["message"], hits)
        values = {
            "text": found["text"],
            "citations": found["citations"],
            "not_in_archive": found["not_in_archive"],
        }
    values.update(
        status="done",
        done=True,
        engine=archivist.ENGINE,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        updated_at=now(),
    )
    store.update(pk, sk, values)
    return {"turn_id": turn["turn_id"], "status": "done"}
