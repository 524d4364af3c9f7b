"""Durable local state: moto keeps everything in memory, this keeps it on disk.

Guarantee: once a caller has moto's 2xx answer to an S3 or DynamoDB write, the write survives
a crash (``kill -9``, and an OS crash or power loss as far as ``fdatasync`` reaches). A write
whose answer was never sent may or may not survive, but never in part.

Design
------
- **Journal** (``journal.py``, ``<data>/state/journal/``). ``DirtyTracker``, a WSGI wrapper
  around the moto server, runs each S3 or DynamoDB data write under one lock: moto applies it,
  and if moto answered 2xx the whole request (method, path, query, headers, body as sent) is
  appended to the journal as one checksummed record. The lock makes the journal's order the
  order moto applied the writes in. The record is fsynced (group commit: concurrent writers
  share one ``fdatasync``) before the answer goes back. Reads wait, too, until every write they
  could have seen is on disk, so no answer shows state that a crash could take back.
- **Snapshots** (``<data>/state/snapshot.sqlite3`` and ``<data>/state/blobs/``). The tracker
  notes the DynamoDB item keys, S3 object keys and multipart upload parts each write touched.
  Every ``interval_s`` seconds (default 2), if anything changed, a snapshot takes the tracker's
  lock just long enough to copy the touched items, objects and parts out of moto's in-process
  backends (no HTTP, no response serialiser) and to start a new journal segment; the cut is
  exact, so the snapshot is the state after journal record N and nothing after it. Outside the
  lock, the copies go into SQLite in one transaction together with N (object bodies and parts
  first, as content-addressed files, fsynced), and then the journal segments up to N are
  deleted. A snapshot costs what changed since the last one, not the size of a table.
- **Start**: load the snapshot straight into moto's backends, then replay the journal records
  after N, in order, through the same moto WSGI application (no network), then snapshot what
  the replay changed. Replay is deterministic because each record is replayed against the
  state it was first applied to: conditional writes and counters come out the same, S3 ETags
  are content hashes, multipart upload ids are kept (the id from the original answer replaces
  the new one), and objects get their original last-modified time back.
- S3 event notifications raised by a write are sent after its record is on disk (moto would
  otherwise run the ingest handler inside the write, under the lock). Restore and replay run
  before bucket notifications exist, so they raise no events again.
- ``SOUNDMOSAIC_JOURNAL=off`` turns journaling off (snapshots only: a crash loses up to the
  snapshot interval); a journal left on disk is still replayed.
SQS messages and running Step Functions executions are not kept; the stack re-drives
unfinished jobs from their durable records after a restart (see ``stack.resume_jobs``).
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import struct
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from xml.etree import ElementTree

from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from soundmosaic_local.runtime.journal import Journal

log = logging.getLogger(__name__)

_DYNAMO_READS = ("GetItem", "Query", "Scan", "BatchGetItem", "Describe", "List", "TransactGet")
# DynamoDB operations that change items (table-level operations are provisioning, redone at start).
_DYNAMO_ITEM_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                 "TransactWriteItems"})
_DYNAMO_PARTIQL = frozenset({"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
_BINARY = re.compile(r'"BS?"\s*:')
_FREEZE_AFTER_ITEMS = 100_000


def journal_enabled() -> bool:
    return os.environ.get("SOUNDMOSAIC_JOURNAL", "on").lower() not in ("off", "0", "false", "no")


# -- which requests write what ---------------------------------------------------------------


def _is_write(environ: dict[str, Any]) -> bool:
    """Any S3 or DynamoDB request that is not a read (provisioning included)."""
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("DynamoDB_"):
        return not target.split(".", 1)[-1].startswith(_DYNAMO_READS)
    return _is_s3(environ)


def _is_s3(environ: dict[str, Any]) -> bool:
    credential = environ.get("HTTP_AUTHORIZATION", "") + environ.get("QUERY_STRING", "")
    return "/s3/aws4_request" in credential or "%2Fs3%2Faws4_request" in credential


def _s3_path(environ: dict[str, Any]) -> tuple[str, str]:
    """(bucket, key) of a path-style S3 request; the key is '' for bucket-level requests."""
    raw_uri = environ.get("RAW_URI", "")
    if raw_uri:  # the path as sent, which moto decodes itself (``moto.core.request.raw_path``)
        parsed = urllib.parse.urlparse(raw_uri)
        path = urllib.parse.unquote(parsed.path if parsed.scheme else raw_uri.split("?", 1)[0])
    else:
        raw = environ.get("PATH_INFO", "/")
        try:  # WSGI hands over the URL-decoded path's bytes as latin-1
            path = raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            path = raw
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def journaled(environ: dict[str, Any]) -> str | None:
    """``"dynamodb"`` or ``"s3"`` for a request that changes items or objects, else None.

    These are the writes the journal keeps: DynamoDB item writes, and S3 requests on an object
    (PUT, copy, multipart, tagging, DELETE) or DeleteObjects. Bucket and table configuration is
    provisioning, redone at every start, and is not journaled.
    """
    if not _is_write(environ):
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("DynamoDB_"):
        op = target.split(".", 1)[-1]
        return "dynamodb" if op in _DYNAMO_ITEM_WRITES or op in _DYNAMO_PARTIQL else None
    bucket, key = _s3_path(environ)
    query = environ.get("QUERY_STRING", "")
    method = environ.get("REQUEST_METHOD")
    if not bucket:
        return None
    if key:
        return None if method == "POST" and "select" in _query(query) else "s3"
    if method == "POST":  # DeleteObjects, or a browser form upload
        return "s3"
    return None


def _query(query: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(query, keep_blank_values=True)


@dataclass(frozen=True)
class Catalog:
    """The tables (name -> partition and sort key names) and buckets that snapshots keep."""

    tables: dict[str, tuple[str, str | None]]
    buckets: frozenset[str]


@dataclass
class Dirty:
    """What changed since the last snapshot. ``None`` stands for the whole table or bucket."""

    items: dict[str, set[str] | None] = field(default_factory=dict)  # table -> item keys
    objects: dict[str, set[str] | None] = field(default_factory=dict)  # bucket -> object keys
    uploads: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # (bucket, id) -> parts

    def __bool__(self) -> bool:
        return bool(self.items or self.objects or self.uploads)

    def item(self, table: str, key: str | None) -> None:
        keys = self.items.setdefault(table, set())
        if keys is not None:
            if key is None:
                self.items[table] = None
            else:
                keys.add(key)

    def object(self, bucket: str, key: str | None) -> None:
        keys = self.objects.setdefault(bucket, set())
        if keys is not None:
            if key is None:
                self.objects[bucket] = None
            else:
                keys.add(key)

    def upload(self, bucket: str, upload_id: str, part: int | None = None) -> None:
        parts = self.uploads.setdefault((bucket, upload_id), set())
        if part is not None:
            parts.add(part)

    def merge(self, other: Dirty) -> None:
        for table, keys in other.items.items():
            for key in [None] if keys is None else keys:
                self.item(table, key)
            self.items.setdefault(table, set())
        for bucket, names in other.objects.items():
            for name in [None] if names is None else names:
                self.object(bucket, name)
            self.objects.setdefault(bucket, set())
        for (bucket, upload_id), parts in other.uploads.items():
            self.uploads.setdefault((bucket, upload_id), set()).update(parts)

    def count(self) -> int:
        return (sum(len(k) if k is not None else 1 for k in self.items.values())
                + sum(len(k) if k is not None else 1 for k in self.objects.values())
                + sum(len(p) + 1 for p in self.uploads.values()))


def item_key(schema: tuple[str, str | None], attrs: dict[str, Any]) -> str | None:
    """The canonical text of an item's primary key (wire JSON), or None if it lacks one."""
    try:
        return json.dumps([attrs[name] for name in schema if name], sort_keys=True)
    except (KeyError, TypeError):
        return None


