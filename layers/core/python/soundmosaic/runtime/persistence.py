"""Durable local state: moto keeps everything in memory, this keeps it on disk.

Design
------
- A WSGI wrapper around the moto server flags the state dirty on every S3 or DynamoDB write.
- A background thread snapshots dirty state every ``interval_s`` seconds (default 2), and the
  stack snapshots once more on a graceful stop. A crash (kill -9) loses at most the writes of
  the last interval.
- S3: one file per object (named by a hash of the key) plus an index per bucket with the key,
  ETag, content type and user metadata. Snapshots are incremental: only objects whose ETag
  changed are read back from moto and written.
- DynamoDB: one JSON file per table with every item in DynamoDB's own JSON, written only when
  the content changed.
- Every file is written to a temporary name and renamed into place, so a crash mid-snapshot
  leaves the previous complete snapshot, never half a file. Index files are replaced after the
  object files they point at.
- Restore runs before bucket notifications exist, so restored uploads raise no events again.
SQS messages and running Step Functions executions are not kept; the stack re-drives
unfinished jobs from their durable records after a restart (see ``stack.resume_jobs``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from soundmosaic.platform import aws, catalogue
from soundmosaic.platform.catalogue import physical_name

log = logging.getLogger(__name__)

_DYNAMO_READS = ("GetItem", "Query", "Scan", "BatchGetItem", "Describe", "List", "TransactGet")


class DirtyTracker:
    """WSGI middleware: remembers that S3 or DynamoDB state changed since the last snapshot."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.dirty = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _is_write(environ):
            self.dirty.set()
        return self.app(environ, start_response)


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

    def snapshot(self) -> None:
        with self._lock:
            for bucket in catalogue.BUCKETS:
                self._snapshot_bucket(physical_name(self.stage, bucket.key))
            for table in catalogue.TABLES:
                self._snapshot_table(physical_name(self.stage, table.key))

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
        ddb = aws.client("dynamodb")
        items: list[dict[str, Any]] = []
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            items.extend(page["Items"])
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
        for bucket in catalogue.BUCKETS:
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
        for table in catalogue.TABLES:
            name = physical_name(self.stage, table.key)
            path = self.root / "dynamodb" / f"{name}.json"
            if not path.exists():
                continue
            items = json.loads(path.read_text())
            for start in range(0, len(items), 25):
                batch = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
                pending: dict[str, Any] = {name: batch}
                while pending:
                    pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})
            counts["items"] += len(items)
            self._table_digests[name] = hashlib.sha256(
                json.dumps(items, sort_keys=True).encode()).hexdigest()
        return counts


class SnapshotLoop(threading.Thread):
    """Snapshots whenever the tracker saw a write, at most every ``interval_s`` seconds."""

    def __init__(self, snapshotter: Snapshotter, tracker: DirtyTracker, interval_s: float) -> None:
        super().__init__(name="soundmosaic-snapshots", daemon=True)
        self.snapshotter, self.tracker, self.interval_s = snapshotter, tracker, interval_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self.flush()

    def flush(self) -> None:
        if self.tracker.dirty.is_set():
            self.tracker.dirty.clear()
            try:
                self.snapshotter.snapshot()
            except Exception:
                self.tracker.dirty.set()  # try again next round
                log.exception("snapshot failed; will retry")

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)
        self.tracker.dirty.set()
        self.flush()
