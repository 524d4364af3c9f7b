"""A rights holder's statement for any range of periods, and the aggregates the SPA charts.

Computed from ledger entries only, in a fixed order, so the same entries give the same
statement byte for byte. ``as_of`` leaves out entries posted after that moment: a statement can
be reproduced exactly as it was issued, after later imports and corrections (a reversal keeps
the sales period of the line it reverses, so it shows in that period from its posting on).

Totals are exact micros per currency, never converted. ``payable_minor`` is what to pay in the
currency's minor units: the cumulative total since the holder's first entry, rounded down,
minus the same before the range (``money.payable``); the rest is carried forward.

Access: every query takes the holder id; the API passes the one from the caller's token and
``require_own`` refuses any other. Only entries split with provenance the platform recorded
count (``tenancy.PLATFORM_WRITERS``), and each row names its tenant and statement.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from soundmosaic.royalties import money
from soundmosaic.royalties.tenancy import PLATFORM_WRITERS

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class NotYourStatement(PermissionError):
    pass


class EntrySource(Protocol):
    def entries(self, holder: str, period_from: str = ...,
                period_to: str = ...) -> Iterable[dict[str, Any]]: ...

    def allocations(self, track_id: str, period_from: str = ...,
                    period_to: str = ...) -> Iterable[dict[str, Any]]: ...


@dataclass(frozen=True)
class StatementRow:
    period: str
    currency: str
    tenant: str  # the artist or label whose statement paid this (the source's first part)
    statement: str  # that tenant's statement name
    track_id: str
    store: str
    territory: str
    plays: int
    amount_micros: int
    lines: int

    @property
    def amount(self) -> str:
        return money.format_micros(self.amount_micros, self.currency)


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount_micros: int  # entries in the range
    carried_in_micros: int  # below one minor unit, left over from before the range
    payable_minor: int
    carried_out_micros: int


@dataclass(frozen=True)
class HolderStatement:
    holder: str
    period_from: str
    period_to: str
    as_of: str | None
    rows: tuple[StatementRow, ...]
    totals: tuple[CurrencyTotal, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder, "period_from": self.period_from, "period_to": self.period_to,
            "as_of": self.as_of,
            "rows": [{**asdict(r), "amount": r.amount} for r in self.rows],
            "totals": [{**asdict(t), "amount": money.format_micros(t.amount_micros, t.currency),
                        "payable": money.format_minor(t.payable_minor, t.currency)} for t in self.totals],
        }


def check_period(period: str) -> str:
    if not isinstance(period, str) or not _PERIOD.fullmatch(period):
        raise ValueError(f"period {str(period)[:20]!r} is not YYYY-MM")
    return period


def require_own(caller_holder: str, holder: str) -> str:
    """The holder a caller may read: only their own."""
    if not caller_holder or caller_holder != holder:
        raise NotYourStatement("a rights holder can only read their own statements")
    return holder


def _posted(entries: Iterable[dict[str, Any]], as_of: str | None) -> Iterable[dict[str, Any]]:
    """Entries split with provenance the platform recorded, posted by ``as_of`` if given."""
    # ISO 8601 UTC with a fixed width compares as text.
    return (e for e in entries if str(e.get("provenance_by") or "").startswith(PLATFORM_WRITERS)
            and (as_of is None or e["posted_at"] <= as_of))


def statement_rows(entries: Iterable[dict[str, Any]]) -> tuple[StatementRow, ...]:
    """Entries summed by (period, currency, tenant, statement, track, store, territory)."""
    sums: dict[tuple[str, str, str, str, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for e in entries:
        tenant, _, statement = str(e.get("source") or "").rpartition("/")
        acc = sums[(e["period"], e["currency"], tenant, statement, e["track_id"], e["store"], e["territory"])]
        acc[0] += e["plays"]
        acc[1] += e["amount_micros"]
        acc[2] += 1
    return tuple(StatementRow(*k, plays=v[0], amount_micros=v[1], lines=v[2])
                 for k, v in sorted(sums.items()))


def holder_statement(ledger: EntrySource, holder: str, period_from: str, period_to: str,
                     as_of: str | None = None) -> HolderStatement:
    """``holder``'s statement for sales periods ``period_from``..``period_to`` (inclusive)."""
    check_period(period_from)
    check_period(period_to)
    if period_from > period_to:
        raise ValueError(f"period range {period_from}..{period_to} is empty")
    before: dict[str, int] = defaultdict(int)
    within: list[dict[str, Any]] = []
    # The whole history up to the range's end: what came before sets the carry into the range.
    for entry in _posted(ledger.entries(holder, "0000-00", period_to), as_of):
        if entry["period"] < period_from:
            before[entry["currency"]] += entry["amount_micros"]
        else:
            within.append(entry)
    rows = statement_rows(within)
    in_range: dict[str, int] = defaultdict(int)
    for row in rows:
        in_range[row.currency] += row.amount_micros
    totals = []
    for currency in sorted(set(before) | set(in_range)):
        prior, through = before[currency], before[currency] + in_range[currency]
        payable, carried_out = money.payable(prior, through, currency)
        _, carried_in = money.payable(0, prior, currency)
        totals.append(CurrencyTotal(currency, in_range[currency], carried_in, payable, carried_out))
    return HolderStatement(holder, period_from, period_to, as_of, rows, tuple(totals))