def _mark_dynamodb(environ: dict[str, Any], body: bytes, schemas: dict[str, tuple[str, str | None]],
                   dirty: Dirty) -> None:
    op = environ.get("HTTP_X_AMZ_TARGET", "").split(".", 1)[-1]
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        request = {}

    def one(table: str | None, attrs: Any) -> None:
        if not table or table not in schemas:
            return  # not a catalogued table: not snapshotted
        key = item_key(schemas[table], attrs) if isinstance(attrs, dict) else None
        dirty.item(table, key)  # no key: the whole table, to be safe

    if op == "PutItem":
        one(request.get("TableName"), request.get("Item"))
    elif op in ("UpdateItem", "DeleteItem"):
        one(request.get("TableName"), request.get("Key"))
    elif op == "BatchWriteItem":
        for table, writes in request.get("RequestItems", {}).items():
            for write in writes:
                if "PutRequest" in write:
                    one(table, write["PutRequest"].get("Item"))
                else:
                    one(table, write.get("DeleteRequest", {}).get("Key"))
    elif op == "TransactWriteItems":
        for entry in request.get("TransactItems", []):
            for kind, action in entry.items():
                if kind == "Put":
                    one(action.get("TableName"), action.get("Item"))
                elif kind in ("Update", "Delete"):
                    one(action.get("TableName"), action.get("Key"))
    else:  # PartiQL (unused by SoundMosaic): any catalogued table may have changed
        for table in schemas:
            dirty.item(table, None)


def _mark_s3(environ: dict[str, Any], body: bytes, upload_id: str | None, buckets: frozenset[str],
             dirty: Dirty) -> None:
    bucket, key = _s3_path(environ)
    if bucket not in buckets:
        return  # not a catalogued bucket: not snapshotted
    query = _query(environ.get("QUERY_STRING", ""))
    if not key:
        keys = _deleted_keys(body) if "delete" in query else None
        if keys is None:  # a form upload, or a DeleteObjects body we cannot read: all of it
            dirty.object(bucket, None)
        for name in keys or ():
            dirty.object(bucket, name)
        return
    if "uploads" in query:  # CreateMultipartUpload: the id comes from moto's answer
        if upload_id:
            dirty.upload(bucket, upload_id)
        return
    if "uploadId" in query:
        part = query.get("partNumber", [""])[0]
        dirty.upload(bucket, query["uploadId"][0], int(part) if part.isdigit() else None)
        if environ.get("REQUEST_METHOD") == "PUT":
            return  # UploadPart(Copy): the object itself does not change yet
    dirty.object(bucket, key)  # PUT, copy, tagging, DELETE, CompleteMultipartUpload


