"""Durable local state: moto keeps everything in memory, this keeps it on disk.

Design
------
- A WSGI wrapper around the moto server notes which bucket or table each S3 or DynamoDB write
  touches.
- A background thread snapshots the touched buckets and tables every ``interval_s`` seconds
  (default 2), and the stack snapshots once more on a graceful stop. A crash (kill -9) loses at
  most the writes of the last interval.
- S3: one file per object (named by a hash of the key) plus an index per bucket with the key,
  ETag, content type and user metadata. Snapshots are incremental: only objects whose ETag
  changed are read back from moto and written.
- DynamoDB: one JSON file per table with every item in DynamoDB's own JSON, read straight from
  moto's in-process backend (no HTTP, no response serialiser) and written only when changed.
- Every file is written to a temporary name and renamed into place, so a crash mid-snapshot
  leaves the previous complete snapshot, never half a file. Index files are replaced after the
  object files they point at.
- Restore runs before bucket notifications exist, so restored uploads raise no events again.
SQS messages and running Step Functions executions are not kept; the stack re-drives
unfinished jobs from their durable records after a restart (see ``stack.resume_jobs``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from soundmosaic.platform import aws, resources
from soundmosaic.platform.resources import physical_name

log = logging.getLogger(__name__)

_DYNAMO_READS = ("GetItem", "Query", "Scan", "BatchGetItem", "Describe", "List", "TransactGet")


class DirtyTracker:
    """WSGI middleware: remembers which buckets and tables changed since the last snapshot."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._dirty: set[str] = set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _is_write(environ):
            self.mark(*_written_resources(environ))
        return self.app(environ, start_response)

    def mark(self, *names: str) -> None:
        with self._lock:
            self._dirty.update(names)

    def take(self) -> set[str]:
        with self._lock:
            taken, self._dirty = self._dirty, set()
        return taken


def _written_resources(environ: dict[str, Any]) -> set[str]:
    """Bucket or table names a write request touches (the body is read and put back)."""
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return set()
        names = {request["TableName"]} if "TableName" in request else set()
        names.update(request.get("RequestItems", {}))
        for item in request.get("TransactItems", []):
            names.update(op["TableName"] for op in item.values() if "TableName" in op)
        return names
    bucket = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]  # path-style addressing
    return {bucket} if bucket else set()


def _is_write(environ: dict[str, Any]) -> bool:
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("DynamoDB_"):
        return not target.split(".", 1)[-1].startswith(_DYNAMO_READS)
    credential = environ.get("HTTP_AUTHORIZATION", "") + environ.get("QUERY_STRING", "")
    return "/s3/aws4_request" in credential or "%2Fs3%2Faws4_request" in credential


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class Snapshotter:
    def __init__(self, state_dir: Path, stage: str) -> None:
        self.root = state_dir
        self.stage = stage
        self._lock = threading.Lock()
        self._table_digests: dict[str, str] = {}

    # -- snapshot ---------------------------------------------------------------------------

    def snapshot(self, names: set[str] | None = None) -> None:
        """Snapshot the named buckets and tables (default: all listed ones)."""
        with self._lock:
            for bucket in resources.BUCKETS:
                name = physical_name(self.stage, bucket.key)
                if names is None or name in names:
                    self._snapshot_bucket(name)
            for table in resources.TABLES:
                name = physical_name(self.stage, table.key)
                if names is None or name in names:
                    self._snapshot_table(name)

    def _snapshot_bucket(self, bucket: str) -> None:
        s3 = aws.client("s3")
        folder = self.root / "s3" / bucket
        index_path = folder / "index.json"
        old = json.loads(index_path.read_text()) if index_path.exists() else {}
        new: dict[str, dict[str, Any]] = {}
        for listing in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in listing.get("Contents", []):
                key, etag = obj["Key"], obj["ETag"]
                if key in old and old[key]["etag"] == etag:
                    new[key] = old[key]
                    continue
                got = s3.get_object(Bucket=bucket, Key=key)
                name = hashlib.sha256(key.encode()).hexdigest()
                _write_atomic(folder / "objects" / name, got["Body"].read())
                new[key] = {"file": name, "etag": etag, "content_type": got.get("ContentType"),
                            "metadata": got.get("Metadata", {})}
        if new != old:
            _write_atomic(index_path, json.dumps(new, sort_keys=True).encode())
            keep = {entry["file"] for entry in new.values()}
            for entry in old.values():
                if entry["file"] not in keep:
                    (folder / "objects" / entry["file"]).unlink(missing_ok=True)

    def _snapshot_table(self, table: str) -> None:
        from moto.dynamodb.models import dynamodb_backends

        from soundmosaic_local.runtime.provision import ACCOUNT, REGION

        backend = dynamodb_backends[ACCOUNT][REGION]
        items = [_binary(item.to_json()["Attributes"], True)
                 for item in backend.get_table(table).all_items()]
        data = json.dumps(items, sort_keys=True).encode()
        digest = hashlib.sha256(data).hexdigest()
        if self._table_digests.get(table) != digest:
            _write_atomic(self.root / "dynamodb" / f"{table}.json", data)
            self._table_digests[table] = digest

    # -- restore ----------------------------------------------------------------------------

    def restore(self) -> dict[str, int]:
        """Load the last snapshot into the (empty, freshly provisioned) moto server."""
        counts = {"objects": 0, "items": 0}
        s3, ddb = aws.client("s3"), aws.client("dynamodb")
        for bucket in resources.BUCKETS:
            name = physical_name(self.stage, bucket.key)
            index_path = self.root / "s3" / name / "index.json"
            if not index_path.exists():
                continue
            for key, entry in json.loads(index_path.read_text()).items():
                body = (self.root / "s3" / name / "objects" / entry["file"]).read_bytes()
                extra = {"ContentType": entry["content_type"]} if entry.get("content_type") else {}
                s3.put_object(Bucket=name, Key=key, Body=body, Metadata=entry.get("metadata", {}),
                              **extra)
                counts["objects"] += 1
        for table in resources.TABLES:
            name = physical_name(self.stage, table.key)
            path = self.root / "dynamodb" / f"{name}.json"
            if not path.exists():
                continue
            items = json.loads(path.read_text())
            for start in range(0, len(items), 25):
                batch = [{"PutRequest": {"Item": _binary(item, False)}}
                         for item in items[start:start + 25]]
                pending: dict[str, Any] = {name: batch}
                while pending:
                    pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})
            counts["items"] += len(items)
            self._table_digests[name] = hashlib.sha256(
                json.dumps(items, sort_keys=True).encode()).hexdigest()
        return counts


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


class SnapshotLoop(threading.Thread):
    """Snapshots what the tracker saw written, at most every ``interval_s`` seconds."""

    def __init__(self, snapshotter: Snapshotter, tracker: DirtyTracker, interval_s: float) -> None:
        super().__init__(name="soundmosaic-snapshots", daemon=True)
        self.snapshotter, self.tracker, self.interval_s = snapshotter, tracker, interval_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self.flush()

    def flush(self) -> None:
        names = self.tracker.take()
        if not names:
            return
        try:
            self.snapshotter.snapshot(names)
        except Exception:
            self.tracker.mark(*names)  # try again next round
            log.exception("snapshot failed; will retry")

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)
        self.snapshotter.snapshot()  # everything, once more
