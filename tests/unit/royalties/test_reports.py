"""A holder's statement: from entries only, reproducible, own statements only, chart aggregates."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from soundmosaic.platform import clock
from soundmosaic.royalties import reports
from soundmosaic.royalties.provenance_store import ProvenanceStore

from tests.unit.royalties.helpers import csv_text, provenance

ROWS = (
    "trk1,DE,Spotify,2024-04,100,10.00,EUR",
    "trk1,DE,Spotify,2024-05,200,20.00,EUR",
    "trk1,FR,Deezer,2024-05,50,5.00,EUR",
    "trk2,US,Apple Music,2024-05,30,3.00,USD",
    "trk1,DE,Spotify,2024-06,10,-1.00,EUR",   # a refund
)


@pytest.fixture
def imported(ledger, store: ProvenanceStore, tmp_path: Path):
    store.record(provenance("trk1"), actor="platform:generation:tests")
    store.record(provenance("trk2", tag="x"), actor="platform:generation:tests")
    path = tmp_path / "st.csv"
    path.write_text(csv_text(*ROWS))
    ledger.import_file(path, actor="alice", source="tenant-a/distro:q2")
    return ledger


def test_a_statement_sums_the_holders_entries_per_row_and_currency(imported) -> None:
    # label-t holds training work t1 of both tracks: 33 % x 60 % = 19.8 % of everything.
    statement = reports.holder_statement(imported, "label-t", "2024-05", "2024-05")
    assert [(r.period, r.currency, r.track_id, r.store, r.territory) for r in statement.rows] == [
        ("2024-05", "EUR", "trk1", "Deezer", "FR"), ("2024-05", "EUR", "trk1", "Spotify", "DE"),
        ("2024-05", "USD", "trk2", "Apple Music", "US")]
    assert [r.amount for r in statement.rows] == ["0.99", "3.96", "0.594"]
    assert [r.plays for r in statement.rows] == [50, 200, 30]
    totals = {t.currency: t for t in statement.totals}
    assert totals["EUR"].amount_micros == 4_950_000 and totals["EUR"].payable_minor == 495
    assert totals["USD"].amount_micros == 594_000 and totals["USD"].payable_minor == 59
    assert totals["USD"].carried_out_micros == 4_000
    # April earned 1.98 EUR before the range: it is not in the range's payable.
    assert totals["EUR"].carried_in_micros == 0


def test_the_whole_history_reconciles_with_the_revenue(imported) -> None:
    holders = provenance("trk1").holder_weights().keys() | provenance("trk2", tag="x").holder_weights().keys()
    totals: Counter[str] = Counter()
    for holder in holders:
        for t in reports.holder_statement(imported, holder, "2024-01", "2024-12").totals:
            totals[t.currency] += t.amount_micros
    assert totals == Counter({"EUR": 34_000_000, "USD": 3_000_000})


def test_statements_are_reproducible_including_as_issued(imported, tmp_path) -> None:
    first = reports.holder_statement(imported, "writer-3a", "2024-04", "2024-06")
    issued_at = clock.iso()
    assert reports.statement_csv(first) == reports.statement_csv(
        reports.holder_statement(imported, "writer-3a", "2024-04", "2024-06"))
    time.sleep(0.01)  # posted_at has millisecond resolution
    # A later correction: the May Spotify line is reversed.
    key = next(e["line_key"] for e in imported.entries("writer-3a", "2024-05", "2024-05")
               if e["store"] == "Spotify")
    imported.reverse(key, actor="ops", reason="store restated May")
    now = reports.holder_statement(imported, "writer-3a", "2024-04", "2024-06")
    assert now != first
    as_issued = reports.holder_statement(imported, "writer-3a", "2024-04", "2024-06", as_of=issued_at)
    assert as_issued.rows == first.rows and as_issued.totals == first.totals
    may = [r for r in now.rows if r.period == "2024-05" and r.store == "Spotify"]
    assert may[0].amount_micros == 0 and may[0].plays == 0 and may[0].lines == 2


def test_the_csv(imported) -> None:
    text = reports.statement_csv(reports.holder_statement(imported, "label-t", "2024-05", "2024-06"))
    lines = text.splitlines()
    assert lines[0].startswith("row,holder,period,currency,tenant,statement,track_id")
    assert lines[1] == "detail,label-t,2024-05,EUR,tenant-a,distro:q2,trk1,Deezer,FR,50,0.99,990000,1,,"
    assert lines[-1] == "total,label-t,2024-05..2024-06,USD,,,,,,,0.594,594000,,0.59,0.004"


def test_each_row_names_the_tenant_and_statement_that_paid_it(imported) -> None:
    rows = reports.holder_statement(imported, "label-t", "2024-05", "2024-05").rows
    assert {(r.tenant, r.statement) for r in rows} == {("tenant-a", "distro:q2")}


def test_lines_split_with_provenance_the_platform_did_not_record_are_not_shown(
        ledger, store: ProvenanceStore, tmp_path: Path) -> None:
    # A version written before only the platform could (a tenant naming its own holders).
    store.record(provenance("trk1"), actor="tenant-a")
    path = tmp_path / "st.csv"
    path.write_text(csv_text(ROWS[0]))
    ledger.import_file(path, actor="alice", source="tenant-a/old")
    assert ledger.entries("label-t", "0000-00", "9999-12")  # it was split then
    statement = reports.holder_statement(ledger, "label-t", "2024-01", "2024-12")
    assert statement.rows == () and statement.totals == ()


def test_a_holder_reads_only_their_own(imported) -> None:
    assert reports.require_own("label-t", "label-t") == "label-t"
    with pytest.raises(reports.NotYourStatement):
        reports.require_own("label-t", "writer-1a")
    with pytest.raises(reports.NotYourStatement):
        reports.require_own("", "")
    # The query is by holder: nothing of anyone else's comes back.
    statement = reports.holder_statement(imported, "writer-1ax", "2024-01", "2024-12")
    assert {r.track_id for r in statement.rows} == {"trk2"}


def test_chart_aggregates(imported) -> None:
    data = reports.chart(reports.holder_statement(imported, "label-t", "2024-04", "2024-06"))
    assert [(p["period"], p["plays"]) for p in data["plays_over_time"]] == [
        ("2024-04", 100), ("2024-05", 280), ("2024-06", 10)]
    assert [(e["period"], e["currency"], e["amount"]) for e in data["earnings_over_time"]] == [
        ("2024-04", "EUR", "1.98"), ("2024-05", "EUR", "4.95"), ("2024-05", "USD", "0.594"),
        ("2024-06", "EUR", "-0.198")]
    assert [(s["track_id"], s["currency"], s["amount"]) for s in data["earnings_by_song"]] == [
        ("trk1", "EUR", "6.732"), ("trk2", "USD", "0.594")]


def test_earnings_by_holder_of_a_track_sum_to_its_revenue(imported) -> None:
    rows = reports.earnings_by_holder(imported, "trk1", "2024-04", "2024-06")
    assert sum(r["amount_micros"] for r in rows) == 34_000_000
    assert rows[0]["holder"] == "label-t"  # the largest single holder first
    assert len(rows) == 23


@pytest.mark.parametrize(("start", "end"), [("2024-13", "2024-12"), ("2024-06", "2024-05"),
                                           ("24-01", "2024-02")])
def test_bad_period_ranges(imported, start, end) -> None:
    with pytest.raises(ValueError):
        reports.holder_statement(imported, "label-t", start, end)
