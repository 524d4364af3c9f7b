"""Script arrivals: an S3 event for a writers key becomes a document record and a
``writers_ingest`` execution. Light (boto3 only): the ``ingest`` Lambda imports it for the keys
it does not own (docs/writers.md).

Keys in the uploads bucket (both raise the ingest queue's S3 events; the library ignores them):

- ``uploads/writers/<room>/<document>/<file>``: presigned uploads (``POST .../uploads``)
- ``drop/writers/<room>/<file>``: the drop folder
"""

from __future__ import annotations

import json
import logging
from typing import Any

from soundmosaic.library.keys import safe_filename
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.paging import new_id
from soundmosaic.platform.s3json import S3Json
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


def new_document(
    store: WritersStore,
    room_id: str,
    filename: str,
    source: str,
    document_id: str | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    stamp = now()
    item = {
        "pk": room_pk(room_id),
        "sk": f"DOC#{document_id or new_id()}",
        "filename": filename,
        "source": source,
        "status": "queued",
        "created_at": stamp,
        "updated_at": stamp,
        "key": key,
    }
    item["document_id"] = str(item["sk"])[4:]
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
        document_id = new_document(
            store, room_id, parsed["filename"], parsed["source"], document_id or None, key
        )["document_id"]
    else:
        set_status(store, room_id, document_id, "queued", key=key)
    execute(room_id, document_id, bucket, key, size, correlation_id)
    return {"room_id": room_id, "document_id": document_id}


def execute(
    room_id: str, document_id: str, bucket: str, key: str, size: int = 0, correlation_id: str = ""
) -> None:
    """Start the document's ``writers_ingest`` execution (a new name each time: a restart is a
    new execution of the same document; the parse step reads the kept original when the upload
    has already been moved)."""
    aws.client("stepfunctions").start_execution(
        stateMachineArn=resource("WRITERS_INGEST_STATE_MACHINE"),
        name=f"{document_id}-{new_id()}",
        input=json.dumps(
            {
                "room_id": room_id,
                "document_id": document_id,
                "bucket": bucket,
                "key": key,
                "size": size,
                "correlation_id": correlation_id or document_id,
            }
        ),
    )
