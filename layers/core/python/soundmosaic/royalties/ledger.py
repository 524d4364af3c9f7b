"""The royalty ledger in DynamoDB: append-only entries, idempotent per statement line.

Each statement line is claimed once under its key (``L#<key>``, put only if absent), then split
among the track's rights holders (``split.Splitter`` over ``Provenance.holder_weights``) into
one entry per holder (``H#<holder>`` / ``E#<period>#<key>``, put only if absent), plus the
line's allocation for the track's split view; then the claim is marked ``applied``.

Why conditional puts and no transactions: a line has as many entries as its track has holders
(tens; a large training catalog can make it hundreds), past the 100-item transaction limit, and
moto (the local runtime) copies a whole table per transactional item. So the claim is the unit
of idempotency: it stores the allocation before any entry is written, entries are fully
determined by the claim, and a line left ``writing`` by a crash is finished by the next import
or ``apply_held`` (an entry already there must be identical, else ``LedgerConflict``). A second
import of a line finds the claim: ``duplicate`` if the content matches, a reported *conflict*
if not. Entries of a line that is still ``writing`` are visible to readers until it is finished.

Nothing is lost: every parsed line ends as imported, duplicate, held or error (each error kept
with its line number and text under the import), and the counts add up to the lines read.
Held lines (unknown track; same content as an earlier line of the statement) wait in
``HELD#<track>`` until ``apply_held`` or ``release``. Corrections are reversing entries
(``reverse``), and a line can then be split again with the current provenance (``resplit``).
Amounts are integer micros per currency (see ``money``); currencies are never mixed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soundmosaic.platform import aws, clock
from soundmosaic.royalties import statements, tables
from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.provenance import Provenance, track_ref
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic.royalties.split import Splitter
from soundmosaic.royalties.statements import LineError, StatementFormatError, StatementLine

CHUNK = 100  # lines per claim lookup (BatchGetItem reads at most 100 keys) and audit record
WRITING, APPLIED, HELD = "writing", "applied", "held"
UNKNOWN_TRACK, DUPLICATE_CONTENT = "unknown_track", "duplicate_content"
_LINE_FIELDS = ("source", "line_no", "line_id", "track", "territory", "store", "period", "plays",
                "amount_micros", "currency", "content_hash")


class LedgerError(RuntimeError):
    pass


class LedgerConflict(LedgerError):
    """An item the ledger would write exists with different content."""


class ImportRefused(LedgerError):
    known_source: str | None = None


class LineNotFound(LookupError):
    pass


Resolved = tuple[Provenance, Splitter]


def derived_key(kind: str, line_key: str) -> str:
    """Key of a line derived from another (its reversal, its re-split): one per kind and line."""
    return hashlib.sha256(f"v1\x1f{kind}\x1f{line_key}".encode()).hexdigest()[:32]


def line_record(line: StatementLine, resolved: Resolved | None, operation_id: str, actor: str,
                now: str) -> dict[str, Any]:
    """The claim of a new statement line: held if its track is unknown, else with its split."""
    record: dict[str, Any] = {
        "pk": f"L#{line.key}", "sk": "L", "key": line.key, "kind": "statement",
        **{name: getattr(line, name) for name in _LINE_FIELDS},
        "import_id": operation_id, "claimed_by": actor, "claimed_at": now,
    }
    if resolved is None:
        return {**record, "status": HELD, "held_reason": UNKNOWN_TRACK}
    return {**record, **allocation(resolved, line.amount_micros, line.seed, now)}


def allocation(resolved: Resolved, amount_micros: int, seed: int, now: str) -> dict[str, Any]:
    provenance, splitter = resolved
    return {"status": WRITING, "track_id": provenance.track_id, "provenance_version": provenance.version,
            "posted_at": now, "alloc": splitter.split(amount_micros, seed)}


def entry_items(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The ledger entries of a claimed line, one per holder: determined by the claim alone."""
    key, period = record["key"], record["period"]
    common = {name: record.get(name) for name in (
        "period", "currency", "track_id", "store", "territory", "plays", "kind", "source",
        "import_id", "posted_at", "provenance_version", "reverses", "corrects")}
    for holder, micros in record["alloc"].items():
        yield {"pk": f"H#{holder}", "sk": f"E#{period}#{key}", "holder": holder,
               "amount_micros": micros, "line_key": key, **common}


