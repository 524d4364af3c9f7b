"""The ledger's errors: what callers (the API, the import steps, the CLI) catch and report."""

from __future__ import annotations


class LedgerError(RuntimeError):
    pass


class LedgerConflict(LedgerError):
    """An item the ledger would write exists with different content."""


class ImportRefused(LedgerError):
    known_source: str | None = None


class LineNotFound(LookupError):
    pass
