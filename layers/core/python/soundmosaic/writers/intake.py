"""Script intake: the ``writers_ingest`` state machine's steps, which parse, index and fold a
document into the room's bible (``arrivals`` starts it for an S3 event; docs/writers.md).

Steps (each a ``writers`` Lambda action): ``parse`` (copy the original into the media bucket,
hash it: a content already in the room is marked ``duplicate`` and stops; parse, or fail the
document with the parser's reason; claim the episode's next revision) → ``index`` (chunk by
scene, embed, write, make current; the episode's previous revision becomes ``superseded``) →
``bible`` (rebuild the bible and digest as new versions) → ``indexed``. A failed step fails only
its document.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from typing import Any

from soundmosaic.platform.s3json import ObjectMissing, S3Json
from soundmosaic.writers import bible as bible_mod
from soundmosaic.writers import parse
from soundmosaic.writers.arrivals import media, set_status
from soundmosaic.writers.index import SceneIndex, chunks_of
from soundmosaic.writers.store import WritersStore, now, room_pk


def doc_prefix(room_id: str, document_id: str) -> str:
    return f"writers/{room_id}/documents/{document_id}/"


# -- workflow steps ----------------------------------------------------------------------------------


def step_parse(room_id: str, document_id: str, bucket: str, key: str) -> dict[str, Any]:
    store, store_media = WritersStore(), media()
    doc = store.get(room_pk(room_id), f"DOC#{document_id}") or {}
    filename = doc.get("filename") or key.rsplit("/", 1)[-1]
    set_status(store, room_id, document_id, "parsing")
    prefix = doc_prefix(room_id, document_id)
    try:
        data = S3Json(bucket).get_bytes(key, limit=parse.MAX_BYTES + 1)
    except ObjectMissing:  # a retried step: the upload was already moved to the kept original
        data = store_media.get_bytes(prefix + "original", limit=parse.MAX_BYTES + 1)
    else:
        # The original is kept before anything can fail: nothing a writer sent is ever lost.
        store_media.put_bytes(prefix + "original", data, "application/octet-stream")
        S3Json(bucket).s3.delete_object(Bucket=bucket, Key=key)
    digest = hashlib.sha256(data).hexdigest()
    first = store.get(room_pk(room_id), f"HASH#{digest}")
    if first is not None and first["document_id"] != document_id:
        set_status(
            store,
            room_id,
            document_id,
            "duplicate",
            content_hash=digest,
            duplicate_of=first["document_id"],
            error=f"the same content as {first['filename']}",
        )
        return {"skip": True}
    try:
        script = parse.parse(filename, data)
    except parse.ScriptRejected as err:
        set_status(store, room_id, document_id, "failed", error=str(err), content_hash=digest)
        return {"skip": True}
    if not store.put(
        {"pk": room_pk(room_id), "sk": f"HASH#{digest}", "document_id": document_id, "filename": filename},
        only_new=True,
    ):
        again = store.get(room_pk(room_id), f"HASH#{digest}") or {}
        if again.get("document_id") != document_id:  # a twin won the race
            set_status(
                store,
                room_id,
                document_id,
                "duplicate",
                content_hash=digest,
                duplicate_of=again.get("document_id"),
                error="the same content arrived twice",
            )
            return {"skip": True}
    version = 1
    if doc.get("content_hash") == digest and doc.get("version"):
        version = int(doc["version"])  # a retried step keeps the revision it already took
    elif script.episode is not None:
        version = store.add(room_pk(room_id), f"EPISODE#{script.episode}", "revisions")
    store_media.put_json(
        prefix + "script.json",
        {"document_id": document_id, "filename": filename, "version": version, **dataclasses.asdict(script)},
    )
    set_status(
        store,
        room_id,
        document_id,
        "indexing",
        format=script.format,
        language=script.language,
        episode=script.episode,
        version=version,
        scenes=len(script.scenes),
        content_hash=digest,
    )
    return {"skip": False, "episode": script.episode, "version": version}


def load_script(room_id: str, document_id: str) -> dict[str, Any]:
    value: dict[str, Any] = media().get_json(doc_prefix(room_id, document_id) + "script.json")
    return value


def _script(data: dict[str, Any]) -> parse.Script:
    scenes = [
        parse.Scene(
            s["number"],
            s["heading"],
            s["characters"],
            s["directions"],
            [tuple(x) for x in s["lines"]],
            s["_body"],
        )
        for s in data["scenes"]
    ]
    return parse.Script(data["format"], data["episode"], data["title"], data["language"], scenes)


def step_index(room_id: str, document_id: str) -> dict[str, Any]:
    store = WritersStore()
    data = load_script(room_id, document_id)
    index = SceneIndex(media(), room_id, store)
    count = index.write(document_id, chunks_of(_script(data), document_id, data["filename"], data["version"]))
    replaced = index.activate(document_id, data["episode"], data["version"])
    if replaced == document_id:
        set_status(
            store, room_id, document_id, "superseded", error="a newer revision of the episode is current"
        )
        return {"chunks": count, "skip": True}
    if replaced:
        set_status(store, room_id, replaced, "superseded", superseded_by=document_id)
    return {"chunks": count, "skip": False}


def rebuild_bible(room_id: str, only_if_changed: bool = False, previous_digest: str = "") -> int | None:
    """A new bible + digest version from the current documents; returns the version (None when
    ``only_if_changed`` and the digest is the same as ``previous_digest``: the cached prompt
    prefix stays byte-identical)."""
    store, bucket = WritersStore(), media()
    current = SceneIndex(bucket, room_id, store).manifest().get("documents", {})
    scripts = [load_script(room_id, d) for d in sorted(current)]
    built = bible_mod.build(room_id, scripts)
    text = bible_mod.digest(built)
    if only_if_changed and text == previous_digest:
        return None
    # The number is taken first, the room points at it only once both objects are written, and
    # only forward: readers never see a version without its files, nor an older one again.
    version = store.add(room_pk(room_id), "META", "bible_counter")
    bucket.put_json(
        f"writers/{room_id}/bible/v{version:06d}.json", {**built, "version": version, "updated_at": now()}
    )
    bucket.put_bytes(
        f"writers/{room_id}/digest/v{version:06d}.txt", text.encode(), "text/plain; charset=utf-8"
    )
    # A later rebuild may already have published a newer version: then this one stays unlisted.
    with contextlib.suppress(store.table.meta.client.exceptions.ConditionalCheckFailedException):
        store.table.update_item(
            Key={"pk": room_pk(room_id), "sk": "META"},
            UpdateExpression="SET bible_version = :v",
            ConditionExpression="bible_version < :v",
            ExpressionAttributeValues={":v": version},
        )
    return version


def step_bible(room_id: str, document_id: str) -> dict[str, Any]:
    version = rebuild_bible(room_id)
    set_status(WritersStore(), room_id, document_id, "indexed", bible_version=version)
    return {"bible_version": version}


def step_fail(room_id: str, document_id: str, reason: str) -> None:
    set_status(WritersStore(), room_id, document_id, "failed", error=reason[:1000])