def _deleted_keys(body: bytes) -> list[str] | None:
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - a local client's request, as moto parses it
    except ElementTree.ParseError:
        return None
    return [el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Key"]


# -- journal records -----------------------------------------------------------------------------


def _request_environ(environ: dict[str, Any]) -> dict[str, Any]:
    """What moto reads from a request's environ, as JSON: strings and moto's header names."""
    kept: dict[str, Any] = {}
    for name, value in environ.items():
        if name.startswith(("wsgi.", "werkzeug.")) or name == "HTTP_TRANSFER_ENCODING":
            continue
        if isinstance(value, str) or (isinstance(value, dict) and name.startswith("moto.")):
            kept[name] = value
    return kept


def encode_record(environ: dict[str, Any], body: bytes, meta: dict[str, Any]) -> bytes:
    head = json.dumps({"environ": environ, "meta": meta}, separators=(",", ":")).encode()
    return struct.pack("<I", len(head)) + head + body


def decode_record(payload: bytes) -> tuple[dict[str, Any], bytes, dict[str, Any]]:
    (size,) = struct.unpack_from("<I", payload)
    head = json.loads(payload[4:4 + size])
    return head["environ"], payload[4 + size:], head["meta"]


def _wsgi_environ(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    return {**environ, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):  # chunked: the server de-chunks up to the end
        return bytes(stream.read())
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return bytes(stream.read(length)) if length > 0 else b""


# -- S3 notifications after the journal ---------------------------------------------------------

_deferred = threading.local()
_send_event: Callable[..., Any] | None = None


def _install_notification_hook() -> None:
    """Hold back the S3 notifications a write raises until the caller sends them.

    moto sends them inside the write, and an SQS queue with an event source mapping runs its
    Lambda right there: that handler's own writes would wait for the lock its trigger holds.
    """
    global _send_event
    from moto.s3 import notifications

    if _send_event is not None:
        return
    _send_event = notifications.send_event

    def send_event(*args: Any, **kwargs: Any) -> None:
        pending = getattr(_deferred, "events", None)
        if pending is not None:
            pending.append((args, kwargs))
        else:
            assert _send_event is not None
            _send_event(*args, **kwargs)

    notifications.send_event = send_event


@dataclass
class _Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    events: list[tuple[tuple[Any, ...], dict[str, Any]]]

    @property
    def ok(self) -> bool:
        return self.status[:1] == "2"


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> _Answer:
    """Run the WSGI app to the end, holding back the S3 notifications it raises."""
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        got["status"], got["headers"] = status, headers
        return lambda data: got.setdefault("written", []).append(data)

    _deferred.events = []
    try:
        result = app(environ, start_response)
        try:
            body = b"".join([*got.get("written", []), *result])
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return _Answer(got["status"], got["headers"], body, _deferred.events)
    finally:
        _deferred.events = None


class DirtyTracker:
    """WSGI middleware around the moto server: journals writes and notes what they changed.

    Until ``arm`` (at start, after restore and replay) requests pass straight through: the
    stack's provisioning is not journaled.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()  # one write at a time: the journal's order is moto's order
        self.dirty = Dirty()
        self.journal: Journal | None = None
        self.journaling = False
        self.armed = False
        self.catalog = Catalog({}, frozenset())  # what snapshots keep
        _install_notification_hook()

    def arm(self, journal: Journal, catalog: Catalog, journaling: bool) -> None:
        with self.lock:
            self.journal, self.catalog, self.journaling = journal, catalog, journaling
            self.armed = True

    def close(self) -> None:
        """Stop journaling and close the journal (the stack's moto server has stopped)."""
        with self.lock:
            journal, self.journal, self.armed, self.journaling = self.journal, None, False, False
        if journal is not None:
            journal.close()

    # -- requests ---------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.armed:
            return self.app(environ, start_response)
        service = journaled(environ)
        if service is None:
            result = self.app(environ, start_response)
            self._await_durable()
            return result
        body = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = False
        record_environ = _request_environ(environ)
        with self.lock:
            answer = _call(self.app, environ)
            lsn = 0
            if answer.ok:
                meta: dict[str, Any] = {}
                upload_id = self._upload_id(service, environ, answer.body)
                if upload_id:
                    meta["upload_id"] = upload_id
                written = _written_object(environ) if service == "s3" else None
                if written is not None:
                    meta["last_modified"] = written.last_modified.isoformat()
                self._mark(service, environ, body, upload_id)
                if self.journaling and self.journal is not None:
                    lsn = self.journal.append(encode_record(record_environ, body, meta))
        if lsn and self.journal is not None:
            self.journal.sync(lsn)
        for args, kwargs in answer.events:  # S3 notifications, now that the write is durable
            assert _send_event is not None
            _send_event(*args, **kwargs)
        start_response(answer.status, answer.headers)
        return [answer.body]

    def _await_durable(self) -> None:
        """Hold a read's answer until every write it could have seen is on disk."""
        journal = self.journal
        if journal is None or not self.journaling:
            return
        if journal.durable_lsn >= journal.last_lsn and not self.lock.locked():
            return  # nothing in flight, nothing unsynced
        with self.lock:  # a write moto applied but not yet journaled holds the lock
            target = journal.last_lsn
        journal.sync(target)

    @staticmethod
    def _upload_id(service: str, environ: dict[str, Any], answer: bytes) -> str | None:
        if service != "s3" or "uploads" not in _query(environ.get("QUERY_STRING", "")):
            return None
        found = _UPLOAD_ID.search(answer)
        return found.group(1).decode() if found else None

    def _mark(self, service: str, environ: dict[str, Any], body: bytes, upload_id: str | None) -> None:
        if service == "dynamodb":
            _mark_dynamodb(environ, body, self.catalog.tables, self.dirty)
        else:
            _mark_s3(environ, body, upload_id, self.catalog.buckets, self.dirty)

    # -- replay -----------------------------------------------------------------------------

    def replay(self, records: Iterable[tuple[int, bytes]], catalog: Catalog) -> int:
        """Apply journal records to moto in order; returns how many. Raises no notifications."""
        self.catalog = catalog
        count = 0
        for lsn, payload in records:
            environ, body, meta = decode_record(payload)
            service = journaled(environ) or "s3"
            answer = _call(self.app, _wsgi_environ(environ, body))  # its events are dropped
            count += 1
            if not answer.ok:
                log.warning("journal record %d (%s %s) failed on replay: %s", lsn,
                            environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), answer.status)
                continue
            upload_id = meta.get("upload_id")
            if upload_id:
                _keep_upload_id(environ, self._upload_id(service, environ, answer.body), upload_id)
            written = _written_object(environ) if "last_modified" in meta else None
            if written is not None:  # as first written, not as replayed
                written.last_modified = dt.datetime.fromisoformat(meta["last_modified"])
            self._mark(service, environ, body, upload_id)
        return count

    # -- snapshots --------------------------------------------------------------------------

    def cut(self, capture: Callable[[Dirty], Any], everything: Dirty | None = None) -> tuple[int, Dirty, Any]:
        """Take what changed, copy it with ``capture`` and start a journal segment, all with
        writes held off: the copy is exactly the state after the returned LSN."""
        with self.lock:
            dirty, self.dirty = self.dirty, Dirty()
            if everything is not None:
                dirty.merge(everything)
            if not dirty:
                return 0, dirty, None
            try:
                captured = capture(dirty)
            except Exception:
                self.dirty.merge(dirty)
                raise
            lsn = self.journal.rotate() if self.journal is not None else 0
        return lsn, dirty, captured

    def put_back(self, dirty: Dirty) -> None:
        """A snapshot that failed: its changes are still to be saved."""
        with self.lock:
            self.dirty.merge(dirty)


def _keep_upload_id(environ: dict[str, Any], new_id: str | None, old_id: str) -> None:
    """Give a replayed multipart upload the id its first run answered with."""
    bucket_name, _ = _s3_path(environ)
    if not new_id or new_id == old_id:
        return
    bucket = _s3_backend().get_bucket(bucket_name)
    upload = bucket.multiparts.pop(new_id)
    upload.id = old_id
    bucket.multiparts[old_id] = upload


def _written_object(environ: dict[str, Any]) -> Any:
    """The S3 object a PUT or POST on an object key left in moto, if it did."""
    bucket_name, key = _s3_path(environ)
    method, query = environ.get("REQUEST_METHOD"), _query(environ.get("QUERY_STRING", ""))
    if not key or method not in ("PUT", "POST") or ("uploadId" in query) == (method == "PUT"):
        return None  # not a PUT (or copy) of the object, nor the POST that completes an upload
    found = _s3_backend().get_bucket(bucket_name).keys.get(key)
    return found if found is not None and hasattr(found, "last_modified") else None


# -- the snapshot store ---------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (tbl TEXT NOT NULL, key TEXT NOT NULL, item TEXT NOT NULL,
                                  PRIMARY KEY (tbl, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (bucket TEXT NOT NULL, key TEXT NOT NULL, blob TEXT NOT NULL,
                                    attrs TEXT NOT NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS objects_blob ON objects (blob);
CREATE TABLE IF NOT EXISTS uploads (bucket TEXT NOT NULL, upload_id TEXT NOT NULL, attrs TEXT NOT NULL,
                                    PRIMARY KEY (bucket, upload_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS parts (bucket TEXT NOT NULL, upload_id TEXT NOT NULL, part INTEGER NOT NULL,
                                  blob TEXT NOT NULL, PRIMARY KEY (bucket, upload_id, part)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS parts_blob ON parts (blob);
"""


@dataclass
class Captured:
    """Copies taken from moto under the tracker's lock, written to disk after it."""

    items: list[tuple[str, str, str | None]] = field(default_factory=list)  # table, key, item JSON
    whole_tables: list[str] = field(default_factory=list)  # their rows are all in ``items``
    objects: list[tuple[str, str, bytes | None, dict[str, Any]]] = field(default_factory=list)
    whole_buckets: list[str] = field(default_factory=list)
    uploads: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    parts: list[tuple[str, str, int, bytes]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.items) + len(self.objects) + len(self.uploads) + len(self.parts)


class SnapshotStore:
    """One SQLite file of items, object and upload records, plus content-addressed blobs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"
        root.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(root / "snapshot.sqlite3", check_same_thread=False,
                                  isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    @property
    def lsn(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE name = 'journal_lsn'").fetchone()
        return int(row[0]) if row else 0

    def empty(self) -> bool:
        return not any(self.db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()  # noqa: S608
                       for t in ("items", "objects", "uploads"))

    def blob_path(self, name: str) -> Path:
        return self.blobs / name[:2] / name

    def put_blob(self, data: bytes) -> str:
        name = hashlib.sha256(data).hexdigest()
        path = self.blob_path(name)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{name}.{threading.get_ident()}.tmp")
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        return name

    def commit(self, captured: Captured, lsn: int) -> None:
        """Write one snapshot: blobs first (synced), then every row and the LSN in one transaction."""
        object_blobs = [self.put_blob(body) if body is not None else None
                        for _, _, body, _ in captured.objects]
        part_blobs = [self.put_blob(data) for *_, data in captured.parts]
        if captured.objects or captured.parts:
            for folder in {self.blob_path(b).parent for b in [*object_blobs, *part_blobs] if b}:
                _sync_folder(folder)
        released: set[str] = set()
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for table in captured.whole_tables:
                db.execute("DELETE FROM items WHERE tbl = ?", (table,))
            for table, key, item in captured.items:
                if item is None:
                    db.execute("DELETE FROM items WHERE tbl = ? AND key = ?", (table, key))
                else:
                    db.execute("INSERT OR REPLACE INTO items VALUES (?, ?, ?)", (table, key, item))
            for bucket in captured.whole_buckets:
                released.update(r[0] for r in db.execute("SELECT blob FROM objects WHERE bucket = ?",
                                                         (bucket,)))
                released.update(r[0] for r in db.execute("SELECT blob FROM parts WHERE bucket = ?",
                                                         (bucket,)))
                for name in ("objects", "uploads", "parts"):
                    db.execute(f"DELETE FROM {name} WHERE bucket = ?", (bucket,))  # noqa: S608
            for (bucket, key, _, attrs), blob in zip(captured.objects, object_blobs, strict=True):
                old = db.execute("SELECT blob FROM objects WHERE bucket = ? AND key = ?",
                                 (bucket, key)).fetchone()
                if old:
                    released.add(old[0])
                if blob is None:
                    db.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
                else:
                    db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?)",
                               (bucket, key, blob, json.dumps(attrs, sort_keys=True)))
            for bucket, upload_id, upload_attrs in captured.uploads:
                if upload_attrs is None:
                    released.update(r[0] for r in db.execute(
                        "SELECT blob FROM parts WHERE bucket = ? AND upload_id = ?", (bucket, upload_id)))
                    db.execute("DELETE FROM parts WHERE bucket = ? AND upload_id = ?", (bucket, upload_id))
                    db.execute("DELETE FROM uploads WHERE bucket = ? AND upload_id = ?", (bucket, upload_id))
                else:
                    db.execute("INSERT OR REPLACE INTO uploads VALUES (?, ?, ?)",
                               (bucket, upload_id, json.dumps(upload_attrs, sort_keys=True)))
            for (bucket, upload_id, part, _), blob in zip(captured.parts, part_blobs, strict=True):
                old = db.execute("SELECT blob FROM parts WHERE bucket = ? AND upload_id = ? AND part = ?",
                                 (bucket, upload_id, part)).fetchone()
                if old:
                    released.add(old[0])
                db.execute("INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?)",
                           (bucket, upload_id, part, blob))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('journal_lsn', ?)", (str(lsn),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        for blob in released:
            if not self._referenced(blob):
                self.blob_path(blob).unlink(missing_ok=True)

    def _referenced(self, blob: str) -> bool:
        return any(self.db.execute(f"SELECT 1 FROM {t} WHERE blob = ? LIMIT 1", (blob,)).fetchone()  # noqa: S608
                   for t in ("objects", "parts"))

    def collect_garbage(self) -> int:
        """Delete blob files no row points at (left by a crash between a blob and its commit)."""
        if not self.blobs.exists():
            return 0
        used = {r[0] for r in self.db.execute("SELECT blob FROM objects UNION SELECT blob FROM parts")}
        removed = 0
        for path in self.blobs.glob("*/*"):
            if path.name not in used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def items(self, table: str) -> Iterator[str]:
        for (item,) in self.db.execute("SELECT item FROM items WHERE tbl = ?", (table,)):
            yield item

    def objects(self, bucket: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for key, blob, attrs in self.db.execute(
                "SELECT key, blob, attrs FROM objects WHERE bucket = ?", (bucket,)):
            yield key, blob, json.loads(attrs)

    def uploads(self, bucket: str) -> Iterator[tuple[str, dict[str, Any], list[tuple[int, str]]]]:
        for upload_id, attrs in self.db.execute(
                "SELECT upload_id, attrs FROM uploads WHERE bucket = ?", (bucket,)).fetchall():
            parts = self.db.execute("SELECT part, blob FROM parts WHERE bucket = ? AND upload_id = ? "
                                    "ORDER BY part", (bucket, upload_id)).fetchall()
            yield upload_id, json.loads(attrs), [(int(p), b) for p, b in parts]


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- moto's backends: copy out, load in ---------------------------------------------------------


def _ddb_backend() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    from soundmosaic_local.runtime.provision import ACCOUNT, REGION

    return dynamodb_backends[ACCOUNT][REGION]


def _s3_backend() -> Any:
    from moto.s3.models import s3_backends

    from soundmosaic_local.runtime.provision import ACCOUNT

    return s3_backends[ACCOUNT]["aws"]


def _item_json(item: Any) -> str:
    return json.dumps(_binary(item.to_json()["Attributes"], True), sort_keys=True, separators=(",", ":"))


def _object_attrs(key: Any) -> dict[str, Any]:
    backend = _s3_backend()
    return {
        "etag": key.etag.strip('"'),
        "last_modified": key.last_modified.isoformat(),
        "metadata": dict(key.metadata),
        "storage_class": key.storage_class,
        "encryption": key.encryption, "kms_key_id": key.kms_key_id,
        "website_redirect_location": key.website_redirect_location,
        "checksum_algorithm": key.checksum_algorithm, "checksum_type": key.checksum_type,
        "checksum_value": key.checksum_value, "checksum_parts": key.checksum_parts,
        "tags": backend.tagger.get_tag_dict_for_resource(key.arn),
    }


def _upload_attrs(upload: Any) -> dict[str, Any]:
    return {"key": upload.key_name, "metadata": dict(upload.metadata), "storage": upload.storage,
            "tags": upload.tags, "sse_encryption": upload.sse_encryption, "kms_key_id": upload.kms_key_id}


def capture(dirty: Dirty) -> Captured:
    """Copy what ``dirty`` names out of moto's backends (the caller holds writes off)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    out = Captured()
    ddb = _ddb_backend()
    for table_name, keys in dirty.items.items():
        try:
            table = ddb.get_table(table_name)
        except Exception:  # deleted while running: so is its snapshot
            out.whole_tables.append(table_name)
            continue
        if keys is None:
            out.whole_tables.append(table_name)
            schema = (table.hash_key_attr, table.range_key_attr)
            for item in table.all_items():
                text = _item_json(item)
                attrs = json.loads(text)
                out.items.append((table_name, item_key(schema, attrs) or "", text))
            continue
        for key in keys:
            values = [DynamoType(v) for v in json.loads(key)]
            item = table.get_item(values[0], values[1] if len(values) > 1 else None)
            out.items.append((table_name, key, _item_json(item) if item is not None else None))
    s3 = _s3_backend()
    for bucket_name, names in dirty.objects.items():
        try:
            bucket = s3.get_bucket(bucket_name)
        except Exception:  # deleted while running: so is its snapshot
            out.whole_buckets.append(bucket_name)
            continue
        if names is None:
            out.whole_buckets.append(bucket_name)
            names = set(bucket.keys.keys())
            for upload_id in bucket.multiparts:
                dirty.upload(bucket_name, upload_id)
                dirty.uploads[(bucket_name, upload_id)].update(bucket.multiparts[upload_id].parts)
        for name in sorted(names):
            found = bucket.keys.get(name)
            if found is None or not hasattr(found, "value"):  # gone (or a delete marker)
                out.objects.append((bucket_name, name, None, {}))
            else:
                out.objects.append((bucket_name, name, found.value, _object_attrs(found)))
    for (bucket_name, upload_id), parts in dirty.uploads.items():
        try:
            upload = s3.get_bucket(bucket_name).multiparts.get(upload_id)
        except Exception:
            upload = None
        if upload is None:  # completed or aborted
            out.uploads.append((bucket_name, upload_id, None))
            continue
        out.uploads.append((bucket_name, upload_id, _upload_attrs(upload)))
        for part in sorted(parts):
            if part in upload.parts:
                out.parts.append((bucket_name, upload_id, part, upload.parts[part].value))
    return out


def load_items(table_name: str, rows: Iterable[str | dict[str, Any]]) -> int:
    """Put items (snapshot JSON) straight into a moto table; returns how many.

    The items are built as moto's own ``Item.__deepcopy__`` builds them: without re-running the
    size check that ``Item()`` does for every attribute (it was done when each was first
    written), which would take most of a large restore.
    """
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    table = _ddb_backend().get_table(table_name)
    hash_name, range_name = table.hash_key_attr, table.range_key_attr
    count = 0
    for row in rows:
        if isinstance(row, str):
            attrs = json.loads(row)
            if _BINARY.search(row):  # a binary attribute (or an attribute named B): base64 to bytes
                attrs = _binary(attrs, False)
        else:
            attrs = _binary(row, False)
        values = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(values)
        for name, value in attrs.items():
            dict.__setitem__(values, name, DynamoType(value))
        item = cast(Item, Item.__new__(Item))
        item.hash_key, item.range_key, item.attrs = values[hash_name], None, values
        if range_name:
            item.range_key = values[range_name]
            table.items[item.hash_key][item.range_key] = item
        else:
            table.items[item.hash_key] = item
        count += 1
    return count


def load_object(bucket: str, key: str, body: bytes, attrs: dict[str, Any]) -> None:
    """Put an object straight into moto's bucket, with its ETag, metadata and times."""
    s3 = _s3_backend()
    found = s3.put_object(bucket, key, body, storage=attrs.get("storage_class"),
                          etag=attrs.get("etag"), encryption=attrs.get("encryption"),
                          kms_key_id=attrs.get("kms_key_id"), checksum_value=attrs.get("checksum_value"),
                          disable_notification=True)
    found.set_metadata(dict(attrs.get("metadata") or {}))
    if attrs.get("last_modified"):
        found.last_modified = dt.datetime.fromisoformat(attrs["last_modified"])
    found.website_redirect_location = attrs.get("website_redirect_location")
    for name in ("checksum_algorithm", "checksum_type", "checksum_parts"):
        setattr(found, name, attrs.get(name))
    if attrs.get("tags"):
        s3.put_object_tagging(found, attrs["tags"])


def load_upload(bucket: str, upload_id: str, attrs: dict[str, Any],
                parts: Iterable[tuple[int, bytes]]) -> None:
    """Recreate an unfinished multipart upload under its own id, with its parts."""
    from moto.s3.models import FakeMultipart, get_canned_acl
    from moto.utilities.utils import CaseInsensitiveDict

    from soundmosaic_local.runtime.provision import ACCOUNT, REGION

    upload = FakeMultipart(attrs["key"], CaseInsensitiveDict(attrs.get("metadata") or {}),
                           account_id=ACCOUNT, region_name=REGION, storage=attrs.get("storage"),
                           tags=attrs.get("tags"), acl=get_canned_acl("private"),
                           sse_encryption=attrs.get("sse_encryption"), kms_key_id=attrs.get("kms_key_id"))
    upload.id = upload_id
    for number, data in parts:
        upload.set_part(number, data)
    _s3_backend().get_bucket(bucket).multiparts[upload_id] = upload


def _binary(value: Any, to_json: bool) -> Any:
    """Binary attributes (``B``, ``BS``) as base64 text for JSON, or back to bytes on restore.

    The catalog's fingerprints are binary; JSON has no bytes, so a snapshot holds them as base64.
    """
    def one(data: Any) -> Any:
        if to_json:
            return base64.b64encode(data).decode("ascii") if isinstance(data, bytes) else data
        return base64.b64decode(data) if isinstance(data, str) else data

    if isinstance(value, dict):
        return {kind: one(inner) if kind == "B" and not isinstance(inner, dict)
                else [one(v) for v in inner] if kind == "BS" and isinstance(inner, list)
                else _binary(inner, to_json) for kind, inner in value.items()}
    if isinstance(value, list):
        return [_binary(v, to_json) for v in value]
    return value


# -- snapshot and restore ------------------------------------------------------------------------


def catalog(stage: str) -> Catalog:
    """The stage's tables (with their key names) and buckets: what snapshots keep."""
    return Catalog({physical_name(stage, t.key): (t.partition_key, t.sort_key) for t in resources.TABLES},
                   frozenset(physical_name(stage, b.key) for b in resources.BUCKETS))


class Snapshotter:
    def __init__(self, state_dir: Path, stage: str) -> None:
        self.root = state_dir
        self.stage = stage
        self._lock = threading.Lock()
        self.tracker: DirtyTracker | None = None
        self.store: SnapshotStore | None = None
        self.journal: Journal | None = None
        self.last: dict[str, Any] = {}  # what the last snapshot took, for logs and benchmarks

    # -- snapshot ---------------------------------------------------------------------------

    def snapshot(self, full: bool = False) -> None:
        """Save what changed since the last snapshot (``full``: every catalogued table and bucket).

        Costs what changed, not what is stored. Does nothing before ``restore``.
        """
        tracker, store = self.tracker, self.store
        if tracker is None or store is None:
            return
        with self._lock:
            started = time.perf_counter()
            everything = self._everything() if full else None
            lsn, dirty, captured = tracker.cut(capture, everything)
            if captured is None:
                return
            held_ms = (time.perf_counter() - started) * 1000
            try:
                store.commit(captured, lsn)
            except Exception:
                tracker.put_back(dirty)
                raise
            dropped = self.journal.drop_through(lsn) if self.journal is not None else 0
            self.last = {"lsn": lsn, "records": captured.size(), "held_ms": round(held_ms, 2),
                         "total_ms": round((time.perf_counter() - started) * 1000, 2),
                         "segments_dropped": dropped}
            log.debug("snapshot %s", self.last)

    def _everything(self) -> Dirty:
        everything = Dirty()
        for table in resources.TABLES:
            everything.item(physical_name(self.stage, table.key), None)
        for bucket in resources.BUCKETS:
            everything.object(physical_name(self.stage, bucket.key), None)
        return everything

    # -- restore ----------------------------------------------------------------------------

    def restore(self, tracker: DirtyTracker | None = None) -> dict[str, int]:
        """Load the last snapshot into the (empty, freshly provisioned) moto server, replay the
        journal after it, and arm ``tracker`` to journal from now on."""
        counts = {"objects": 0, "items": 0, "uploads": 0, "replayed": 0}
        store = self.store = SnapshotStore(self.root)
        old_format = self._legacy_folders()  # snapshots from before the journal
        legacy = old_format if store.empty() and store.lsn == 0 else []
        # Millions of small acyclic objects: the cyclic GC would walk all of them again and
        # again while they load (two thirds of the time), and at every full collection after.
        gc.disable()
        try:
            if legacy:
                counts.update(self._restore_legacy())
            else:
                self._restore_snapshot(store, counts)
        finally:
            gc.enable()
        if counts["items"] >= _FREEZE_AFTER_ITEMS:
            gc.freeze()  # out of the collector's way; refcounting still frees what is dropped
        if tracker is None:
            return counts
        self.tracker = tracker
        kept = catalog(self.stage)
        journal = self.journal = Journal(self.root / "journal")
        after = store.lsn
        counts["replayed"] = tracker.replay(journal.recover(after), kept)
        journal.open(after)
        tracker.arm(journal, kept, journal_enabled())
        if legacy or counts["replayed"]:
            self.snapshot(full=bool(legacy))  # the replayed writes, or the old format, once
        for folder in old_format:  # migrated now, or by a start that stopped before removing them
            shutil.rmtree(folder, ignore_errors=True)
        return counts

    def _restore_snapshot(self, store: SnapshotStore, counts: dict[str, int]) -> None:
        store.collect_garbage()
        for table in resources.TABLES:
            name = physical_name(self.stage, table.key)
            counts["items"] += load_items(name, store.items(name))
        for bucket in resources.BUCKETS:
            name = physical_name(self.stage, bucket.key)
            for key, blob, attrs in store.objects(name):
                load_object(name, key, store.blob_path(blob).read_bytes(), attrs)
                counts["objects"] += 1
            for upload_id, attrs, parts in store.uploads(name):
                load_upload(name, upload_id, attrs, ((n, store.blob_path(b).read_bytes()) for n, b in parts))
                counts["uploads"] += 1

    def close(self) -> None:
        """Close the journal and the store, once the moto server has stopped."""
        if self.tracker is not None:
            self.tracker.close()
        if self.store is not None:
            with self._lock:
                self.store.close()
                self.store = None

    # -- the format before the journal: one JSON file per table, an index per bucket ---------

    def _legacy_folders(self) -> list[Path]:
        return [p for p in (self.root / "s3", self.root / "dynamodb") if p.exists()]

    def _restore_legacy(self) -> dict[str, int]:
        counts = {"objects": 0, "items": 0}
        for bucket in resources.BUCKETS:
            name = physical_name(self.stage, bucket.key)
            index_path = self.root / "s3" / name / "index.json"
            if not index_path.exists():
                continue
            for key, entry in json.loads(index_path.read_text()).items():
                body = (self.root / "s3" / name / "objects" / entry["file"]).read_bytes()
                metadata = {f"x-amz-meta-{k}": v for k, v in (entry.get("metadata") or {}).items()}
                if entry.get("content_type"):
                    metadata["Content-Type"] = entry["content_type"]
                load_object(name, key, body, {"etag": entry["etag"].strip('"'), "metadata": metadata})
                counts["objects"] += 1
        for table in resources.TABLES:
            name = physical_name(self.stage, table.key)
            path = self.root / "dynamodb" / f"{name}.json"
            if path.exists():
                counts["items"] += load_items(name, json.loads(path.read_text()))
        log.info("restored the pre-journal snapshot format: %s", counts)
        return counts


class SnapshotLoop(threading.Thread):
    """Snapshots what changed, at most every ``interval_s`` seconds; once more on ``stop``."""

    def __init__(self, snapshotter: Snapshotter, tracker: DirtyTracker, interval_s: float) -> None:
        super().__init__(name="soundmosaic-snapshots", daemon=True)
        self.snapshotter, self.tracker, self.interval_s = snapshotter, tracker, interval_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self.flush()

    def flush(self) -> None:
        try:
            self.snapshotter.snapshot()
        except Exception:
            log.exception("snapshot failed; the journal keeps the writes, will retry")

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)
        self.snapshotter.snapshot()  # what changed since the last round
