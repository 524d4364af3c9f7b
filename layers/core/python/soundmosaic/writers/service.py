"""What the API's writers routes call: every function takes the calling user first and checks the
room membership (and role) before it reads or writes anything of the room (docs/writers.md).
"""

from __future__ import annotations

from typing import Any

from soundmosaic.library import uploads
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.paging import new_id
from soundmosaic.platform.s3json import ObjectMissing
from soundmosaic.writers import arrivals, chat, intake, rooms, tools
from soundmosaic.writers import metrics as metrics_mod
from soundmosaic.writers.errors import WritersNotFound
from soundmosaic.writers.index import SceneIndex
from soundmosaic.writers.parse import MAX_BYTES, ScriptRejected, format_of
from soundmosaic.writers.rooms import check_id
from soundmosaic.writers.store import WritersStore, room_pk

_DOC_FIELDS = (
    "document_id",
    "filename",
    "source",
    "status",
    "format",
    "language",
    "episode",
    "version",
    "scenes",
    "content_hash",
    "error",
    "duplicate_of",
    "created_at",
    "updated_at",
)


def create_room(user: str, name: str, language: str) -> dict[str, Any]:
    return rooms.create(WritersStore(), user, name, language)


def list_rooms(user: str) -> list[dict[str, Any]]:
    return rooms.mine(WritersStore(), user)


def room_detail(user: str, room_id: str) -> dict[str, Any]:
    store = WritersStore()
    room = rooms.require(store, user, room_id)
    documents = store.query(room_pk(room_id), "DOC#")
    current = SceneIndex(arrivals.media(), room_id, store).manifest()["documents"]
    return {
        **room,
        "members": rooms.members(store, room_id),
        "documents": len(documents),
        "episodes": len({d["episode"] for d in current.values() if d.get("episode") is not None}),
        "bible_version": int(room.get("bible_version") or 0),
        "drop_prefix": f"drop/writers/{room_id}/",
    }


def set_member(user: str, room_id: str, member: str, role: str) -> dict[str, Any]:
    return rooms.set_member(WritersStore(), user, room_id, member, role)


def remove_member(user: str, room_id: str, member: str) -> dict[str, Any]:
    return rooms.remove_member(WritersStore(), user, room_id, member)


def create_upload(user: str, room_id: str, filename: str, size_bytes: int) -> dict[str, Any]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    try:
        format_of(filename)
    except ScriptRejected as err:
        raise uploads.UploadRejected(str(err)) from err
    if size_bytes > MAX_BYTES:
        raise uploads.UploadRejected(f"{filename} is {size_bytes} bytes; the limit is {MAX_BYTES}")
    document_id = new_id()
    key = arrivals.upload_key(room_id, document_id, filename)
    arrivals.new_document(store, room_id, filename, "upload", document_id, key)
    url = aws.client("s3").generate_presigned_url(
        "put_object", ExpiresIn=uploads.URL_TTL_S, Params={"Bucket": resource("UPLOADS_BUCKET"), "Key": key}
    )
    return {"document_id": document_id, "key": key, "url": url, "method": "PUT", "headers": {}}


def list_documents(user: str, room_id: str) -> list[dict[str, Any]]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    docs = store.query(room_pk(room_id), "DOC#")
    out = [{k: d.get(k) for k in _DOC_FIELDS} for d in docs]
    return sorted(out, key=lambda d: (d["episode"] is None, d["episode"] or 0, d["created_at"]))


def bible(user: str, room_id: str, version: int | None) -> dict[str, Any]:
    store = WritersStore()
    room = rooms.require(store, user, room_id)
    version = version or int(room.get("bible_version") or 0)
    if not version:
        return {"room_id": room_id, "version": 0, "updated_at": None, "characters": [], "episodes": []}
    try:
        value: dict[str, Any] = arrivals.media().get_json(f"writers/{room_id}/bible/v{version:06d}.json")
    except ObjectMissing as err:
        raise WritersNotFound(f"no bible version {version}") from err
    return value


def scene(user: str, room_id: str, document_id: str, number: int) -> dict[str, Any]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    try:
        data = intake.load_script(room_id, check_id(document_id, "document"))
    except ObjectMissing as err:
        raise WritersNotFound(f"no document {document_id}") from err
    found = next((s for s in data["scenes"] if s["number"] == number), None)
    if found is None:
        raise WritersNotFound(f"no scene {number} in {data['filename']}")
    return {
        "document_id": document_id,
        "document": data["filename"],
        "episode": data["episode"],
        "version": data["version"],
        "scene": number,
        "heading": found["heading"],
        "characters": found["characters"],
        "directions": found["directions"],
        "text": "\n".join([found["heading"], *found["_body"]]),
    }


def start_turn(user: str, room_id: str, mode: str, message: str, session_id: str | None) -> dict[str, Any]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    return chat.start(store, user, room_id, mode, message, session_id)


def _turn_view(turn: dict[str, Any]) -> dict[str, Any]:
    return {"usage": None, "cost_usd": None, "latency_ms": None, "error": None, "context": None, **turn}


def turn(user: str, room_id: str, turn_id: str) -> dict[str, Any]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    found = store.get(room_pk(room_id), f"TURN#{check_id(turn_id, 'turn')}")
    if found is None or found["user_id"] != user:  # a chat is its author's
        raise WritersNotFound(f"no turn {turn_id}")
    return _turn_view(found)


def sessions(user: str, room_id: str) -> list[dict[str, Any]]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    items = store.query(room_pk(room_id), f"SESSION#{user}#")
    out = [
        {
            "session_id": s["session_id"],
            "title": s["title"],
            "turns": len(s.get("turn_ids", [])),
            "created_at": s["created_at"],
            "updated_at": s["updated_at"],
        }
        for s in items
    ]
    return sorted(out, key=lambda s: s["updated_at"], reverse=True)


def session(user: str, room_id: str, session_id: str) -> dict[str, Any]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    found = store.get(room_pk(room_id), f"SESSION#{user}#{check_id(session_id, 'session')}")
    if found is None:
        raise WritersNotFound(f"no session {session_id}")
    turns = [store.get(room_pk(room_id), f"TURN#{t}") for t in found.get("turn_ids", [])]
    return {"session_id": session_id, "turns": [_turn_view(t) for t in turns if t]}


def continuity(user: str, room_id: str, draft: str) -> dict[str, Any]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    return tools.continuity(store, user, room_id, draft)


def arc(user: str, room_id: str, character: str) -> dict[str, Any]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    return tools.arc(store, user, room_id, character)


def metrics(user: str, room_id: str, days: int) -> dict[str, Any]:
    store = WritersStore()
    rooms.require(store, user, room_id)
    return metrics_mod.per_day(store, room_id, days)
