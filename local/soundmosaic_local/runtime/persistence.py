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
- **Snapshots** (``snapshots.py``: ``<data>/state/snapshot.sqlite3`` and ``blobs/``). The tracker
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

import datetime as dt
import gc
import io
import json
import logging
import os
import re
import shutil
import struct
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from soundmosaic_local.runtime.journal import Journal
from soundmosaic_local.runtime.snapshots import (
    Catalog,
    Dirty,
    SnapshotStore,
    capture,
    item_key,
    load_items,
    load_object,
    load_upload,
    s3_backend,
)

log = logging.getLogger(__name__)

_DYNAMO_READS = ("GetItem", "Query", "Scan", "BatchGetItem", "Describe", "List", "TransactGet")
# DynamoDB operations that change items (table-level operations are provisioning, redone at start).
_DYNAMO_ITEM_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                 "TransactWriteItems"})
_DYNAMO_PARTIQL = frozenset({"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
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


def _mark_dynamodb(environ: dict[str, Any], body: bytes, schemas: dict[str, tuple[str, str | None]],
                   dirty: Dirty) -> None:
    op = environ.get("HTTP_X_AMZ_TARGET", "").split(".", 1)[-1]
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        request = {}

    def one(table: str | None, attrs: Any) -> None:
        if not table or table not in schemas:
            return  # not a listed table: not snapshotted
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
    else:  # PartiQL (unused by SoundMosaic): any listed table may have changed
        for table in schemas:
            dirty.item(table, None)


def _mark_s3(environ: dict[str, Any], body: bytes, upload_id: str | None, buckets: frozenset[str],
             dirty: Dirty) -> None:
    bucket, key = _s3_path(environ)
    if bucket not in buckets:
        return  # not a listed bucket: not snapshotted
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
    bucket = s3_backend().get_bucket(bucket_name)
    upload = bucket.multiparts.pop(new_id)
    upload.id = old_id
    bucket.multiparts[old_id] = upload


def _written_object(environ: dict[str, Any]) -> Any:
    """The S3 object a PUT or POST on an object key left in moto, if it did."""
    bucket_name, key = _s3_path(environ)
    method, query = environ.get("REQUEST_METHOD"), _query(environ.get("QUERY_STRING", ""))
    if not key or method not in ("PUT", "POST") or ("uploadId" in query) == (method == "PUT"):
        return None  # not a PUT (or copy) of the object, nor the POST that completes an upload
    found = s3_backend().get_bucket(bucket_name).keys.get(key)
    return found if found is not None and hasattr(found, "last_modified") else None


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
        """Save what changed since the last snapshot (``full``: every listed table and bucket).

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
