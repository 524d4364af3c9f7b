"""The snapshot store, and copying state out of moto's in-process backends and back in.

``SnapshotStore`` is one SQLite file (``snapshot.sqlite3``: DynamoDB items as JSON, S3 object and
multipart upload records, the journal position the snapshot covers) plus content-addressed
files for object bodies and upload parts (``blobs/``). A commit writes and fsyncs the files
first, then every row and the position in one transaction: a crash leaves the previous
snapshot whole, and at worst some unreferenced files (collected at the next start).

``capture`` copies what changed (``Dirty``) out of moto's backends; ``load_*`` put a snapshot
back in, without HTTP. Both depend on moto's models (pinned at 5.2.5): ``Table.items``,
``Item``/``DynamoType``, ``FakeBucket.keys``/``multiparts``, ``FakeKey``, ``FakeMultipart``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

_BINARY = re.compile(r'"BS?"\s*:')


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


def dynamodb_backend() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    from soundmosaic_local.runtime.provision import ACCOUNT, REGION

    return dynamodb_backends[ACCOUNT][REGION]


def s3_backend() -> Any:
    from moto.s3.models import s3_backends

    from soundmosaic_local.runtime.provision import ACCOUNT

    return s3_backends[ACCOUNT]["aws"]


def _item_json(item: Any) -> str:
    return json.dumps(_binary(item.to_json()["Attributes"], True), sort_keys=True, separators=(",", ":"))


def _object_attrs(key: Any) -> dict[str, Any]:
    backend = s3_backend()
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
    ddb = dynamodb_backend()
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
    s3 = s3_backend()
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

    table = dynamodb_backend().get_table(table_name)
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
    s3 = s3_backend()
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
    s3_backend().get_bucket(bucket).multiparts[upload_id] = upload


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
