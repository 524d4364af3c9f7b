"""Reading the ledger: a line's record, a holder's entries, a track's split, an import's result.

Every read is consistent (``ConsistentRead``); ranges are by sales period, in period order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from soundmosaic.royalties.ledger.store import LedgerStore


class Reads:
    def __init__(self, store: LedgerStore) -> None:
        self.store = store

    def line(self, line_key: str) -> dict[str, Any] | None:
        return self.store.line(line_key)

    def entries(self, holder: str, period_from: str = "0000-00",
                period_to: str = "9999-99") -> Iterator[dict[str, Any]]:
        """A holder's entries with sales periods in ``[period_from, period_to]``, period order."""
        return self.store.query(f"H#{holder}", f"E#{period_from}", f"E#{period_to}#~")

    def allocations(self, track_id: str, period_from: str = "0000-00",
                    period_to: str = "9999-99") -> Iterator[dict[str, Any]]:
        """Every line's split for a generated track, period order."""
        return self.store.query(f"T#{track_id}", f"A#{period_from}", f"A#{period_to}#~")

    def import_summary(self, import_id: str) -> dict[str, Any] | None:
        return self.store.get(f"I#{import_id}", "SUMMARY")

    def import_errors(self, import_id: str) -> list[dict[str, Any]]:
        return list(self.store.query(f"I#{import_id}", "ERR#", "ERR#~"))
