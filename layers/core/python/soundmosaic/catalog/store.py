"""The song catalog in DynamoDB: works with rights holders, recordings with ISRC and fingerprint.

One table (``CATALOG_TABLE``), string ``pk`` / ``sk``, on-demand, no GSI:

``W#<work id>`` / ``W``              work: title, rights holders' shares ("n/d"), holder names
``R#<recording id>`` / ``R``         recording: title, artists, ISRC, duration, work id, tokens
``I#<isrc>`` / ``R#<recording id>``  ISRC -> recording(s)
``T#<token[:2]>`` / ``<token>#<recording id>``  search index of normalised title/artist words
``FP#<shard 00-15>`` / ``<recording id>``  the raw fingerprint (binary), for the matcher

Search normalises text (NFKD, accents dropped, case-folded, punctuation to spaces) into words;
each query word matches recordings with a word that *starts* with it (``begins_with`` on the
sort key), and all query words must match (AND). An ISRC in the query is looked up directly.
``fingerprint_index`` reads the 16 fingerprint shards into a ``FingerprintIndex``.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from soundmosaic.platform import aws
from soundmosaic.royalties import tables
from soundmosaic.royalties.provenance import ProvenanceError, Work, isrc

if TYPE_CHECKING:  # the matcher's numpy only where fingerprints are read: search never needs it
    from soundmosaic.catalog.fingerprint import Fingerprint, FingerprintIndex

CATALOG = "CATALOG_TABLE"
SHARDS = 16


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if len(w) >= 2]


@dataclass(frozen=True)
class Recording:
    """A catalog recording of a work. ``fingerprint`` is None when none was taken."""

    recording_id: str
    title: str
    artists: tuple[str, ...]
    isrc: str | None
    duration_ms: int
    work: Work
    work_title: str = ""
    holder_names: Mapping[str, str] = field(default_factory=dict)
    fingerprint: Fingerprint | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.isrc is not None:
            normal = isrc(self.isrc)
            if not normal:
                raise ProvenanceError(f"isrc {self.isrc!r} is not an ISRC")
            object.__setattr__(self, "isrc", normal)
        object.__setattr__(self, "artists", tuple(self.artists))
        if not self.title.strip():
            raise ProvenanceError(f"recording {self.recording_id} has no title")

    def shares(self) -> dict[str, Fraction]:
        return {h: Fraction(s) for h, s in self.work.holders.items()}


def _shard(recording_id: str) -> str:
    return f"FP#{zlib.crc32(recording_id.encode()) % SHARDS:02d}"


class CatalogStore:
    """Works and recordings in the catalog table (name given, else ``$CATALOG_TABLE``)."""

    def __init__(self, table_name: str | None = None) -> None:
        self.table = tables.name(CATALOG, table_name)
        self._ddb = aws.client("dynamodb")

    # -- writes --------------------------------------------------------------------------------

    def put(self, recording: Recording) -> None:
        """Insert or replace a recording and its work; stale search entries are removed."""
        old = self._raw(recording.recording_id)
        rec_id, work = recording.recording_id, recording.work
        tokens = sorted(set(words(recording.title)) | {w for a in recording.artists for w in words(a)})
        puts: list[dict[str, Any]] = [
            tables.item({"pk": f"W#{work.work_id}", "sk": "W",
                         "title": recording.work_title or recording.title,
                         "holders": {h: str(s) for h, s in sorted(work.holders.items())},
                         "holder_names": dict(recording.holder_names)}),
            tables.item({"pk": f"R#{rec_id}", "sk": "R", "title": recording.title,
                         "artists": list(recording.artists), "isrc": recording.isrc,
                         "duration_ms": recording.duration_ms, "work_id": work.work_id, "tokens": tokens}),
        ]
        puts += [tables.item({"pk": f"T#{t[:2]}", "sk": f"{t}#{rec_id}"}) for t in tokens]
        if recording.isrc:
            puts.append(tables.item({"pk": f"I#{recording.isrc}", "sk": f"R#{rec_id}"}))
        if recording.fingerprint is not None:
            fp = recording.fingerprint
            item = tables.item({"pk": _shard(rec_id), "sk": rec_id, "duration_ms": round(fp.duration * 1000)})
            puts.append({**item, "fp": {"B": fp.to_bytes()}})
        deletes: list[dict[str, Any]] = []
        if old:
            deletes += [tables.key(f"T#{t[:2]}", f"{t}#{rec_id}")
                        for t in old.get("tokens", []) if t not in tokens]
            if old.get("isrc") and old["isrc"] != recording.isrc:
                deletes.append(tables.key(f"I#{old['isrc']}", f"R#{rec_id}"))
        requests = [{"PutRequest": {"Item": p}} for p in puts]
        requests += [{"DeleteRequest": {"Key": k}} for k in deletes]
        for start in range(0, len(requests), 25):
            self._batch_write(requests[start:start + 25])

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        pending = {self.table: requests}
        for _ in range(8):
            pending = self._ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
        raise RuntimeError(f"catalog write to {self.table}: items left unprocessed")

    # -- reads ---------------------------------------------------------------------------------

    def _raw(self, recording_id: str) -> dict[str, Any] | None:
        found = self._ddb.get_item(TableName=self.table, Key=tables.key(f"R#{recording_id}", "R")).get("Item")
        return tables.values(found) if found else None

    def work(self, work_id: str) -> Work | None:
        """A work with its rights holders' shares, as the catalog holds it now."""
        found = self._ddb.get_item(TableName=self.table, Key=tables.key(f"W#{work_id}", "W"),
                                   ConsistentRead=True).get("Item")
        return Work(work_id, tables.values(found)["holders"]) if found else None

    def get(self, recording_id: str) -> Recording | None:
        found = self.get_many([recording_id])
        return found[0] if found else None

    def get_many(self, recording_ids: Sequence[str]) -> list[Recording]:
        """Recordings (with their works, without fingerprints) in the order asked; unknown ids skipped."""
        recs = self._batch_get([tables.key(f"R#{r}", "R") for r in dict.fromkeys(recording_ids)])
        work_ids = {r["work_id"] for r in recs.values()}
        works = self._batch_get([tables.key(f"W#{w}", "W") for w in sorted(work_ids)])
        out = []
        for rid in dict.fromkeys(recording_ids):
            raw = recs.get(f"R#{rid}")
            if raw is None:
                continue
            work = works[f"W#{raw['work_id']}"]
            out.append(Recording(rid, raw["title"], tuple(raw.get("artists", [])), raw.get("isrc"),
                                 int(raw["duration_ms"]), Work(raw["work_id"], dict(work["holders"])),
                                 work.get("title", ""), dict(work.get("holder_names", {}))))
        return out

    def _batch_get(self, keys: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {self.table: {"Keys": keys[start:start + 100]}}
            while pending:
                reply = self._ddb.batch_get_item(RequestItems=pending)
                for raw in reply["Responses"].get(self.table, []):
                    found[raw["pk"]["S"]] = tables.values(raw)
                pending = reply.get("UnprocessedKeys") or {}
        return found

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            page = {"ExclusiveStartKey": start} if start else {}
            reply = self._ddb.query(TableName=self.table, **kwargs, **page)
            yield from reply["Items"]
            start = reply.get("LastEvaluatedKey")
            if not start:
                return

    def by_isrc(self, code: str) -> list[Recording]:
        normal = isrc(code)
        if not normal:
            return []
        items = self._query(KeyConditionExpression="pk = :pk",
                            ExpressionAttributeValues={":pk": {"S": f"I#{normal}"}})
        return self.get_many([i["sk"]["S"].removeprefix("R#") for i in items])

    def _word(self, word: str) -> set[str]:
        items = self._query(KeyConditionExpression="pk = :pk AND begins_with(sk, :w)",
                            ExpressionAttributeValues={":pk": {"S": f"T#{word[:2]}"}, ":w": {"S": word}})
        return {i["sk"]["S"].split("#", 1)[1] for i in items}

    def search(self, text: str, limit: int = 20) -> list[Recording]:
        """Recordings whose title/artist words start with every query word, or with the ISRC given."""
        code = isrc(text)
        if code:
            return self.by_isrc(code)[:limit]
        query = words(text)
        if not query:
            return []
        ids: set[str] | None = None
        for word in query:
            ids = self._word(word) if ids is None else ids & self._word(word)
            if not ids:
                return []
        assert ids is not None
        wanted = normalise(text)
        found = self.get_many(sorted(ids))
        found.sort(key=lambda r: (normalise(r.title) != wanted, not normalise(r.title).startswith(wanted),
                                  normalise(r.title), r.recording_id))
        return found[:limit]

    def fingerprints(self) -> Iterator[tuple[str, Fingerprint]]:
        from soundmosaic.catalog.fingerprint import Fingerprint

        for shard in range(SHARDS):
            for raw in self._query(KeyConditionExpression="pk = :pk",
                                   ExpressionAttributeValues={":pk": {"S": f"FP#{shard:02d}"}}):
                data = raw["fp"]["B"]
                yield raw["sk"]["S"], Fingerprint.from_bytes(bytes(data), int(raw["duration_ms"]["N"]) / 1000)

    def fingerprint_index(self) -> FingerprintIndex:
        from soundmosaic.catalog.fingerprint import FingerprintIndex

        index = FingerprintIndex()
        for recording_id, fp in self.fingerprints():
            index.add(recording_id, fp.values)
        return index.build()
