"""Script intake: an upload or a drop-folder file becomes a document, parsed, indexed and folded
into the room's bible by the ``writers_ingest`` state machine (docs/writers.md).

Keys in the uploads bucket (both raise the ingest queue's S3 events; the library ignores them):

- ``uploads/writers/<room>/<document>/<file>``: presigned uploads (``POST .../uploads``)
- ``drop/writers/<room>/<file>``: the drop folder

Steps (each a ``writers`` Lambda action): ``parse`` (copy the original into the media bucket,
hash it: a content already in the room is marked ``duplicate`` and stops; parse, or fail the
document with the parser's reason; claim the episode's next revision) → ``index`` (chunk by
scene, embed, write, make current; the episode's previous revision becomes ``superseded``) →
``bible`` (rebuild the bible and digest as new versions) → ``indexed``. A failed step fails only
its document.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import Any

from soundmosaic.library.keys import safe_filename
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.paging import new_id
from soundmosaic.platform.s3json import S3Json
from soundmosaic.writers import bible as bible_mod
from soundmosaic.writers import parse
from soundmosaic.writers.index import SceneIndex, chunks_of
from soundmosaic.writers.store import WritersStore, now, room_pk

log = logging.getLogger(__name__)


def upload_key(room_id: str, document_id: str, filename: str) -> str:
    return f"uploads/writers/{room_id}/{document_id}/{safe_filename(filename)}"


def drop_key(room_id: str, filename: str) -> str:
    return f"drop/writers/{room_id}/{safe_filename(filename)}"


def parse_key(key: str) -> dict[str, str] | None:
    """room, document (None for the drop folder), file name and source of a writers key."""
    parts = key.split("/")
    if len(parts) == 5 and parts[:2] == ["uploads", "writers"] and all(parts[2:]):
        return {"room_id": parts[2], "document_id": parts[3], "filename": parts[4], "source": "upload"}
    if len(parts) == 4 and parts[:2] == ["drop", "writers"] and all(parts[2:]):
        return {"room_id": parts[2], "document_id": "", "filename": parts[3], "source": "drop"}
    return None


def media() -> S3Json:
    return S3Json(resource("MEDIA_BUCKET"))


def doc_prefix(room_id: str, document_id: str) -> str:
    return f"writers/{room_id}/documents/{document_id}/"


def new_document(store: WritersStore, room_id: str, filename: str, source: str,
                 document_id: str | None = None, key: str | None = None) -> dict[str, Any]:
    stamp = now()
    item = {"pk": room_pk(room_id), "sk": f"DOC#{document_id or new_id()}", "filename": filename,
            "source": source, "status": "queued", "created_at": stamp, "updated_at": stamp, "key": key}
    item["document_id"] = item["sk"][4:]
    store.put(item)
    return item


def set_status(store: WritersStore, room_id: str, document_id: str, status: str, **values: Any) -> None:
    store.update(room_pk(room_id), f"DOC#{document_id}", {"status": status, "updated_at": now(), **values})


def start(bucket: str, key: str, size: int, correlation_id: str = "") -> dict[str, Any] | None:
    """An S3 event for a writers key -> the document's workflow (None: not a writers key, or a
    room that is gone, which is logged and ignored)."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    store = WritersStore()
    room_id = parsed["room_id"]
    if store.get(room_pk(room_id), "META") is None:
        log.warning("a writers file for a room that does not exist was ignored", extra={"key": key})
        return None
    document_id = parsed["document_id"]
    if not document_id or store.get(room_pk(room_id), f"DOC#{document_id}") is None:
        document_id = new_document(store, room_id, parsed["filename"], parsed["source"],
                                   document_id or None, key)["document_id"]
    else:
        set_status(store, room_id, document_id, "queued", key=key)
    aws.client("stepfunctions").start_execution(
        stateMachineArn=resource("WRITERS_INGEST_STATE_MACHINE"), name=f"{document_id}-{new_id()[:8]}",
        input=json.dumps({"room_id": room_id, "document_id": document_id, "bucket": bucket, "key": key,
                          "size": size, "correlation_id": correlation_id or document_id}))
    return {"room_id": room_id, "document_id": document_id}


# -- workflow steps ----------------------------------------------------------------------------------


