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

The parts: ``records`` (the items and their keys, no I/O), ``store`` (the table's requests),
``posting`` (a claimed line's split and entries), ``importing`` (``import_file``,
``import_lines``), ``corrections`` (held lines, reversals, re-splits), ``reads``. ``Ledger``
is the one entry point and composes them over one table, one audit table and one provenance.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from soundmosaic.royalties import tables
from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.ledger.corrections import ApplyReport, Corrections
from soundmosaic.royalties.ledger.errors import ImportRefused, LedgerConflict, LedgerError, LineNotFound
from soundmosaic.royalties.ledger.importing import CHUNK, Importer, ImportReport
from soundmosaic.royalties.ledger.posting import Posting
from soundmosaic.royalties.ledger.reads import Reads
from soundmosaic.royalties.ledger.records import (
    APPLIED,
    DUPLICATE_CONTENT,
    HELD,
    UNKNOWN_TRACK,
    WRITING,
    Resolved,
    allocation,
    allocation_item,
    derived_key,
    entry_items,
    line_record,
)
from soundmosaic.royalties.ledger.store import LedgerStore
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic.royalties.statements import LineError, StatementLine

__all__ = [
    "APPLIED", "CHUNK", "DUPLICATE_CONTENT", "HELD", "UNKNOWN_TRACK", "WRITING", "ApplyReport",
    "ImportRefused", "ImportReport", "Ledger", "LedgerConflict", "LedgerError", "LedgerStore",
    "LineNotFound", "Resolved", "allocation", "allocation_item", "derived_key", "entry_items", "line_record",
]


class Ledger:
    """The ledger, audit and held lines of the royalty tables (names from the resource list by default)."""

    def __init__(self, ledger_table: str | None = None, audit_table: str | None = None,
                 provenance: ProvenanceStore | None = None, workers: int = 1) -> None:
        """``workers`` > 1 writes a line's entries concurrently: each is its own conditional put,
        so in AWS the requests, not the CPU, bound an import (moto gains nothing from it)."""
        self.store = LedgerStore(ledger_table)
        self.table = self.store.table
        self.audit_table = tables.name(tables.AUDIT, audit_table)
        self.provenance = provenance or ProvenanceStore(audit_table=self.audit_table)
        posting = Posting(self.store, self.provenance, workers)
        self.importer = Importer(self.store, posting, self.audit_table)
        self.corrections = Corrections(self.store, posting, self.audit_table)
        self.reads = Reads(self.store)

    # -- import (``importing``) ------------------------------------------------------------------

    def import_file(self, path: Path, actor: str, source: str | None = None,
                    fmt: str | None = None) -> ImportReport:
        return self.importer.import_file(path, actor, source, fmt)

    def register_file(self, digest: str, source: str, import_id: str, name: str = "the file") -> None:
        self.importer.register_file(digest, source, import_id, name)

    def import_lines(self, parsed: Iterable[StatementLine | LineError], source: str, actor: str,
                     fingerprint: str | None = None, audit: AuditLog | None = None) -> ImportReport:
        return self.importer.import_lines(parsed, source, actor, fingerprint, audit)

    # -- held lines and corrections (``corrections``) --------------------------------------------

    def held(self, track: str) -> list[dict[str, Any]]:
        return self.corrections.held(track)

    def apply_held(self, track: str, actor: str) -> ApplyReport:
        return self.corrections.apply_held(track, actor)

    def release(self, line_key: str, actor: str, reason: str) -> dict[str, Any]:
        return self.corrections.release(line_key, actor, reason)

    def reverse(self, line_key: str, actor: str, reason: str) -> dict[str, Any]:
        return self.corrections.reverse(line_key, actor, reason)

    def resplit(self, line_key: str, actor: str, reason: str) -> dict[str, Any]:
        return self.corrections.resplit(line_key, actor, reason)

    # -- reads (``reads``) -----------------------------------------------------------------------

    def line(self, line_key: str) -> dict[str, Any] | None:
        return self.reads.line(line_key)

    def entries(self, holder: str, period_from: str = "0000-00",
                period_to: str = "9999-99") -> Iterator[dict[str, Any]]:
        return self.reads.entries(holder, period_from, period_to)

    def allocations(self, track_id: str, period_from: str = "0000-00",
                    period_to: str = "9999-99") -> Iterator[dict[str, Any]]:
        return self.reads.allocations(track_id, period_from, period_to)

    def import_summary(self, import_id: str) -> dict[str, Any] | None:
        return self.reads.import_summary(import_id)

    def import_errors(self, import_id: str) -> list[dict[str, Any]]:
        return self.reads.import_errors(import_id)
