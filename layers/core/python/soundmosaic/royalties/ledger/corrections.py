"""Changing what an import left: held lines (apply, release) and corrections (reverse, re-split).

Held lines wait in ``HELD#<track>``: an unknown track's until ``apply_held`` once the track has
a provenance; a line with the same content as an earlier line of its statement until a person
``release``s it. Entries are never changed: a correction is a reversal (the exact negative of a
line's entries, once per line) and then, if wanted, a re-split of the line with its track's
current provenance (once per line). Each operation is its own audit log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from soundmosaic.platform import clock
from soundmosaic.royalties import tables
from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.ledger.errors import LedgerConflict, LedgerError, LineNotFound
from soundmosaic.royalties.ledger.posting import Posting
from soundmosaic.royalties.ledger.records import (
    APPLIED,
    DUPLICATE_CONTENT,
    HELD,
    WRITING,
    allocation,
    derived_key,
    derived_record,
)
from soundmosaic.royalties.ledger.store import LedgerStore
from soundmosaic.royalties.provenance import track_ref


@dataclass
class ApplyReport:
    applied: int = 0
    still_held: int = 0
    revenue_micros: Counter[str] = field(default_factory=Counter)
    allocated_micros: Counter[str] = field(default_factory=Counter)


class Corrections:
    def __init__(self, store: LedgerStore, posting: Posting, audit_table: str) -> None:
        self.store, self.posting, self.audit_table = store, posting, audit_table

    # -- held lines ------------------------------------------------------------------------------

    def held(self, track: str) -> list[dict[str, Any]]:
        """Line records held for ``track`` (a track id or ISRC as the statements spell it)."""
        records = (self.store.line(i["sk"]) for i in self.store.query(f"HELD#{track_ref(track)}"))
        return [r for r in records if r and r["status"] == HELD]

    def apply_held(self, track: str, actor: str) -> ApplyReport:
        """Split the lines held because ``track`` was unknown, now that it has a provenance.
        Lines held as duplicate content stay held: ``release`` them one by one after review."""
        ref = track_ref(track)
        self.posting.forget(ref)
        audit = AuditLog(self.audit_table, "apply-held", actor)
        report = ApplyReport()
        for index in self.store.query(f"HELD#{ref}"):
            record = self.store.line(index["sk"])
            if record and record["status"] == HELD and record.get("held_reason") == DUPLICATE_CONTENT:
                report.still_held += 1
                continue
            if self._apply(index, record, audit, report) == "unknown":
                report.still_held += 1
        return report

    def release(self, line_key: str, actor: str, reason: str) -> dict[str, Any]:
        """Apply one held line after review (e.g. a genuine second sale with identical content)."""
        record = self.store.line(line_key)
        if record is None:
            raise LineNotFound(line_key)
        if record["status"] != HELD:
            raise LedgerError(f"line {line_key} is {record['status']}, not held")
        audit = AuditLog(self.audit_table, "release", actor)
        audit.record("release", line_key=line_key, reason=reason)
        index = {"pk": f"HELD#{record['track']}", "sk": line_key}
        if self._apply(index, record, audit, ApplyReport()) == "unknown":
            raise LedgerError(f"line {line_key}: track {record['track']} still has no provenance")
        return self.store.line(line_key) or {}

    def _apply(self, index: dict[str, Any], record: dict[str, Any] | None, audit: AuditLog,
               report: ApplyReport) -> str:
        """Apply one held line: "applied", "unknown" (track still without provenance) or "stale"."""
        if record is None or record["status"] == APPLIED:
            self.store.delete(index["pk"], index["sk"])  # stale index: claim never made, or applied
            return "stale"
        if record["status"] == HELD:
            resolved = self.posting.resolve(record["track"])
            if resolved is None:
                return "unknown"
            applied = {**record, **allocation(resolved, record["amount_micros"],
                                             int(record["key"][:8], 16), clock.iso()),
                       "applied_by": audit.actor, "apply_id": audit.operation_id}
            audit.record("apply-held", line_key=record["key"], currency=record["currency"],
                         amount_micros=record["amount_micros"], holders=len(applied["alloc"]),
                         provenance_version=applied["provenance_version"])
            names = ("status", "track_id", "provenance_version", "provenance_by", "posted_at", "alloc",
                     "applied_by", "apply_id")
            claimed = self.store.update_if(
                f"L#{record['key']}", "L", "SET " + ", ".join(f"#{n} = :{n}" for n in names),
                "#status = :held", {f"#{n}": n for n in names},
                {**{f":{n}": tables.av(applied[n]) for n in names}, ":held": {"S": HELD}})
            if not claimed:
                current = self.store.line(record["key"])
                if current is None or current["status"] == HELD:
                    raise LedgerConflict(f"line {record['key']} changed while being applied")
                applied = current
            record = applied
        if record["status"] == WRITING:
            self.posting.finish(record)
        self.store.delete(index["pk"], index["sk"])
        report.applied += 1
        report.revenue_micros[record["currency"]] += record["amount_micros"]
        report.allocated_micros[record["currency"]] += sum(record["alloc"].values())
        return "applied"

    # -- corrections -----------------------------------------------------------------------------

    def reverse(self, line_key: str, actor: str, reason: str) -> dict[str, Any]:
        """Book the exact negative of an applied line's entries (once: reversing again is a no-op)."""
        original = self._applied(line_key)
        if original["kind"] == "reversal":
            raise LedgerError("a reversal is not reversed; re-split the line it reversed instead")
        audit = AuditLog(self.audit_table, "reverse", actor)
        now = clock.iso()
        record = derived_record(
            original, derived_key("reverse", line_key), audit, now, kind="reversal", reverses=line_key,
            reason=reason, status=WRITING, posted_at=now, track_id=original["track_id"],
            provenance_version=original["provenance_version"], provenance_by=original.get("provenance_by"),
            amount_micros=-original["amount_micros"],
            plays=-original["plays"], alloc={h: -v for h, v in original["alloc"].items()})
        return self._claim_and_finish(record, audit)

    def resplit(self, line_key: str, actor: str, reason: str) -> dict[str, Any]:
        """Split a reversed line again with its track's current provenance (once per line)."""
        original = self._applied(line_key)
        reversal = self.store.line(derived_key("reverse", line_key))
        if reversal is None or reversal["status"] != APPLIED:
            raise LedgerError(f"line {line_key} has not been reversed: reverse it before splitting it again")
        self.posting.forget(original["track"])
        resolved = self.posting.resolve(original["track"])
        if resolved is None:
            raise LedgerError(f"track {original['track']} has no provenance")
        audit = AuditLog(self.audit_table, "resplit", actor)
        now = clock.iso()
        key = derived_key("resplit", line_key)
        record = derived_record(original, key, audit, now, kind="resplit", corrects=line_key, reason=reason,
                                **allocation(resolved, original["amount_micros"], int(key[:8], 16), now))
        return self._claim_and_finish(record, audit)

    def _claim_and_finish(self, record: dict[str, Any], audit: AuditLog) -> dict[str, Any]:
        audit.record(record["kind"], line_key=record["key"],
                     of=record.get("reverses") or record.get("corrects"), currency=record["currency"],
                     amount_micros=record["amount_micros"], holders=len(record["alloc"]),
                     reason=record.get("reason"))
        if not self.store.put_if_absent(record):
            existing = self.store.line(record["key"])
            assert existing is not None
            record = existing  # done before (or half done: finish it)
        if record["status"] == WRITING:
            self.posting.finish(record)
        return self.store.line(record["key"]) or record

    def _applied(self, line_key: str) -> dict[str, Any]:
        record = self.store.line(line_key)
        if record is None:
            raise LineNotFound(line_key)
        if record["status"] != APPLIED:
            raise LedgerError(f"line {line_key} is {record['status']}, not applied")
        return record