def step_parse(room_id: str, document_id: str, bucket: str, key: str) -> dict[str, Any]:
    store, store_media = WritersStore(), media()
    doc = store.get(room_pk(room_id), f"DOC#{document_id}") or {}
    filename = doc.get("filename") or key.rsplit("/", 1)[-1]
    set_status(store, room_id, document_id, "parsing")
    data = S3Json(bucket).get_bytes(key, limit=parse.MAX_BYTES + 1)
    prefix = doc_prefix(room_id, document_id)
    # The original is kept before anything can fail: nothing a writer sent is ever lost.
    store_media.put_bytes(prefix + "original", data, "application/octet-stream")
    S3Json(bucket).s3.delete_object(Bucket=bucket, Key=key)
    digest = hashlib.sha256(data).hexdigest()
    first = store.get(room_pk(room_id), f"HASH#{digest}")
    if first is not None and first["document_id"] != document_id:
        set_status(store, room_id, document_id, "duplicate", content_hash=digest,
                   duplicate_of=first["document_id"], error=f"the same content as {first['filename']}")
        return {"skip": True}
    try:
        script = parse.parse(filename, data)
    except parse.ScriptRejected as err:
        set_status(store, room_id, document_id, "failed", error=str(err), content_hash=digest)
        return {"skip": True}
    if not store.put({"pk": room_pk(room_id), "sk": f"HASH#{digest}", "document_id": document_id,
                      "filename": filename}, only_new=True):
        again = store.get(room_pk(room_id), f"HASH#{digest}") or {}
        if again.get("document_id") != document_id:  # a twin won the race
            set_status(store, room_id, document_id, "duplicate", content_hash=digest,
                       duplicate_of=again.get("document_id"), error="the same content arrived twice")
            return {"skip": True}
    version = 1
    if script.episode is not None:
        version = store.add(room_pk(room_id), f"EPISODE#{script.episode}", "revisions")
    store_media.put_json(prefix + "script.json", {"document_id": document_id, "filename": filename,
                                                   "version": version, **dataclasses.asdict(script)})
    set_status(store, room_id, document_id, "indexing", format=script.format, language=script.language,
               episode=script.episode, version=version, scenes=len(script.scenes), content_hash=digest)
    return {"skip": False, "episode": script.episode, "version": version}


def load_script(room_id: str, document_id: str) -> dict[str, Any]:
    value: dict[str, Any] = media().get_json(doc_prefix(room_id, document_id) + "script.json")
    return value


def _script(data: dict[str, Any]) -> parse.Script:
    scenes = [parse.Scene(s["number"], s["heading"], s["characters"], s["directions"],
                          [tuple(x) for x in s["lines"]], s["_body"]) for s in data["scenes"]]
    return parse.Script(data["format"], data["episode"], data["title"], data["language"], scenes)


def step_index(room_id: str, document_id: str) -> dict[str, Any]:
    store = WritersStore()
    data = load_script(room_id, document_id)
    index = SceneIndex(media(), room_id, store)
    count = index.write(document_id, chunks_of(_script(data), document_id, data["filename"], data["version"]))
    replaced = index.activate(document_id, data["episode"], data["version"])
    if replaced == document_id:
        set_status(store, room_id, document_id, "superseded", error="a newer revision of the episode is current")
        return {"chunks": count, "skip": True}
    if replaced:
        set_status(store, room_id, replaced, "superseded", superseded_by=document_id)
    return {"chunks": count, "skip": False}


def rebuild_bible(room_id: str) -> int:
    """A new bible + digest version from the current documents; returns the version."""
    store, bucket = WritersStore(), media()
    current = SceneIndex(bucket, room_id, store).manifest().get("documents", {})
    scripts = [load_script(room_id, d) for d in sorted(current)]
    built = bible_mod.build(room_id, scripts)
    version = store.add(room_pk(room_id), "META", "bible_version")
    built = {**built, "version": version, "updated_at": now()}
    bucket.put_json(f"writers/{room_id}/bible/v{version:06d}.json", built)
    bucket.put_bytes(f"writers/{room_id}/digest/v{version:06d}.txt", bible_mod.digest(built).encode(),
                     "text/plain; charset=utf-8")
    return version


def step_bible(room_id: str, document_id: str) -> dict[str, Any]:
    version = rebuild_bible(room_id)
    set_status(WritersStore(), room_id, document_id, "indexed", bible_version=version)
    return {"bible_version": version}


def step_fail(room_id: str, document_id: str, reason: str) -> None:
    set_status(WritersStore(), room_id, document_id, "failed", error=reason[:1000])
