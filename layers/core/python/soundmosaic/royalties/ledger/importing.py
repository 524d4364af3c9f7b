"""Importing statement lines into the ledger: claims, entries, the report and kept errors.

(The statement import *workflow*, in parts of lines, is ``royalties.imports``; each part comes
here through ``Ledger.import_lines``.) Lines are looked up and claimed a chunk at a time; each
is new (claimed, then posted or held), ``resume`` (claimed by a crashed import: finished now),
``duplicate`` (same content, already claimed) or ``conflict`` (same key, other content: an
error). Every line read ends in exactly one outcome of the ``ImportReport``, and every chunk's
writes are planned in the audit log before they happen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soundmosaic.platform import clock
from soundmosaic.royalties import statements
from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.ledger.errors import ImportRefused
from soundmosaic.royalties.ledger.posting import Posting
from soundmosaic.royalties.ledger.records import (
    DUPLICATE_CONTENT,
    HELD,
    WRITING,
    classify,
    line_record,
)
from soundmosaic.royalties.ledger.store import LedgerStore
from soundmosaic.royalties.statements import LineError, StatementFormatError, StatementLine

CHUNK = 100  # lines per claim lookup (BatchGetItem reads at most 100 keys) and audit record


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


class Importer:
    def __init__(self, store: LedgerStore, posting: Posting, audit_table: str) -> None:
        self.store, self.posting, self.audit_table = store, posting, audit_table

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
        registered = self.store.update_if(
            f"F#{digest}", "F",
            "SET #s = if_not_exists(#s, :s), "
            "first_import = if_not_exists(first_import, :i), last_import = :i",
            "attribute_not_exists(pk) OR #s = :s", {"#s": "source"},
            {":s": {"S": source}, ":i": {"S": import_id}})
        if not registered:
            known = self.store.get(f"F#{digest}", "F") or {}
            refused = ImportRefused(
                f"{name} (sha256 {digest[:12]}) was imported as statement {known.get('source')!r} "
                f"(import {known.get('first_import')}); importing it as {source!r} would count it twice")
            refused.known_source = known.get("source")
            raise refused

    def import_lines(self, parsed: Iterable[StatementLine | LineError], source: str, actor: str,
                     fingerprint: str | None = None, audit: AuditLog | None = None) -> ImportReport:
        """Import parsed lines (``statements.parse``) in chunks; returns what happened to each."""
        audit = audit or AuditLog(self.audit_table, "import", actor)
        report = ImportReport(audit.operation_id, source, actor, fingerprint)
        self.posting.forget()  # each import splits with the provenance current when it starts
        self._put_summary(report)
        errors = _ErrorWriter(self.store, report.import_id)
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
        found = self.store.lines({line.key for line in lines})
        now = clock.iso()
        plans: list[tuple[StatementLine, str, dict[str, Any]]] = []
        for line in lines:
            existing = found.get(line.key)
            if existing is not None:
                plans.append((line, classify(line, existing), existing))
            else:
                record = line_record(line, self.posting.resolve(line.track), audit.operation_id,
                                     audit.actor, now)
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
                self.posting.finish(record)
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
            self.store.put_plain({"pk": f"HELD#{record['track']}", "sk": record["key"],
                                  "reason": record["held_reason"], "held_at": record["claimed_at"]})
        if not self.store.put_if_absent(record):
            existing = self.store.line(record["key"])
            assert existing is not None, "the claim exists: its put just failed"
            plan = classify(line, existing)
            if plan == "resume":
                self.posting.finish(existing)
            return plan, existing
        if record["status"] == WRITING:
            self.posting.finish(record)
            return "new", record
        return "held", record

    def _first_with_content(self, record: dict[str, Any]) -> str:
        """Key of the first line of this statement with this content (this line if it is first)."""
        index = {"pk": f"C#{record['source']}#{record['content_hash']}", "sk": "C", "line_key": record["key"],
                 "line_no": record["line_no"]}
        if self.store.put_if_absent(index):
            return str(record["key"])
        existing = self.store.get(index["pk"], "C")
        assert existing is not None
        return str(existing["line_key"])

    def _put_summary(self, report: ImportReport) -> None:
        self.store.put_plain({"pk": f"I#{report.import_id}", "sk": "SUMMARY", "updated_at": clock.iso(),
                              **report.summary()})


def _nonzero(sums: Counter[str]) -> dict[str, int]:
    # Not ``+counter``: that drops negative totals too, and a currency of refunds only is negative.
    return {k: v for k, v in sums.items() if v}


class _ErrorWriter:
    """Rejected lines of an import, kept with reason and text (batched: plain puts, keyed by line)."""

    def __init__(self, store: LedgerStore, import_id: str) -> None:
        self.store, self.import_id = store, import_id
        self.pending: list[dict[str, Any]] = []

    def add(self, line_no: int, reason: str, raw: str) -> None:
        self.pending.append({"pk": f"I#{self.import_id}", "sk": f"ERR#{line_no:010d}", "line_no": line_no,
                             "reason": reason[:2000], "raw": raw[:2000] or None})
        if len(self.pending) == 25:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        self.store.put_batch(pending)
