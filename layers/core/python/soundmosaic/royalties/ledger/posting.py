"""Posting a claimed line: its track's split, then its entries and allocation, then ``applied``.

Shared by imports and corrections. The split of a track is its latest provenance's, cached per
ledger operation (an import forgets them all when it starts, so it splits with the provenance
current then). ``finish`` may run any number of times on a line: every item it writes is
determined by the claim, so an item already there must be identical (else ``LedgerConflict``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from soundmosaic.platform import clock
from soundmosaic.royalties.ledger.errors import LedgerConflict
from soundmosaic.royalties.ledger.records import (
    APPLIED,
    WRITING,
    Resolved,
    allocation_item,
    entry_items,
)
from soundmosaic.royalties.ledger.store import LedgerStore
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic.royalties.split import Splitter


class Posting:
    def __init__(self, store: LedgerStore, provenance: ProvenanceStore, workers: int = 1) -> None:
        """``workers`` > 1 writes a line's entries concurrently: each is its own conditional put,
        so in AWS the requests, not the CPU, bound an import (moto gains nothing from it)."""
        self.store, self.provenance = store, provenance
        self._resolved: dict[str, Resolved | None] = {}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="ledger") if workers > 1 else None

    def resolve(self, track: str) -> Resolved | None:
        """The track's latest provenance and its splitter; None while it has no provenance."""
        if track not in self._resolved:
            provenance = self.provenance.latest(track)
            if len(self._resolved) > 50_000:
                self._resolved.clear()
            self._resolved[track] = ((provenance, Splitter(provenance.holder_weights()))
                                     if provenance else None)
        return self._resolved[track]

    def forget(self, track: str | None = None) -> None:
        """Resolve ``track`` (every track if None) afresh next time."""
        if track is None:
            self._resolved.clear()
        else:
            self._resolved.pop(track, None)

    def finish(self, record: dict[str, Any]) -> None:
        """Write a claimed line's entries and allocation, then mark it applied (safe to repeat)."""
        if self._pool is not None:
            list(self._pool.map(self.store.put_same, entry_items(record)))  # raises the first failure
        else:
            for entry in entry_items(record):
                self.store.put_same(entry)
        self.store.put_same(allocation_item(record))
        marked = self.store.update_if(
            f"L#{record['key']}", "L", "SET #s = :applied, applied_at = :now", "#s = :writing",
            {"#s": "status"}, {":applied": {"S": APPLIED}, ":writing": {"S": WRITING},
                               ":now": {"S": clock.iso()}})
        if not marked:
            current = self.store.line(record["key"])
            if not current or current["status"] != APPLIED:
                raise LedgerConflict(f"line {record['key']} could not be marked applied")
