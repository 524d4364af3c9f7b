"""What the ledger writes, as plain dicts computed from a statement line and its split (no I/O).

Keys: a line's claim is ``L#<key>``/``L``; its entries ``H#<holder>``/``E#<period>#<key>``, one
per holder; its allocation (the track's split view) ``T#<track>``/``A#<period>#<key>``. A claim
fixes everything written after it: ``entry_items`` and ``allocation_item`` depend on it alone,
which is what makes a half-written line safe to finish later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.provenance import Provenance
from soundmosaic.royalties.split import Splitter
from soundmosaic.royalties.statements import StatementLine

WRITING, APPLIED, HELD = "writing", "applied", "held"
UNKNOWN_TRACK, DUPLICATE_CONTENT = "unknown_track", "duplicate_content"
LINE_FIELDS = ("source", "line_no", "line_id", "track", "territory", "store", "period", "plays",
               "amount_micros", "currency", "content_hash")

Resolved = tuple[Provenance, Splitter]


def derived_key(kind: str, line_key: str) -> str:
    """Key of a line derived from another (its reversal, its re-split): one per kind and line."""
    return hashlib.sha256(f"v1\x1f{kind}\x1f{line_key}".encode()).hexdigest()[:32]


def line_record(line: StatementLine, resolved: Resolved | None, operation_id: str, actor: str,
                now: str) -> dict[str, Any]:
    """The claim of a new statement line: held if its track is unknown, else with its split."""
    record: dict[str, Any] = {
        "pk": f"L#{line.key}", "sk": "L", "key": line.key, "kind": "statement",
        **{name: getattr(line, name) for name in LINE_FIELDS},
        "import_id": operation_id, "claimed_by": actor, "claimed_at": now,
    }
    if resolved is None:
        return {**record, "status": HELD, "held_reason": UNKNOWN_TRACK}
    return {**record, **allocation(resolved, line.amount_micros, line.seed, now)}


def derived_record(original: dict[str, Any], key: str, audit: AuditLog, now: str,
                   **changes: Any) -> dict[str, Any]:
    """A new line record (reversal, re-split) of the same statement line as ``original``."""
    return {**{name: original.get(name) for name in LINE_FIELDS}, "pk": f"L#{key}", "sk": "L", "key": key,
            "import_id": audit.operation_id, "claimed_by": audit.actor, "claimed_at": now, **changes}


def allocation(resolved: Resolved, amount_micros: int, seed: int, now: str) -> dict[str, Any]:
    provenance, splitter = resolved
    return {"status": WRITING, "track_id": provenance.track_id, "provenance_version": provenance.version,
            "provenance_by": provenance.recorded_by, "posted_at": now,
            "alloc": splitter.split(amount_micros, seed)}


def entry_items(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The ledger entries of a claimed line, one per holder: determined by the claim alone."""
    key, period = record["key"], record["period"]
    common = {name: record.get(name) for name in (
        "period", "currency", "track_id", "store", "territory", "plays", "kind", "source",
        "import_id", "posted_at", "provenance_version", "provenance_by", "reverses", "corrects")}
    for holder, micros in record["alloc"].items():
        yield {"pk": f"H#{holder}", "sk": f"E#{period}#{key}", "holder": holder,
               "amount_micros": micros, "line_key": key, **common}


def allocation_item(record: dict[str, Any]) -> dict[str, Any]:
    return {"pk": f"T#{record['track_id']}", "sk": f"A#{record['period']}#{record['key']}",
            "line_key": record["key"], "alloc": record["alloc"],
            **{name: record.get(name) for name in ("track_id", "period", "currency", "amount_micros",
                                                    "plays", "store", "territory", "kind", "posted_at",
                                                    "provenance_by")}}


def classify(line: StatementLine, existing: dict[str, Any]) -> str:
    """What a line whose key is already claimed is: duplicate, conflict, or to be finished."""
    if existing.get("content_hash") != line.content_hash:
        return "conflict"
    return "resume" if existing["status"] == WRITING else "duplicate"
