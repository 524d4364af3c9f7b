"""Revenue statements (CSV or JSON lines), parsed one line at a time into lines or errors.

Columns: ``track`` (ISRC or generated-track id), ``territory`` (ISO 3166 alpha-2), ``store``,
``period`` (``YYYY-MM``), ``plays`` (whole, >= 0), ``amount`` (plain decimal, up to 6 places,
negative for refunds), ``currency`` (ISO 4217); optional ``line_id`` (the store's own id).
CSV has a header row (names case-insensitive, any order, extra columns ignored); JSON lines
has one object per line with those keys (numbers are read as ``Decimal``, never float).

Every input line becomes exactly one ``StatementLine`` or one ``LineError`` (with its physical
line number and every problem found), except blank lines. A bad line never stops the file, and
one record is one physical line: a quote left open is an error on that line instead of
swallowing the lines after it (so quoted fields cannot hold line breaks). The parser is a
generator over the file's lines: a file of any size streams through in constant memory.

Idempotency key (``StatementLine.key``)
    ``sha256(source, line_id)`` when the line has a ``line_id``, else
    ``sha256(source, physical line number)``. ``source`` names the statement (e.g.
    ``"distrokid:2024-05"``), not the file: re-importing the same statement, under any file name,
    gives the same keys and changes nothing. Two identical sales lines at different positions
    are two keys (the ledger holds the second for review, see ``ledger``). The content is not
    in the key but beside it (``content_hash``): the same key arriving with different content
    is a *conflict* the ledger reports, never a second sale.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from soundmosaic.royalties import money
from soundmosaic.royalties.provenance import ProvenanceError, track_ref

REQUIRED = ("track", "territory", "store", "period", "plays", "amount", "currency")
OPTIONAL = ("line_id",)
FORMATS = ("csv", "jsonl")
MAX_LINE_CHARS = 16_384
MAX_PLAYS = 10**12
_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_TERRITORY = re.compile(r"[A-Z]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class StatementFormatError(ValueError):
    """The file as a whole cannot be read (no header, a required column missing)."""


@dataclass(frozen=True, slots=True)
class StatementLine:
    source: str
    line_no: int
    line_id: str | None
    track: str
    territory: str
    store: str
    period: str
    plays: int
    amount_micros: int
    currency: str
    key: str
    content_hash: str

    @property
    def amount(self) -> Decimal:
        return money.micros_to_decimal(self.amount_micros)

    @property
    def seed(self) -> int:
        """A number from the key: rotates the split's tie-break from line to line."""
        return int(self.key[:8], 16)


@dataclass(frozen=True, slots=True)
class LineError:
    source: str
    line_no: int
    reason: str
    raw: str


def check_source(source: str) -> str:
    if not isinstance(source, str) or not source.strip() or len(source) > 200 or _CONTROL.search(source):
        raise StatementFormatError(f"source {str(source)[:60]!r} must be 1-200 printable characters")
    return source.strip()


def line_key(source: str, line_no: int, line_id: str | None) -> str:
    scope = f"id\x1f{line_id}" if line_id else f"no\x1f{line_no}"
    return hashlib.sha256(f"v1\x1f{source}\x1f{scope}".encode()).hexdigest()[:32]


def content_hash(track: str, territory: str, store: str, period: str, plays: int,
                 amount_micros: int, currency: str) -> str:
    text = "\x1f".join((track, territory, store, period, str(plays), str(amount_micros), currency))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _text(fields: Mapping[str, Any], name: str, problems: list[str]) -> str:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"{name} is missing")
        return ""
    if not isinstance(value, str):
        problems.append(f"{name} must be text, got {type(value).__name__}")
        return ""
    return value.strip()


def _plays(value: Any, problems: list[str]) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append("plays is missing")
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        plays = value
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        plays = int(value.strip())  # a sign is read so a negative count gets its own message
    else:
        problems.append(f"plays {str(value).strip()[:20]!r} is not a whole number")
        return 0
    if plays < 0:
        problems.append(f"plays {plays} is negative")
    elif plays > MAX_PLAYS:
        problems.append(f"plays {plays} is out of range")
    return plays


def parse_fields(source: str, line_no: int, fields: Mapping[str, Any]) -> StatementLine | LineError:
    """One statement line from its named fields (strings from CSV, JSON values from JSON lines)."""
    problems: list[str] = []
    track = _text(fields, "track", problems)
    if track:
        try:
            track = track_ref(track)
        except ProvenanceError as err:
            problems.append(str(err))
    territory = _text(fields, "territory", problems).upper()
    if territory and not _TERRITORY.fullmatch(territory):
        problems.append(f"territory {territory[:12]!r} is not an ISO 3166 alpha-2 code")
    store = _text(fields, "store", problems)
    if store and (len(store) > 100 or _CONTROL.search(store)):
        problems.append("store must be at most 100 printable characters")
    period = _text(fields, "period", problems)
    if period and not _PERIOD.fullmatch(period):
        problems.append(f"period {period[:20]!r} is not YYYY-MM")
    plays = _plays(fields.get("plays"), problems)
    currency = _text(fields, "currency", problems)
    if currency:
        try:
            currency = money.currency_code(currency)
        except money.MoneyError as err:
            problems.append(str(err))
    amount_micros = 0
    raw_amount = fields.get("amount")
    if raw_amount is None or (isinstance(raw_amount, str) and not raw_amount.strip()):
        problems.append("amount is missing")
    else:
        try:
            amount_micros = money.to_micros(raw_amount)
        except (money.MoneyError, TypeError) as err:
            problems.append(str(err))
    raw_id = fields.get("line_id")
    line_id = None if raw_id is None else str(raw_id).strip() or None
    if line_id and (len(line_id) > 128 or _CONTROL.search(line_id)):
        problems.append("line_id must be at most 128 printable characters")
    if problems:
        return LineError(source, line_no, "; ".join(problems), "")
    return StatementLine(
        source=source, line_no=line_no, line_id=line_id, track=track, territory=territory, store=store,
        period=period, plays=plays, amount_micros=amount_micros, currency=currency,
        key=line_key(source, line_no, line_id),
        content_hash=content_hash(track, territory, store, period, plays, amount_micros, currency),
    )


