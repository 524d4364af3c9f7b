"""The DynamoDB ledger on moto: idempotent imports, held lines, reversals, crashes, audit."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from soundmosaic.platform import aws
from soundmosaic.royalties import audit, tables
from soundmosaic.royalties.ledger import (
    DUPLICATE_CONTENT,
    UNKNOWN_TRACK,
    ImportRefused,
    Ledger,
    LedgerConflict,
    LedgerError,
    LedgerStore,
    derived_key,
)
from soundmosaic.royalties.provenance import Policy, Provenance, ProvenanceError
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic.royalties.statements import parse_csv

from tests.unit.royalties.helpers import csv_text, provenance

ROWS = (
    "trk1,DE,Spotify,2024-05,1523,4.627834,USD",
    "USRC17607839,US,Apple Music,2024-05,10,0.03,USD",   # trk2 by its ISRC
    "trk1,JP,Apple Music,2024-05,100,50,JPY",
    "trk1,KW,Anghami,2024-05,7,0.125,KWD",
    "trk1,DE,Spotify,2024-05,0,-1.000001,USD",           # a refund
    "trk1,DE,Spotify,2024-06,2,0.000001,USD",            # one micro: one holder gets it
)
REVENUE = {"USD": 4_627_834 + 30_000 - 1_000_001 + 1, "JPY": 50_000_000, "KWD": 125_000}


def write(tmp_path: Path, name: str, *rows: str, header: str | None = None) -> Path:
    path = tmp_path / name
    path.write_text(csv_text(*rows) if header is None else csv_text(*rows, header=header))
    return path


def scan(prefix: str = "") -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    query: dict[str, Any] = {"TableName": tables.name(tables.LEDGER, None)}
    while True:
        reply = aws.client("dynamodb").scan(**query)
        for raw in reply["Items"]:
            item = tables.values(raw)
            if item["pk"].startswith(prefix):
                found[(item["pk"], item["sk"])] = item
        if "LastEvaluatedKey" not in reply:
            return found
        query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]


def ledger_state() -> dict[tuple[str, str], dict[str, Any]]:
    """Entries, line records, allocations, content and held indexes (not import summaries)."""
    return {k: v for k, v in scan().items() if not k[0].startswith(("I#", "F#"))}


def entry_sums() -> Counter[str]:
    sums: Counter[str] = Counter()
    for item in scan("H#").values():
        sums[item["currency"]] += item["amount_micros"]
    return sums


@pytest.fixture
def known(store: ProvenanceStore) -> None:
    store.record(provenance("trk1"), actor="platform:generation:tests")
    store.record(provenance("trk2", isrc="US-RC1-76-07839", tag="x"), actor="platform:generation:tests")


def test_an_import_splits_every_line_and_reconciles_to_the_micro(ledger, known, tmp_path) -> None:
    report = ledger.import_file(write(tmp_path, "may.csv", *ROWS), actor="alice", source="distro:2024-05")
    assert report.status == "succeeded"
    assert (report.lines, report.imported, report.errors, report.held) == (6, 6, 0, 0)
    assert report.accounted and report.reconciled
    assert dict(report.revenue_micros) == REVENUE
    assert entry_sums() == Counter(REVENUE)  # read back from the table, not from the report
    lines = scan("L#")
    assert {line["status"] for line in lines.values()} == {"applied"}
    assert len(scan("H#")) == 6 * 23  # one entry per holder per line
    isrc_entries = [e for e in scan("H#").values() if e["store"] == "Apple Music" and e["currency"] == "USD"]
    assert {e["track_id"] for e in isrc_entries} == {"trk2"}
    one_micro = [e for e in scan("H#").values() if e["period"] == "2024-06" and e["amount_micros"]]
    assert len(one_micro) == 1
    summary = ledger.import_summary(report.import_id)
    assert summary["status"] == "succeeded" and summary["actor"] == "alice" and summary["reconciled"] is True


@pytest.mark.parametrize("workers", [1, 4])
def test_importing_the_same_statement_again_changes_nothing(store, known, tmp_path, workers) -> None:
    ledger = Ledger(provenance=store, workers=workers)
    path = write(tmp_path, "may.csv", *ROWS)
    ledger.import_file(path, actor="alice", source="distro:2024-05")
    before = ledger_state()
    assert entry_sums() == Counter(REVENUE)
    again = ledger.import_file(path, actor="bob", source="distro:2024-05")
    assert (again.imported, again.duplicates, again.errors) == (0, 6, 0)
    assert not again.revenue_micros and again.accounted
    assert ledger_state() == before
    # The same statement from another copy of the file (renamed, re-saved): same keys, no-op.
    copy = write(tmp_path, "may (1).csv", *ROWS)
    third = ledger.import_lines(parse_csv(copy.read_text().splitlines(), "distro:2024-05"),
                                source="distro:2024-05", actor="carol")
    assert third.duplicates == 6 and ledger_state() == before


def test_the_same_file_under_another_statement_is_refused(ledger, known, tmp_path) -> None:
    path = write(tmp_path, "may.csv", *ROWS)
    ledger.import_file(path, actor="alice", source="distro:2024-05")
    before = ledger_state()
    with pytest.raises(ImportRefused, match="would count it twice"):
        ledger.import_file(path, actor="alice", source="distro:2024-05-bis")
    assert ledger_state() == before


def test_a_changed_line_at_a_known_position_is_a_conflict_not_a_second_sale(ledger, known, tmp_path) -> None:
    ledger.import_file(write(tmp_path, "may.csv", *ROWS), actor="alice", source="distro:2024-05")
    changed = write(tmp_path, "may-v2.csv", ROWS[0].replace("4.627834", "5.00"), *ROWS[1:])
    report = ledger.import_file(changed, actor="alice", source="distro:2024-05")
    assert (report.conflicts, report.errors, report.duplicates, report.imported) == (1, 1, 5, 0)
    assert report.accounted
    assert entry_sums() == Counter(REVENUE)
    (error,) = ledger.import_errors(report.import_id)
    assert error["line_no"] == 2 and "conflict" in error["reason"]


def test_line_ids_make_the_key(ledger, known, tmp_path) -> None:
    header = "line_id,track,territory,store,period,plays,amount,currency"
    path = write(tmp_path, "ids.csv", "A1,trk1,DE,Spotify,2024-05,10,1.00,EUR",
                 "A1,trk1,DE,Spotify,2024-05,10,1.00,EUR",   # the store sent line A1 twice
                 "A2,trk1,DE,Spotify,2024-05,10,2.00,EUR",
                 "A2,trk1,DE,Spotify,2024-05,10,9.00,EUR",   # line A2 again, different
                 header=header)
    report = ledger.import_file(path, actor="alice", source="store:ids")
    assert (report.imported, report.duplicates, report.conflicts) == (2, 1, 1)
    assert entry_sums() == Counter({"EUR": 3_000_000})


def test_identical_lines_without_ids_are_held_for_review_then_released(ledger, known, tmp_path) -> None:
    row = "trk1,DE,Spotify,2024-05,10,1.00,EUR"
    report = ledger.import_file(write(tmp_path, "dup.csv", row, row), actor="alice", source="store:dup")
    assert (report.imported, report.held) == (1, 1)
    assert entry_sums() == Counter({"EUR": 1_000_000})
    (held,) = ledger.held("trk1")
    assert held["held_reason"] == DUPLICATE_CONTENT and held["line_no"] == 3
    assert ledger.apply_held("trk1", actor="alice").applied == 0  # needs a person's review
    ledger.release(held["key"], actor="reviewer", reason="two sales confirmed by the store")
    assert entry_sums() == Counter({"EUR": 2_000_000})
    assert ledger.held("trk1") == []


def test_unknown_tracks_are_held_and_applied_once_their_provenance_exists(ledger, store, known,
                                                                          tmp_path) -> None:
    path = write(tmp_path, "new.csv", "trk9,DE,Spotify,2024-05,10,1.50,EUR",
                 "trk9,FR,Deezer,2024-05,3,0.25,EUR", "trk1,DE,Spotify,2024-05,1,0.10,EUR")
    report = ledger.import_file(path, actor="alice", source="store:new")
    assert (report.imported, report.held, report.held_tracks) == (1, 2, {"trk9"})
    assert report.held_micros == Counter({"EUR": 1_750_000}) and report.accounted
    assert all(h["held_reason"] == UNKNOWN_TRACK for h in ledger.held("trk9"))
    assert ledger.apply_held("trk9", actor="admin:ops").still_held == 2  # still unknown
    store.record(provenance("trk9", tag="9"), actor="platform:generation:tests")
    applied = ledger.apply_held("trk9", actor="admin:ops")
    assert applied.applied == 2 and applied.revenue_micros == applied.allocated_micros
    assert entry_sums() == Counter({"EUR": 1_850_000})
    assert ledger.apply_held("trk9", actor="admin:ops").applied == 0
    assert ledger.import_file(path, actor="alice", source="store:new").duplicates == 3
    assert entry_sums() == Counter({"EUR": 1_850_000})


def test_bad_lines_are_kept_with_their_numbers_while_good_lines_import(ledger, known, tmp_path) -> None:
    path = write(tmp_path, "bad.csv", "trk1,DE,Spotify,2024-05,10,1.00,EUR",
                 'trk1,DE,"Spotify,2024-05,1,1,EUR', "trk1,DE,Spotify,2024-05,-4,1.00,EUR",
                 "trk1,DE,Spotify,2024-05,4,0.1234567,EUR",
                 "trk1,DE,Spotify,2024-05,4,1.00,ZZZ", "trk1,US,Spotify,2024-05,4,2.00,USD")
    report = ledger.import_file(path, actor="alice", source="store:bad")
    assert (report.imported, report.errors, report.lines) == (2, 4, 6) and report.accounted
    errors = ledger.import_errors(report.import_id)
    assert [e["line_no"] for e in errors] == [3, 4, 5, 6]
    assert errors[0]["raw"] == 'trk1,DE,"Spotify,2024-05,1,1,EUR'
    assert entry_sums() == Counter({"EUR": 1_000_000, "USD": 2_000_000})


def test_json_lines_import_the_same_way(ledger, known, tmp_path) -> None:
    path = tmp_path / "may.jsonl"
    path.write_text(
        '{"track": "trk1", "territory": "DE", "store": "Spotify", "period": "2024-05", "plays": 3, '
        '"amount": 0.1, "currency": "EUR", "line_id": "x1"}\n'
        '{"track": "trk1", "territory": "DE", "store": "Spotify", "period": "2024-05", "plays": 3, '
        '"amount": 0.1, "currency": "EUR"\n')
    report = ledger.import_file(path, actor="alice", source="store:json")
    assert (report.imported, report.errors) == (1, 1)
    assert entry_sums() == Counter({"EUR": 100_000})


def test_a_bad_header_fails_the_import_with_a_reason(ledger, tmp_path) -> None:
    path = write(tmp_path, "bad.csv", "trk1,DE,1,2", header="track,territory,plays,amount")
    report = ledger.import_file(path, actor="alice", source="store:header")
    assert report.status == "failed" and "lacks store, period, currency" in (report.reason or "")
    assert ledger.import_summary(report.import_id)["status"] == "failed"


def test_a_reversal_books_the_exact_negative_once(ledger, store, known, tmp_path) -> None:
    ledger.import_file(write(tmp_path, "may.csv", *ROWS), actor="alice", source="distro:2024-05")
    key = next(line["key"] for line in scan("L#").values() if line["line_no"] == 2)
    before = ledger_state()
    reversal = ledger.reverse(key, actor="ops", reason="wrong track")
    assert reversal["status"] == "applied" and reversal["reverses"] == key
    after = ledger_state()
    assert all(after[k] == v for k, v in before.items())  # append-only: nothing changed, only added
    per_holder: Counter[str] = Counter()
    for entry in scan("H#").values():
        if entry["line_key"] in (key, reversal["key"]):
            per_holder[entry["holder"]] += entry["amount_micros"]
    assert set(per_holder.values()) == {0}
    assert entry_sums() == Counter({**REVENUE, "USD": REVENUE["USD"] - 4_627_834})
    assert ledger.reverse(key, actor="ops", reason="again")["key"] == reversal["key"]
    assert len(ledger_state()) == len(after)
    with pytest.raises(LedgerError, match="not reversed"):
        ledger.reverse(reversal["key"], actor="ops", reason="undo")
    # Corrected provenance (all to the reference works), then the line is split again.
    base = provenance("trk1")
    all_reference = Policy(Fraction(1), Fraction(0))
    store.record(Provenance("trk1", base.reference, (), policy=all_reference), actor="admin:ops")
    resplit = ledger.resplit(key, actor="ops", reason="provenance fixed")
    assert resplit["provenance_version"] == 2 and resplit["corrects"] == key
    assert sum(resplit["alloc"].values()) == 4_627_834 and "label-t" not in resplit["alloc"]
    assert entry_sums() == Counter(REVENUE)
    assert ledger.resplit(key, actor="ops", reason="again")["key"] == derived_key("resplit", key)
    assert entry_sums() == Counter(REVENUE)


def test_each_import_splits_with_the_provenance_current_when_it_starts(ledger, store, tmp_path) -> None:
    store.record(provenance("trk1"), actor="platform:generation:tests")
    ledger.import_file(write(tmp_path, "a.csv", ROWS[0]), actor="alice", source="store:a")
    base = provenance("trk1")
    all_reference = Policy(Fraction(1), Fraction(0))
    store.record(Provenance("trk1", base.reference, (), policy=all_reference),
                 actor="platform:generation:tests")
    ledger.import_file(write(tmp_path, "b.csv", ROWS[5]), actor="alice", source="store:b")
    versions = {line["source"]: line["provenance_version"] for line in scan("L#").values()}
    assert versions == {"store:a": 1, "store:b": 2}
    assert {e["provenance_version"] for e in scan("H#label-t").values()} == {1}


def test_only_a_reversed_line_can_be_split_again(ledger, known, tmp_path) -> None:
    ledger.import_file(write(tmp_path, "may.csv", *ROWS), actor="alice", source="distro:2024-05")
    key = next(iter(scan("L#").values()))["key"]
    with pytest.raises(LedgerError, match="reverse it before"):
        ledger.resplit(key, actor="ops", reason="no reversal yet")


def test_a_crash_mid_line_is_finished_by_the_next_import(ledger, known, tmp_path, monkeypatch) -> None:
    path = write(tmp_path, "may.csv", *ROWS)
    original, calls = LedgerStore.put_same, {"n": 0}

    def crash_after_30(self, values):
        calls["n"] += 1
        if calls["n"] == 30:  # the 2nd line, midway through its entries
            raise ConnectionError("network gone")
        return original(self, values)

    monkeypatch.setattr(LedgerStore, "put_same", crash_after_30)
    with pytest.raises(ConnectionError):
        ledger.import_file(path, actor="alice", source="distro:2024-05")
    statuses = Counter(line["status"] for line in scan("L#").values())
    assert statuses == Counter({"applied": 1, "writing": 1})
    monkeypatch.setattr(LedgerStore, "put_same", original)
    report = ledger.import_file(path, actor="alice", source="distro:2024-05")
    assert (report.resumed, report.imported, report.duplicates) == (1, 5, 1)
    assert entry_sums() == Counter(REVENUE)  # every entry exactly once
    assert {line["status"] for line in scan("L#").values()} == {"applied"}


def test_entries_are_only_ever_added(ledger, known, tmp_path) -> None:
    ledger.import_file(write(tmp_path, "may.csv", *ROWS), actor="alice", source="distro:2024-05")
    entry = next(iter(scan("H#").values()))
    assert ledger.store.put_if_absent(entry) is False
    ledger.store.put_same(entry)  # the same item again: allowed (a resumed line), changes nothing
    with pytest.raises(LedgerConflict):
        ledger.store.put_same({**entry, "amount_micros": entry["amount_micros"] + 1})
    assert scan("H#")[(entry["pk"], entry["sk"])] == entry


def test_every_write_has_an_audit_record_written_before_it(ledger, known, tmp_path, royalty_tables) -> None:
    report = ledger.import_file(write(tmp_path, "may.csv", *ROWS), actor="alice", source="distro:2024-05")
    records = audit.records(royalty_tables[tables.AUDIT], report.import_id)
    assert [r["action"] for r in records] == ["write-lines", "wrote-lines"]
    assert {r["actor"] for r in records} == {"alice"}
    planned = {line["key"] for line in records[0]["lines"]}
    assert planned == {line["key"] for line in scan("L#").values()}
    assert records[1]["outcomes"] == {"new": 6}
    key = next(iter(planned))
    reversal = ledger.reverse(key, actor="ops", reason="test")
    (record,) = audit.records(royalty_tables[tables.AUDIT], reversal["import_id"])
    assert (record["action"], record["actor"], record["line_key"], record["of"]) == (
        "reversal", "ops", reversal["key"], key)


def test_provenance_versions_and_isrc_aliases(store) -> None:
    first = store.record(provenance("trk1", isrc="USRC17607839"), actor="platform:generation:tests")
    second = store.record(provenance("trk1", isrc="USRC17607839"), actor="platform:generation:tests")
    assert (first.version, second.version) == (1, 2)
    assert store.latest("trk1").version == 2 and store.latest("USRC17607839").version == 2
    assert store.get("trk1", 1).holder_weights() == first.holder_weights()
    assert store.latest("trk-unknown") is None
    with pytest.raises(ProvenanceError, match="another track"):
        store.record(provenance("trk2", isrc="USRC17607839"), actor="platform:generation:tests")