def statement_csv(statement: HolderStatement) -> str:
    """The statement as CSV: detail rows, then one total row per currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "holder", "period", "currency", "tenant", "statement", "track_id", "store",
                     "territory", "plays", "amount", "amount_micros", "lines", "payable", "carried_forward"])
    for r in statement.rows:
        writer.writerow(["detail", statement.holder, r.period, r.currency, r.tenant, r.statement, r.track_id,
                         r.store, r.territory, r.plays, r.amount, r.amount_micros, r.lines, "", ""])
    span = f"{statement.period_from}..{statement.period_to}"
    for t in statement.totals:
        writer.writerow(["total", statement.holder, span, t.currency, "", "", "", "", "", "",
                         money.format_micros(t.amount_micros, t.currency), t.amount_micros, "",
                         money.format_minor(t.payable_minor, t.currency),
                         money.format_micros(t.carried_out_micros, t.currency)])
    return out.getvalue()


def chart(statement: HolderStatement) -> dict[str, Any]:
    """What the SPA draws: plays over time, earnings over time, earnings by song (per currency)."""
    plays: dict[str, int] = defaultdict(int)
    by_period: dict[tuple[str, str], int] = defaultdict(int)
    by_song: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in statement.rows:
        plays[r.period] += r.plays
        by_period[(r.period, r.currency)] += r.amount_micros
        by_song[(r.track_id, r.currency)][0] += r.amount_micros
        by_song[(r.track_id, r.currency)][1] += r.plays
    songs = sorted(by_song.items(), key=lambda kv: (kv[0][1], -kv[1][0], kv[0][0]))
    return {
        "holder": statement.holder,
        "plays_over_time": [{"period": p, "plays": n} for p, n in sorted(plays.items())],
        "earnings_over_time": [
            {"period": p, "currency": c, "amount_micros": a, "amount": money.format_micros(a, c)}
            for (p, c), a in sorted(by_period.items())],
        "earnings_by_song": [{"track_id": t, "currency": c, "amount_micros": v[0], "plays": v[1],
                              "amount": money.format_micros(v[0], c)} for (t, c), v in songs],
    }


def earnings_by_holder(ledger: EntrySource, track_id: str, period_from: str, period_to: str,
                       as_of: str | None = None) -> list[dict[str, Any]]:
    """How a generated track's royalties were split among its holders (for the track's owner)."""
    check_period(period_from)
    check_period(period_to)
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for allocation in _posted(ledger.allocations(track_id, period_from, period_to), as_of):
        for holder, micros in allocation["alloc"].items():
            sums[(allocation["currency"], holder)] += micros
    ordered = sorted(sums.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))
    return [{"holder": h, "currency": c, "amount_micros": a, "amount": money.format_micros(a, c)}
            for (c, h), a in ordered]