def allocation_item(record: dict[str, Any]) -> dict[str, Any]:
    return {"pk": f"T#{record['track_id']}", "sk": f"A#{record['period']}#{record['key']}",
            "line_key": record["key"], "alloc": record["alloc"],
            **{name: record.get(name) for name in ("track_id", "period", "currency", "amount_micros",
                                                    "plays", "store", "territory", "kind", "posted_at")}}


@dataclass
class ImportReport:
    import_id: str
    source: str
    actor: str
    fingerprint: str | None = None
    status: str = "running"
    reason: str | None = None
    lines: int = 0
    imported: int = 0
    resumed: int = 0
    duplicates: int = 0
    held: int = 0
    errors: int = 0
    conflicts: int = 0
    revenue_micros: Counter[str] = field(default_factory=Counter)  # of lines imported now
    allocated_micros: Counter[str] = field(default_factory=Counter)  # their entries' sum
    held_micros: Counter[str] = field(default_factory=Counter)
    held_tracks: set[str] = field(default_factory=set)
    error_samples: list[LineError] = field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        """Entries written sum to the revenue of the lines imported, per currency, to the micro."""
        return _nonzero(self.revenue_micros) == _nonzero(self.allocated_micros)

    @property
    def accounted(self) -> bool:
        """Every line read ended in exactly one outcome."""
        return self.lines == self.imported + self.duplicates + self.held + self.errors

    def error(self, err: LineError) -> None:
        """A line read and rejected."""
        self.lines += 1
        self.errors += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(err)

    def summary(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id, "source": self.source, "actor": self.actor,
            "fingerprint": self.fingerprint, "status": self.status, "reason": self.reason,
            "lines": self.lines, "imported": self.imported, "resumed": self.resumed,
            "duplicates": self.duplicates, "held": self.held, "errors": self.errors,
            "conflicts": self.conflicts, "reconciled": self.reconciled,
            "revenue_micros": dict(self.revenue_micros), "allocated_micros": dict(self.allocated_micros),
            "held_micros": dict(self.held_micros), "held_tracks": sorted(self.held_tracks)[:100],
            "error_samples": [{"line_no": e.line_no, "reason": e.reason} for e in self.error_samples],
        }


@dataclass
class ApplyReport:
    applied: int = 0
    still_held: int = 0
    revenue_micros: Counter[str] = field(default_factory=Counter)
    allocated_micros: Counter[str] = field(default_factory=Counter)


