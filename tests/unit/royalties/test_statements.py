"""Statement parsing: CSV and JSON lines, exact amounts, every bad line reported with its number."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from soundmosaic.royalties.statements import (
    LineError,
    StatementFormatError,
    StatementLine,
    fingerprint,
    parse_csv,
    parse_jsonl,
    read_file,
)

from tests.unit.royalties.helpers import csv_text


def parsed(text: str, source: str = "store:2024-05") -> list[StatementLine | LineError]:
    return list(parse_csv(text.splitlines(keepends=True), source))


def test_a_good_line() -> None:
    (line,) = parsed(csv_text("us-rc1-76-07839,de,Spotify,2024-05,1523,4.627834,usd"))
    assert isinstance(line, StatementLine)
    assert (line.track, line.territory, line.store) == ("USRC17607839", "DE", "Spotify")
    assert line.period == "2024-05"
    assert (line.plays, line.amount_micros, line.currency) == (1523, 4_627_834, "USD")
    assert str(line.amount) == "4.627834"
    assert line.line_no == 2


def test_columns_in_any_order_with_extras_and_a_line_id() -> None:
    (line,) = parsed("Note,Plays,Territory,Store,Period,Track,Amount,Currency,Line ID\n"
                     "x,7,JP,Apple Music,2024-06,trk1,1.5,JPY,L-1\n")
    assert isinstance(line, StatementLine)
    assert (line.plays, line.track, line.amount_micros, line.currency, line.line_id) == (
        7, "trk1", 1_500_000, "JPY", "L-1")


def test_keys_are_stable_and_depend_on_source_and_position_not_file() -> None:
    row = "trk1,DE,Spotify,2024-05,10,0.5,EUR"
    a = parsed(csv_text(row, row), source="s1")
    b = parsed(csv_text(row, row), source="s1")
    c = parsed(csv_text(row), source="s2")
    assert [x.key for x in a] == [x.key for x in b]  # type: ignore[union-attr]
    assert a[0].key != a[1].key  # type: ignore[union-attr]  # two identical sales lines: two keys
    assert a[0].content_hash == a[1].content_hash  # type: ignore[union-attr]
    assert c[0].key != a[0].key  # type: ignore[union-attr]


def test_a_line_id_key_does_not_depend_on_position() -> None:
    header = "line_id,track,territory,store,period,plays,amount,currency"
    first = parsed(csv_text("A1,trk1,DE,Spotify,2024-05,10,0.5,EUR", header=header))
    moved = parsed(csv_text("A0,trk2,DE,Spotify,2024-05,1,0.1,EUR", "A1,trk1,DE,Spotify,2024-05,10,0.5,EUR",
                            header=header))
    assert first[0].key == moved[1].key  # type: ignore[union-attr]


def test_normalised_content_hashes_equal() -> None:
    a, b = parsed(csv_text("trk1,de,Spotify,2024-05,10,0.50,eur", "trk1,DE, Spotify ,2024-05,10,0.5,EUR"))
    assert a.content_hash == b.content_hash  # type: ignore[union-attr]


def test_bad_lines_are_reported_with_numbers_and_good_lines_still_come_through() -> None:
    text = csv_text(
        "trk1,DE,Spotify,2024-05,10,0.5,EUR",          # 2 good
        'trk1,DE,"Spotify,2024-05,10,0.5,EUR',         # 3 quote left open
        "trk1,DE,Spotify,2024-05,10,0.5",              # 4 a field short
        "trk1,DE,Spotify,2024-13,10,0.5,EUR",          # 5 bad month
        "trk1,DE,Spotify,2024-05,-5,0.5,EUR",          # 6 negative plays
        "trk1,DE,Spotify,2024-05,3.5,0.5,EUR",         # 7 fractional plays
        "trk1,DE,Spotify,2024-05,10,0.12345678,EUR",   # 8 too many decimals
        "trk1,DE,Spotify,2024-05,10,1e-3,EUR",         # 9 float-looking
        "trk1,DE,Spotify,2024-05,10,0.5,XYZ",          # 10 unknown currency
        ",DE,Spotify,2024-05,10,0.5,EUR",              # 11 no track
        "trk1,Germany,Spotify,2024-05,10,0.5,EUR",     # 12 bad territory
        "track,territory,store,period,plays,amount,currency",  # 13 header again
        "",                                            # 14 blank: skipped
        "trk 1,DE,,2024-5,x,abc,EUR",                  # 15 many problems at once
        "trk2,US,Apple,2024-05,0,-1.25,USD",           # 16 good: a refund
    )
    results = parsed(text)
    good = [r for r in results if isinstance(r, StatementLine)]
    bad = {r.line_no: r.reason for r in results if isinstance(r, LineError)}
    assert [g.line_no for g in good] == [2, 16]
    assert good[1].amount_micros == -1_250_000
    assert sorted(bad) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]
    assert "malformed CSV" in bad[3]
    assert "expected 7 fields, found 6" in bad[4]
    assert "period '2024-13' is not YYYY-MM" in bad[5]
    assert "plays -5 is negative" in bad[6]
    assert "not a whole number" in bad[7]
    assert "8 decimal places" in bad[8]
    assert "scientific notation" in bad[9]
    assert "unknown currency 'XYZ'" in bad[10]
    assert "track is missing" in bad[11]
    assert "territory 'GERMANY'" in bad[12]
    assert "header row is repeated" in bad[13]
    for problem in ("neither an ISRC nor a track id", "store is missing", "period", "plays", "amount"):
        assert problem in bad[15]
    errors = [r for r in results if isinstance(r, LineError)]
    assert errors[0].raw == 'trk1,DE,"Spotify,2024-05,10,0.5,EUR'


def test_mixed_currencies_are_kept_per_line() -> None:
    lines = parsed(csv_text("trk1,DE,S,2024-05,1,0.5,EUR", "trk1,US,S,2024-05,1,0.5,USD",
                            "trk1,JP,S,2024-05,1,50,JPY"))
    assert [(x.currency, x.amount_micros) for x in lines] == [  # type: ignore[union-attr]
        ("EUR", 500_000), ("USD", 500_000), ("JPY", 50_000_000)]


def test_bom_crlf_and_bytes() -> None:
    raw = "\ufefftrack,territory,store,period,plays,amount,currency\r\ntrk1,DE,S,2024-05,1,0.5,EUR\r\n"
    (line,) = list(parse_csv([part.encode() for part in raw.splitlines(keepends=True)], "s"))
    assert isinstance(line, StatementLine) and line.store == "S"


def test_a_bad_byte_spoils_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "st.csv"
    path.write_bytes(b"track,territory,store,period,plays,amount,currency\n"
                     b"trk1,DE,S\xff,2024-05,1,0.5,EUR\ntrk1,DE,S,2024-05,1,0.5,EUR\n")
    results = list(read_file(path, source="s"))
    assert isinstance(results[0], LineError) and results[0].line_no == 2 and "UTF-8" in results[0].reason
    assert isinstance(results[1], StatementLine)
    assert len(fingerprint(path)) == 64


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"), ("track,territory,store,period,plays,amount\n", "lacks currency"),
    ('track,"territory\n', "header is not valid CSV"),
    ("track,track,territory,store,period,plays,amount,currency\n", "twice"),
])
def test_file_level_errors(text: str, message: str) -> None:
    with pytest.raises(StatementFormatError, match=message):
        parsed(text)


def test_json_lines_amounts_are_exact() -> None:
    rows = [
        '{"track": "trk1", "territory": "DE", "store": "S", "period": "2024-05", "plays": 3, '
        '"amount": 0.1, "currency": "EUR"}',
        '{"track": "trk1", "territory": "DE", "store": "S", "period": "2024-05", "plays": 3, '
        '"amount": "0.000001", "currency": "EUR", "line_id": 17}',
        '{"track": "trk1", "territory": "DE", "store": "S", "period": "2024-05", "plays": 3.0, '
        '"amount": 1e-7, "currency": "EUR"}',
        '["not", "an", "object"]',
        '{"track": "trk1", ',
        '{"track": 5, "territory": "DE", "store": "S", "period": "2024-05", "plays": true, '
        '"amount": false, "currency": "EUR"}',
    ]
    results = list(parse_jsonl(rows, "s"))
    # 0.1 exactly, not 0.1000000000000000055...
    assert results[0].amount_micros == 100_000  # type: ignore[union-attr]
    assert results[1].amount_micros == 1 and results[1].line_id == "17"  # type: ignore[union-attr]
    assert isinstance(results[2], LineError)
    assert "plays" in results[2].reason and "7 decimal" in results[2].reason
    assert isinstance(results[3], LineError) and "JSON object" in results[3].reason
    assert isinstance(results[4], LineError) and "malformed JSON" in results[4].reason
    assert isinstance(results[5], LineError)
    assert "track must be text" in results[5].reason and "bool is not money" in results[5].reason


def test_parsing_streams() -> None:
    pulled = 0

    def endless() -> Iterator[str]:
        nonlocal pulled
        yield "track,territory,store,period,plays,amount,currency\n"
        for i in itertools.count():
            pulled += 1
            yield f"trk1,DE,S,2024-05,{i},0.5,EUR\n"

    first = list(itertools.islice(parse_csv(endless(), "s"), 10))
    assert len(first) == 10 and pulled <= 11
