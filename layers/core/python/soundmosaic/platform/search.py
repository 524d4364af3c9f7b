"""A per-artist search index: one snapshot object in S3, its head in DynamoDB, queried in memory.

The library's tracks and the samples room's samples are found through this index, never by a
filtered scan of their tables. One artist's index is a columnar snapshot (the rows as JSON, plus
an optional float16 vector matrix for similarity) stored under
``artists/<artist>/index/<name>/<version>-<random>.npz`` in the media bucket. Its head, a
DynamoDB item ``(artist_id, index) -> version, key`` in the search table, says which snapshot is
current. A reader does one GetItem and, when the version is the one it holds in memory, answers
from memory: postings per word (prefix matching), numpy columns for equality and range
filters, newest-first order with a cursor that is the last id returned. A writer changes the
snapshot and moves the head with a conditional update (``version = :seen``), so concurrent
writers retry instead of losing each other's changes.

Why not a word index of DynamoDB items (the catalog's design) or OpenSearch Serverless: see
docs/samples.md (figures and cost). The index is derived data: the records (the tracks table,
the samples' sidecars) stay the truth, and their rebuilds (``TrackStore.reindex``,
``samples.index.index_track``) make it again.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.s3json import ObjectMissing, S3Json

if TYPE_CHECKING:  # numpy only where a snapshot is made: zip functions import this module without it
    from soundmosaic.platform.snapshot import Snapshot

_WORD = re.compile(r"[a-z0-9]+")
_CACHED_ARTISTS = 16  # snapshots kept in memory per process (most recently used)


class StaleIndex(RuntimeError):
    """The head kept moving under a writer: too many concurrent writers for one artist."""


def words(*texts: str | None) -> list[str]:
    """Search words: accents dropped, case-folded, split on anything not a letter or digit."""
    out: list[str] = []
    for text in texts:
        if text:
            plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
            out.extend(_WORD.findall(plain))
    return out


@dataclass(frozen=True)
class Schema:
    """What an index holds: the id field (ids sort oldest to newest), the words of a row, the
    fields filtered by equality (``labels``, case-insensitive) and by range (``numbers``)."""

    name: str
    id_field: str
    words: Callable[[dict[str, Any]], Iterable[str]]
    labels: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    vector_dim: int = 0  # 0: no vectors


@dataclass
class Query:
    words: list[str] = field(default_factory=list)  # every word must prefix one of the row's
    terms: list[str] = field(default_factory=list)  # every term must be one of the row's, exactly
    equal: dict[str, str] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


class SearchIndex:
    """One schema's snapshots for every artist: read the current one, change it safely."""

    _cache: OrderedDict[tuple[str, str, str], tuple[int, Snapshot]] = OrderedDict()
    _lock = threading.Lock()

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.table = aws.resource("dynamodb").Table(resource("SEARCH_TABLE"))
        self.store = S3Json(resource("MEDIA_BUCKET"))

    def _head(self, artist_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(
            Key={"artist_id": artist_id, "index": self.schema.name}, ConsistentRead=True
        ).get("Item")
        return item

    def _load(self, artist_id: str, head: dict[str, Any] | None) -> tuple[int, Snapshot]:
        from soundmosaic.platform.snapshot import Snapshot

        if head is None:
            return 0, Snapshot(self.schema, [])
        version = int(head["version"])
        cache_key = (self.table.name, artist_id, self.schema.name)
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached and cached[0] == version:
                self._cache.move_to_end(cache_key)
                return cached
        snapshot = Snapshot.loads(self.schema, self.store.get_bytes(head["key"])).warm()
        with self._lock:
            self._cache[cache_key] = (version, snapshot)
            self._cache.move_to_end(cache_key)
            while len(self._cache) > _CACHED_ARTISTS:
                self._cache.popitem(last=False)
        return version, snapshot

    def current(self, artist_id: str) -> Snapshot:
        """The artist's index as it is now (an empty one if none was written yet)."""
        for _ in range(3):
            try:
                return self._load(artist_id, self._head(artist_id))[1]
            except ObjectMissing:
                continue  # a writer replaced the snapshot between our two reads: read the head again
        raise StaleIndex(f"the {self.schema.name} index of this artist keeps changing; try again")

    def update(
        self, artist_id: str, change: Callable[[Snapshot], Snapshot], attempts: int = 20
    ) -> Snapshot:
        """Apply ``change`` to the current snapshot and make the result current; when another
        writer moved the head first, start again from theirs."""
        for _ in range(attempts):
            head = self._head(artist_id)
            try:
                version, snapshot = self._load(artist_id, head)
            except ObjectMissing:
                continue
            new = change(snapshot)
            key = (
                f"artists/{artist_id}/index/{self.schema.name}/{version + 1:08d}-{os.urandom(4).hex()}.npz"
            )
            self.store.put_bytes(key, new.dumps(), "application/octet-stream")
            try:
                self.table.put_item(
                    Item={
                        "artist_id": artist_id,
                        "index": self.schema.name,
                        "version": version + 1,
                        "key": key,
                        "rows": len(new),
                    },
                    ConditionExpression="attribute_not_exists(version)"
                    if head is None
                    else "version = :seen",
                    **({} if head is None else {"ExpressionAttributeValues": {":seen": version}}),
                )
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                self.store.s3.delete_object(Bucket=self.store.bucket, Key=key)
                continue
            if head is not None:  # the old snapshot: readers holding its head read the head again
                self.store.s3.delete_object(Bucket=self.store.bucket, Key=head["key"])
            with self._lock:
                self._cache[(self.table.name, artist_id, self.schema.name)] = (version + 1, new.warm())
            return new
        raise StaleIndex(f"could not update the {self.schema.name} index after {attempts} tries")

    def replace(self, artist_id: str, snapshot: Snapshot) -> Snapshot:
        """Make ``snapshot`` current whatever the index held (a rebuild)."""
        return self.update(artist_id, lambda _old: snapshot)