class Ledger:
    """The ledger, audit and held lines of the royalty tables (names from the catalogue by default)."""

    def __init__(self, ledger_table: str | None = None, audit_table: str | None = None,
                 provenance: ProvenanceStore | None = None, workers: int = 1) -> None:
        """``workers`` > 1 writes a line's entries concurrently: each is its own conditional put,
        so in AWS the requests, not the CPU, bound an import (moto gains nothing from it)."""
        self.table = tables.name(tables.LEDGER, ledger_table)
        self.audit_table = tables.name(tables.AUDIT, audit_table)
        self.provenance = provenance or ProvenanceStore(audit_table=self.audit_table)
        self._ddb = aws.client("dynamodb")
        self._resolved: dict[str, Resolved | None] = {}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="ledger") if workers > 1 else None

    # -- import --------------------------------------------------------------------------------

    def import_file(self, path: Path, actor: str, source: str | None = None,
                    fmt: str | None = None) -> ImportReport:
        """Import a statement file. The same bytes under another ``source`` are refused: that
        would count the statement twice. The same file and source again changes nothing."""
        path = Path(path)
        source = statements.check_source(source or path.name)
        digest = statements.fingerprint(path)
        audit = AuditLog(self.audit_table, "import", actor)
        self.register_file(digest, source, audit.operation_id, path.name)
        return self.import_lines(statements.read_file(path, source, fmt), source=source, actor=actor,
                                 fingerprint=digest, audit=audit)

    def register_file(self, digest: str, source: str, import_id: str, name: str = "the file") -> None:
        """Note that the file with sha256 ``digest`` is statement ``source``; the same bytes under
        another source are ``ImportRefused`` (its ``known_source`` says which statement they were)."""
        try:
            self._ddb.update_item(
                TableName=self.table, Key=tables.key(f"F#{digest}", "F"),
                UpdateExpression="SET #s = if_not_exists(#s, :s), "
                                 "first_import = if_not_exists(first_import, :i), last_import = :i",
                ConditionExpression="attribute_not_exists(pk) OR #s = :s",
                ExpressionAttributeNames={"#s": "source"},
                ExpressionAttributeValues={":s": {"S": source}, ":i": {"S": import_id}},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException as err:
            known = self._get(f"F#{digest}", "F") or {}
            refused = ImportRefused(
                f"{name} (sha256 {digest[:12]}) was imported as statement {known.get('source')!r} "
                f"(import {known.get('first_import')}); importing it as {source!r} would count it twice")
            refused.known_source = known.get("source")
            raise refused from err

    def import_lines(self, parsed: Iterable[StatementLine | LineError], source: str, actor: str,
                     fingerprint: str | None = None, audit: AuditLog | None = None) -> ImportReport:
        """Import parsed lines (``statements.parse``) in chunks; returns what happened to each."""
        audit = audit or AuditLog(self.audit_table, "import", actor)
        report = ImportReport(audit.operation_id, source, actor, fingerprint)
        self._resolved.clear()  # each import splits with the provenance current when it starts
        self._put_summary(report)
        errors = _ErrorWriter(self, report.import_id)
        chunk: list[StatementLine] = []
        chunks = 0
        try:
            for parsed_line in parsed:
                if isinstance(parsed_line, LineError):
                    report.error(parsed_line)
                    errors.add(parsed_line.line_no, parsed_line.reason, parsed_line.raw)
                    continue
                chunk.append(parsed_line)
                if len(chunk) == CHUNK:
                    self._import_chunk(chunk, audit, report, errors)
                    chunk, chunks = [], chunks + 1
                    if chunks % 50 == 0:
                        self._put_summary(report)  # progress for the API and the SPA
            if chunk:
                self._import_chunk(chunk, audit, report, errors)
            report.status = "succeeded"
        except StatementFormatError as err:
            report.status, report.reason = "failed", str(err)
        except Exception as err:  # a crash: what was written is resumed by importing again
            report.status, report.reason = "failed", f"{type(err).__name__}: {err}"[:1000]
            raise
        finally:
            errors.flush()
            self._put_summary(report)
        return report

    def _import_chunk(self, lines: list[StatementLine], audit: AuditLog, report: ImportReport,
                      errors: _ErrorWriter) -> None:
        found = self._lines({line.key for line in lines})
        now = clock.iso()
        plans: list[tuple[StatementLine, str, dict[str, Any]]] = []
        for line in lines:
            existing = found.get(line.key)
            if existing is not None:
                plans.append((line, _classify(line, existing), existing))
            else:
                record = line_record(line, self._resolve(line.track), audit.operation_id, audit.actor, now)
                plans.append((line, "new", record))
        audit.record("write-lines", lines=[
            {"key": line.key, "line_no": line.line_no, "plan": plan, "status": record["status"],
             "currency": line.currency, "amount_micros": line.amount_micros,
             "holders": len(record.get("alloc") or ())}
            for line, plan, record in plans if plan in ("new", "resume")])
        outcomes: Counter[str] = Counter()
        for line, plan, record in plans:
            if plan == "new":
                plan, record = self._write_new(line, record)
            elif plan == "resume":
                self._finish(record)
            outcomes[plan] += 1
            if plan == "conflict":
                reason = (f"conflict: this line's key was imported before with different content "
                          f"(import {record.get('import_id')}, line {record.get('line_no')}); "
                          "correct it with a reversal and a new statement line")
                report.conflicts += 1
                report.error(LineError(line.source, line.line_no, reason, ""))
                errors.add(line.line_no, reason, "")
                continue
            report.lines += 1
            if plan in ("new", "resume"):
                report.imported += 1
                report.resumed += plan == "resume"
                report.revenue_micros[line.currency] += line.amount_micros
                report.allocated_micros[record["currency"]] += sum(record["alloc"].values())
            elif plan == "held":
                report.held += 1
                report.held_micros[line.currency] += line.amount_micros
                report.held_tracks.add(line.track)
            else:
                report.duplicates += 1
        audit.record("wrote-lines", outcomes=dict(outcomes), first_line=lines[0].line_no,
                     last_line=lines[-1].line_no)

    def _write_new(self, line: StatementLine, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Claim and write one new line; returns (outcome, the line record that now stands)."""
        if line.line_id is None:
            first = self._first_with_content(record)
            if first != record["key"]:
                record = {**record, "status": HELD, "held_reason": DUPLICATE_CONTENT, "duplicate_of": first,
                          "alloc": None, "track_id": None, "provenance_version": None, "posted_at": None}
        if record["status"] == HELD:
            # Index first: a crash before the claim leaves an index entry apply_held skips.
            self._put_plain({"pk": f"HELD#{record['track']}", "sk": record["key"],
                             "reason": record["held_reason"], "held_at": record["claimed_at"]})
        if not self._put_if_absent(record):
            existing = self._line(record["key"])
            assert existing is not None, "the claim exists: its put just failed"
            plan = _classify(line, existing)
            if plan == "resume":
                self._finish(existing)
            return plan, existing
        if record["status"] == WRITING:
            self._finish(record)
            return "new", record
        return "held", record

    def _first_with_content(self, record: dict[str, Any]) -> str:
        """Key of the first line of this statement with this content (this line if it is first)."""
        index = {"pk": f"C#{record['source']}#{record['content_hash']}", "sk": "C", "line_key": record["key"],
                 "line_no": record["line_no"]}
        if self._put_if_absent(index):
            return str(record["key"])
        existing = self._get(index["pk"], "C")
        assert existing is not None
        return str(existing["line_key"])

    def _finish(self, record: dict[str, Any]) -> None:
        """Write a claimed line's entries and allocation, then mark it applied (safe to repeat)."""
        if self._pool is not None:
            list(self._pool.map(self._put_same, entry_items(record)))  # raises the first failure
        else:
            for entry in entry_items(record):
                self._put_same(entry)
        self._put_same(allocation_item(record))
        try:
            self._ddb.update_item(
                TableName=self.table, Key=tables.key(f"L#{record['key']}", "L"),
                UpdateExpression="SET #s = :applied, applied_at = :now",
                ConditionExpression="#s = :writing", ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":applied": {"S": APPLIED}, ":writing": {"S": WRITING},
                                           ":now": {"S": clock.iso()}},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            current = self._line(record["key"])
            if not current or current["status"] != APPLIED:
                raise LedgerConflict(f"line {record['key']} could not be marked applied") from None

    # -- held lines ------------------------------------------------------------------------------

    def held(self, track: str) -> list[dict[str, Any]]:
        """Line records held for ``track`` (a track id or ISRC as the statements spell it)."""
        records = (self._line(i["sk"]) for i in self._query(f"HELD#{track_ref(track)}"))
        return [r for r in records if r and r["status"] == HELD]

    def apply_held(self, track: str, actor: str) -> ApplyReport:
        """Split the lines held because ``track`` was unknown, now that it has a provenance.
        Lines held as duplicate content stay held: ``release`` them one by one after review."""
        ref = track_ref(track)
        self._resolved.pop(ref, None)
        audit = AuditLog(self.audit_table, "apply-held", actor)
        report = ApplyReport()
        for index in self._query(f"HELD#{ref}"):
            record = self._line(index["sk"])
            if record and record["status"] == HELD and record.get("held_reason") == DUPLICATE_CONTENT:
                report.still_held += 1
                continue
            if self._apply(index, record, audit, report) == "unknown":
                report.still_held += 1
        return report

    def release(self, line_key: str, actor: str, reason: str) -> dict[str, Any]:
        """Apply one held line after review (e.g. a genuine second sale with identical content)."""
        record = self._line(line_key)
        if record is None:
            raise LineNotFound(line_key)
        if record["status"] != HELD:
            raise LedgerError(f"line {line_key} is {record['status']}, not held")
        audit = AuditLog(self.audit_table, "release", actor)
        audit.record("release", line_key=line_key, reason=reason)
        index = {"pk": f"HELD#{record['track']}", "sk": line_key}
        if self._apply(index, record, audit, ApplyReport()) == "unknown":
            raise LedgerError(f"line {line_key}: track {record['track']} still has no provenance")
        return self._line(line_key) or {}

    def _apply(self, index: dict[str, Any], record: dict[str, Any] | None, audit: AuditLog,
               report: ApplyReport) -> str:
        """Apply one held line: "applied", "unknown" (track still without provenance) or "stale"."""
        if record is None or record["status"] == APPLIED:
            self._delete(index["pk"], index["sk"])  # stale index: claim never made, or applied
            return "stale"
        if record["status"] == HELD:
            resolved = self._resolve(record["track"])
            if resolved is None:
                return "unknown"
            applied = {**record, **allocation(resolved, record["amount_micros"],
                                             int(record["key"][:8], 16), clock.iso()),
                       "applied_by": audit.actor, "apply_id": audit.operation_id}
            audit.record("apply-held", line_key=record["key"], currency=record["currency"],
                         amount_micros=record["amount_micros"], holders=len(applied["alloc"]),
                         provenance_version=applied["provenance_version"])
            names = ("status", "track_id", "provenance_version", "posted_at", "alloc", "applied_by",
                     "apply_id")
            try:
                self._ddb.update_item(
                    TableName=self.table, Key=tables.key(f"L#{record['key']}", "L"),
                    UpdateExpression="SET " + ", ".join(f"#{n} = :{n}" for n in names),
                    ConditionExpression="#status = :held",
                    ExpressionAttributeNames={f"#{n}": n for n in names},
                    ExpressionAttributeValues={**{f":{n}": tables.av(applied[n]) for n in names},
                                               ":held": {"S": HELD}},
                )
            except self._ddb.exceptions.ConditionalCheckFailedException:
                current = self._line(record["key"])
                if current is None or current["status"] == HELD:
                    raise LedgerConflict(f"line {record['key']} changed while being applied") from None
                applied = current
            record = applied
        if record["status"] == WRITING:
            self._finish(record)
        self._delete(index["pk"], index["sk"])
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
        record = _derived(original, derived_key("reverse", line_key), audit, now, kind="reversal",
                          reverses=line_key, reason=reason, status=WRITING, posted_at=now,
                          track_id=original["track_id"], provenance_version=original["provenance_version"],
                          amount_micros=-original["amount_micros"], plays=-original["plays"],
                          alloc={h: -v for h, v in original["alloc"].items()})
        return self._claim_and_finish(record, audit)

    def resplit(self, line_key: str, actor: str, reason: str) -> dict[str, Any]:
        """Split a reversed line again with its track's current provenance (once per line)."""
        original = self._applied(line_key)
        reversal = self._line(derived_key("reverse", line_key))
        if reversal is None or reversal["status"] != APPLIED:
            raise LedgerError(f"line {line_key} has not been reversed: reverse it before splitting it again")
        self._resolved.pop(original["track"], None)
        resolved = self._resolve(original["track"])
        if resolved is None:
            raise LedgerError(f"track {original['track']} has no provenance")
        audit = AuditLog(self.audit_table, "resplit", actor)
        now = clock.iso()
        key = derived_key("resplit", line_key)
        record = _derived(original, key, audit, now, kind="resplit", corrects=line_key, reason=reason,
                          **allocation(resolved, original["amount_micros"], int(key[:8], 16), now))
        return self._claim_and_finish(record, audit)

    def _claim_and_finish(self, record: dict[str, Any], audit: AuditLog) -> dict[str, Any]:
        audit.record(record["kind"], line_key=record["key"],
                     of=record.get("reverses") or record.get("corrects"), currency=record["currency"],
                     amount_micros=record["amount_micros"], holders=len(record["alloc"]),
                     reason=record.get("reason"))
        if not self._put_if_absent(record):
            existing = self._line(record["key"])
            assert existing is not None
            record = existing  # done before (or half done: finish it)
        if record["status"] == WRITING:
            self._finish(record)
        return self._line(record["key"]) or record

    def _applied(self, line_key: str) -> dict[str, Any]:
        record = self._line(line_key)
        if record is None:
            raise LineNotFound(line_key)
        if record["status"] != APPLIED:
            raise LedgerError(f"line {line_key} is {record['status']}, not applied")
        return record

    # -- reads -----------------------------------------------------------------------------------

    def line(self, line_key: str) -> dict[str, Any] | None:
        return self._line(line_key)

    def entries(self, holder: str, period_from: str = "0000-00",
                period_to: str = "9999-99") -> Iterator[dict[str, Any]]:
        """A holder's entries with sales periods in ``[period_from, period_to]``, period order."""
        return self._query(f"H#{holder}", f"E#{period_from}", f"E#{period_to}#~")

    def allocations(self, track_id: str, period_from: str = "0000-00",
                    period_to: str = "9999-99") -> Iterator[dict[str, Any]]:
        """Every line's split for a generated track, period order."""
        return self._query(f"T#{track_id}", f"A#{period_from}", f"A#{period_to}#~")

    def import_summary(self, import_id: str) -> dict[str, Any] | None:
        return self._get(f"I#{import_id}", "SUMMARY")

    def import_errors(self, import_id: str) -> list[dict[str, Any]]:
        return list(self._query(f"I#{import_id}", "ERR#", "ERR#~"))

    # -- DynamoDB --------------------------------------------------------------------------------

    def _resolve(self, track: str) -> Resolved | None:
        if track not in self._resolved:
            provenance = self.provenance.latest(track)
            if len(self._resolved) > 50_000:
                self._resolved.clear()
            self._resolved[track] = ((provenance, Splitter(provenance.holder_weights()))
                                     if provenance else None)
        return self._resolved[track]

    def _put_if_absent(self, values: dict[str, Any]) -> bool:
        try:
            self._ddb.put_item(TableName=self.table, Item=tables.item(values),
                               ConditionExpression="attribute_not_exists(pk)")
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _put_same(self, values: dict[str, Any]) -> None:
        """Put if absent; an item already there must be the same (a finished line resumed)."""
        if self._put_if_absent(values):
            return
        existing = self._get(values["pk"], values["sk"])
        wanted = {k: v for k, v in values.items() if v is not None}
        if existing != wanted:
            raise LedgerConflict(f"{values['pk']} {values['sk']} exists with different content")

    def _put_plain(self, values: dict[str, Any]) -> None:
        self._ddb.put_item(TableName=self.table, Item=tables.item(values))

    def _put_summary(self, report: ImportReport) -> None:
        self._put_plain({"pk": f"I#{report.import_id}", "sk": "SUMMARY", "updated_at": clock.iso(),
                         **report.summary()})

    def _delete(self, pk: str, sk: str) -> None:
        self._ddb.delete_item(TableName=self.table, Key=tables.key(pk, sk))

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        found = self._ddb.get_item(TableName=self.table, Key=tables.key(pk, sk),
                                   ConsistentRead=True).get("Item")
        return tables.values(found) if found else None

    def _line(self, line_key: str) -> dict[str, Any] | None:
        return self._get(f"L#{line_key}", "L")

    def _lines(self, keys: set[str]) -> dict[str, dict[str, Any]]:
        """Line records of ``keys`` (at most 100) that exist, by key."""
        if not keys:
            return {}
        request = {self.table: {"Keys": [tables.key(f"L#{k}", "L") for k in sorted(keys)],
                                "ConsistentRead": True}}
        found: dict[str, dict[str, Any]] = {}
        while request:
            reply = self._ddb.batch_get_item(RequestItems=request)
            for raw in reply["Responses"].get(self.table, []):
                record = tables.values(raw)
                found[record["key"]] = record
            request = reply.get("UnprocessedKeys") or {}
        return found

    def _query(self, pk: str, low: str | None = None, high: str | None = None) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = {"TableName": self.table, "ConsistentRead": True,
                                 "ExpressionAttributeValues": {":pk": {"S": pk}}}
        if low is not None and high is not None:
            query["KeyConditionExpression"] = "pk = :pk AND sk BETWEEN :low AND :high"
            query["ExpressionAttributeValues"].update({":low": {"S": low}, ":high": {"S": high}})
        else:
            query["KeyConditionExpression"] = "pk = :pk"
        while True:
            reply = self._ddb.query(**query)
            yield from (tables.values(i) for i in reply["Items"])
            if "LastEvaluatedKey" not in reply:
                return
            query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]


def _nonzero(sums: Counter[str]) -> dict[str, int]:
    # Not ``+counter``: that drops negative totals too, and a currency of refunds only is negative.
    return {k: v for k, v in sums.items() if v}


def _derived(original: dict[str, Any], key: str, audit: AuditLog, now: str, **changes: Any) -> dict[str, Any]:
    """A new line record (reversal, re-split) of the same statement line as ``original``."""
    return {**{name: original.get(name) for name in _LINE_FIELDS}, "pk": f"L#{key}", "sk": "L", "key": key,
            "import_id": audit.operation_id, "claimed_by": audit.actor, "claimed_at": now, **changes}


def _classify(line: StatementLine, existing: dict[str, Any]) -> str:
    """What a line whose key is already claimed is: duplicate, conflict, or to be finished."""
    if existing.get("content_hash") != line.content_hash:
        return "conflict"
    return "resume" if existing["status"] == WRITING else "duplicate"


class _ErrorWriter:
    """Rejected lines of an import, kept with reason and text (batched: plain puts, keyed by line)."""

    def __init__(self, ledger: Ledger, import_id: str) -> None:
        self.ledger, self.import_id = ledger, import_id
        self.pending: list[dict[str, Any]] = []

    def add(self, line_no: int, reason: str, raw: str) -> None:
        self.pending.append({"pk": f"I#{self.import_id}", "sk": f"ERR#{line_no:010d}", "line_no": line_no,
                             "reason": reason[:2000], "raw": raw[:2000] or None})
        if len(self.pending) == 25:
            self.flush()

    def flush(self) -> None:
        requests = {self.ledger.table: [{"PutRequest": {"Item": tables.item(v)}} for v in self.pending]}
        self.pending = []
        while requests.get(self.ledger.table):
            reply = self.ledger._ddb.batch_write_item(RequestItems=requests)
            requests = reply.get("UnprocessedItems") or {}