def _texts(lines: Iterable[str | bytes], source: str) -> Iterator[tuple[int, str, str] | LineError]:
    """(line number, text, raw text for errors) of each non-blank line, BOM and newline removed;
    a ``LineError`` instead for a line that is not UTF-8 or is too long."""
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                yield _error(source, number, "line is not valid UTF-8",
                             line.decode("utf-8", "replace").rstrip("\r\n"))
                continue
        else:
            text = line
        text = text.rstrip("\r\n")
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        if len(text) > MAX_LINE_CHARS:
            yield _error(source, number, f"line is longer than {MAX_LINE_CHARS} characters", text)
            continue
        yield number, text, text


def _error(source: str, number: int, reason: str, raw: str) -> LineError:
    return LineError(source, number, reason, raw[:500])


def _with_raw(result: StatementLine | LineError, raw: str) -> StatementLine | LineError:
    if isinstance(result, LineError):
        return LineError(result.source, result.line_no, result.reason, raw[:500])
    return result


def parse_csv(lines: Iterable[str | bytes], source: str) -> Iterator[StatementLine | LineError]:
    """Lines of a CSV statement with a header row."""
    source = check_source(source)
    header: list[str] | None = None
    header_line = ""
    for item in _texts(lines, source):
        if isinstance(item, LineError):
            yield item
            continue
        number, text, raw = item
        try:
            # Without a quote, CSV is a split on commas (the csv module gives the same cells).
            cells = next(csv.reader([text], strict=True)) if '"' in text else text.split(",")
        except csv.Error as err:
            if header is None:
                raise StatementFormatError(f"line {number}: the header is not valid CSV ({err})") from err
            yield _error(source, number, f"malformed CSV: {err}", raw)
            continue
        if header is None:
            header = [c.strip().lower().replace(" ", "_") for c in cells]
            header_line = text
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise StatementFormatError(
                    f"line {number}: the header lacks {', '.join(missing)} (has {', '.join(header)[:200]})")
            if len(set(header)) != len(header):
                raise StatementFormatError(f"line {number}: the header names a column twice")
            continue
        if text == header_line:
            yield _error(source, number, "the header row is repeated (files concatenated?)", raw)
            continue
        if len(cells) != len(header):
            yield _error(source, number, f"expected {len(header)} fields, found {len(cells)}", raw)
            continue
        yield _with_raw(parse_fields(source, number, dict(zip(header, cells, strict=True))), raw)
    if header is None:
        raise StatementFormatError("the file is empty: no header row")


def parse_jsonl(lines: Iterable[str | bytes], source: str) -> Iterator[StatementLine | LineError]:
    """Lines of a JSON-lines statement, one object per line."""
    source = check_source(source)
    for item in _texts(lines, source):
        if isinstance(item, LineError):
            yield item
            continue
        number, text, raw = item
        try:
            # parse_float=Decimal: a JSON number such as 1.10 never becomes a binary float.
            value = json.loads(text, parse_float=Decimal)
        except ValueError as err:
            yield _error(source, number, f"malformed JSON: {err}", raw)
            continue
        if not isinstance(value, dict):
            yield _error(source, number, f"expected a JSON object, found {type(value).__name__}", raw)
            continue
        yield _with_raw(parse_fields(source, number, value), raw)


def parse(lines: Iterable[str | bytes], source: str, fmt: str) -> Iterator[StatementLine | LineError]:
    if fmt == "csv":
        return parse_csv(lines, source)
    if fmt == "jsonl":
        return parse_jsonl(lines, source)
    raise StatementFormatError(f"unknown statement format {fmt!r}; use one of {', '.join(FORMATS)}")


def format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise StatementFormatError(f"{path.name}: cannot tell the format from {suffix or 'no suffix'!r}; "
                               "pass fmt='csv' or 'jsonl'")


def read_file(path: Path, source: str | None = None,
              fmt: str | None = None) -> Iterator[StatementLine | LineError]:
    """Stream a statement file from disk (binary, so a bad byte is one line's error)."""
    path = Path(path)
    with path.open("rb") as handle:
        yield from parse(handle, source or path.name, fmt or format_of(path))


def fingerprint(path: Path) -> str:
    """sha256 of the file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
