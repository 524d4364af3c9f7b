"""A statement file imported as a batch: plan the parts, import each part, summarise.

The ``statement_import`` state machine runs these steps for one job (the import id is the job
id). ``plan`` reads the file once from the uploads bucket: it counts its physical lines, notes
the byte offset where each part of ``PART_LINES`` lines starts, checks the header, and registers
the file's sha256 as this statement (the same bytes under another statement name are refused).
``import_part`` reads its byte range and imports its lines through the ``Ledger``, with the
physical line numbers of the whole file: blank lines stand in for the lines before the range (the
parser skips them) and the CSV header is put back in its place, so every line gets the same key
as in a one-piece import. Idempotency is the ledger's, per line: a part run again, or the whole
file imported again, writes nothing twice.

A part's attempt (each its own ledger operation and audit log) is kept under the job:

``LEDGER_TABLE``
    ``JOB#<job id>`` / ``META``                         tenant, file, statement, plan, summary
    ``JOB#<job id>`` / ``PART#<index>#<operation id>``  one attempt of a part and its report
    ``JOB#<job id>`` / ``FAILED#<index>``               why a part failed after its retries

``summarize`` adds the attempts up: lines an earlier attempt wrote are duplicates to the next
one, so they count as imported (or held) once.

Environment variables
---------------------
SOUNDMOSAIC_STATEMENT_PART_LINES
    Lines per part (default 50,000): a part must finish within the function's 15 minutes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import JobStore, reason_from_error
from soundmosaic.platform.paging import new_id
from soundmosaic.royalties import money, statements, tables
from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.ledger import ImportRefused, Ledger
from soundmosaic.royalties.statements import StatementFormatError
from soundmosaic.royalties.tenancy import TenantProvenance

PART_LINES = 50_000
MAX_STATEMENT_BYTES = 256 * 2**20
MAX_ERRORS_LISTED = 200
_BLOCK = 1 << 20


class ImportNotFound(LookupError):
    pass


def statement_prefix(artist_id: str) -> str:
    """Where a tenant's statement files go in the uploads bucket (no ingest notification there)."""
    return f"statements/{artist_id}/"


def tenant_source(artist_id: str, source: str) -> str:
    """The ledger's statement name: the tenant's, so two tenants' line keys never meet."""
    return statements.check_source(f"{artist_id}/{statements.check_source(source)}")


def split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Physical lines (split on ``\\n`` only, as the parser's file reading does), without it."""
    rest = b""
    for chunk in chunks:
        *lines, rest = (rest + chunk).split(b"\n")
        yield from lines
    if rest:
        yield rest


def _chunks(body: Any, digest: Any = None) -> Iterator[bytes]:
    for chunk in body.iter_chunks(_BLOCK):
        if digest is not None:
            digest.update(chunk)
        yield chunk


# -- plan ----------------------------------------------------------------------------------------


def plan(artist_id: str, job_id: str, key: str, source: str, part_lines: int | None = None) -> dict[str, Any]:
    """Count the lines, cut them into parts, check the header, register the file."""
    part_lines = part_lines or int(os.environ.get("SOUNDMOSAIC_STATEMENT_PART_LINES") or PART_LINES)
    if not key.startswith(statement_prefix(artist_id)):
        raise ImportNotFound(f"no statement file {key[:200]!r}")
    s3, bucket = aws.client("s3"), resource("UPLOADS_BUCKET")
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    if size > MAX_STATEMENT_BYTES:
        raise StatementFormatError(f"the file is {size} bytes; statements may be {MAX_STATEMENT_BYTES} bytes")
    fmt = statements.format_of(Path(key))
    digest = hashlib.sha256()
    parts: list[dict[str, Any]] = []
    header_no, header, offset, count = 0, "", 0, 0
    for line in split_lines(_chunks(s3.get_object(Bucket=bucket, Key=key)["Body"], digest)):
        count += 1
        if (count - 1) % part_lines == 0:
            parts.append({"index": len(parts), "first_line": count, "start_byte": offset})
        if fmt == "csv" and not header_no and line.strip():
            header_no, header = count, _header(line)
        offset += len(line) + 1
    if not count:
        raise StatementFormatError("the file is empty")
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        part["last_line"] = following["first_line"] - 1 if following else count
        part["end_byte"] = following["start_byte"] - 1 if following else size - 1
    if fmt == "csv":
        list(statements.parse_csv([header], "header-check"))  # StatementFormatError if incomplete
    ledger = Ledger()
    try:
        ledger.register_file(digest.hexdigest(), source, job_id, Path(key).name)
    except ImportRefused as err:
        if not (err.known_source or "").startswith(f"{artist_id}/"):
            raise ImportRefused("this file was imported before as another statement") from None
        raise
    meta = {"pk": f"JOB#{job_id}", "sk": "META", "artist_id": artist_id, "key": key, "source": source,
            "fmt": fmt, "fingerprint": digest.hexdigest(), "size": size, "lines": count,
            "header_no": header_no, "header": header or None, "parts": len(parts),
            "planned_at": clock.iso()}
    _put(meta)
    return {"parts": parts, "lines": count}


def _header(line: bytes) -> str:
    try:
        return line.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise StatementFormatError("the header row is not valid UTF-8") from None


def meta(artist_id: str, job_id: str) -> dict[str, Any]:
    """The import's record; ``ImportNotFound`` unless it is this tenant's."""
    found = _get(f"JOB#{job_id}", "META")
    if not found or found["artist_id"] != artist_id:
        raise ImportNotFound(f"no statement import {job_id}")
    return found


# -- parts ---------------------------------------------------------------------------------------


def part_lines(info: dict[str, Any], first_line: int, lines: Iterable[bytes]) -> Iterator[bytes]:
    """A part's lines, preceded by what keeps the whole file's line numbers: blank lines, and the
    header in its own place when the part starts after it."""
    header_no = int(info.get("header_no") or 0)
    if header_no and header_no < first_line:
        before: Iterable[bytes] = itertools.chain(
            itertools.repeat(b"", header_no - 1), [str(info["header"]).encode()],
            itertools.repeat(b"", first_line - header_no - 1))
    else:
        before = itertools.repeat(b"", first_line - 1)
    return itertools.chain(before, lines)


def import_part(artist_id: str, job_id: str, part: dict[str, Any]) -> dict[str, Any]:
    """Import one part's lines; its attempt and report are kept under the job."""
    info = meta(artist_id, job_id)
    first, last = int(part["first_line"]), int(part["last_line"])
    body = aws.client("s3").get_object(Bucket=resource("UPLOADS_BUCKET"), Key=info["key"],
                                       Range=f"bytes={int(part['start_byte'])}-{int(part['end_byte'])}")["Body"]
    lines = part_lines(info, first, itertools.islice(split_lines(_chunks(body)), last - first + 1))
    ledger = Ledger(provenance=TenantProvenance(artist_id))
    index = int(part["index"])
    audit = AuditLog(ledger.audit_table, "import", artist_id,
                     operation_id=f"{job_id}-p{index:04d}-{new_id()[-8:]}")
    try:
        report = ledger.import_lines(statements.parse(lines, info["source"], info["fmt"]), info["source"],
                                     artist_id, fingerprint=info["fingerprint"], audit=audit)
    except Exception:
        _put_attempt(job_id, index, audit.operation_id, ledger.import_summary(audit.operation_id) or {})
        raise
    _put_attempt(job_id, index, audit.operation_id, report.summary())
    done = {a["index"] for a in _attempts(job_id) if a["status"] == "succeeded"}
    JobStore().advance(artist_id, job_id, "importing", 5 + 85 * len(done) // max(int(info["parts"]), 1))
    return {"index": index, "operation_id": audit.operation_id, "status": report.status}


def part_failed(artist_id: str, job_id: str, index: int, error: dict[str, Any]) -> dict[str, Any]:
    """Keep why a part failed after its retries (the summary reports it)."""
    meta(artist_id, job_id)
    reason = reason_from_error(error)
    _put({"pk": f"JOB#{job_id}", "sk": f"FAILED#{index:05d}", "index": index, "reason": reason})
    return {"index": index, "status": "failed"}


def _put_attempt(job_id: str, index: int, operation_id: str, summary: dict[str, Any]) -> None:
    _put({"pk": f"JOB#{job_id}", "sk": f"PART#{index:05d}#{operation_id}", "index": index,
                       "operation_id": operation_id, "status": summary.get("status") or "failed",
                       "finished_at": clock.iso(), "report": json.dumps(summary, sort_keys=True)})


def _attempts(job_id: str) -> list[dict[str, Any]]:
    return _query(f"JOB#{job_id}", "PART#", "PART#~")


def operations(artist_id: str, job_id: str) -> list[str]:
    """The ledger operations (audit logs) of an import, in part order."""
    meta(artist_id, job_id)
    return [a["operation_id"] for a in sorted(_attempts(job_id), key=lambda a: a["sk"])]


# -- summary -------------------------------------------------------------------------------------


_SUMMED = ("imported", "held", "resumed")
_MONEY = ("revenue_micros", "allocated_micros", "held_micros")


def summarize(artist_id: str, job_id: str) -> dict[str, Any]:
    """The import's outcome over all its parts; ``ok`` unless a part failed or it does not add up."""
    info = meta(artist_id, job_id)
    ledger = Ledger()
    tries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for attempt in _attempts(job_id):
        tries[int(attempt["index"])].append({**attempt, "report": json.loads(attempt["report"])})
    reasons = {int(f["index"]): f["reason"] for f in _query(f"JOB#{job_id}", "FAILED#", "FAILED#~")}
    counts: Counter[str] = Counter()
    sums: dict[str, Counter[str]] = {name: Counter() for name in _MONEY}
    errors: list[dict[str, Any]] = []
    held_tracks: set[str] = set()
    failed: list[dict[str, Any]] = []
    for index in range(int(info["parts"])):
        attempts = sorted(tries.get(index, []), key=lambda a: (a["finished_at"], a["sk"]))
        for attempt in attempts:  # what every attempt wrote counts once, where it was written
            report = attempt["report"]
            counts.update({name: int(report.get(name) or 0) for name in _SUMMED})
            for name in _MONEY:
                sums[name].update(report.get(name) or {})
            held_tracks.update(report.get("held_tracks") or ())
        final = next((a for a in reversed(attempts) if a["status"] == "succeeded"), None)
        if final is None:
            failed.append({"index": index, "reason": reasons.get(index, "the part did not finish")})
            continue
        report = final["report"]
        earlier = [a["report"] for a in attempts if a is not final]
        counts["lines"] += int(report["lines"])
        counts["errors"] += int(report["errors"])
        counts["conflicts"] += int(report["conflicts"])
        counts["duplicates"] += int(report["duplicates"]) - sum(int(r.get("imported") or 0)
                                                                + int(r.get("held") or 0) for r in earlier)
        errors += [{"line_no": e["line_no"], "reason": e["reason"]}
                   for e in ledger.import_errors(final["operation_id"])]
    summary = _summary(info, job_id, counts, sums, sorted(errors, key=lambda e: e["line_no"]),
                       held_tracks, failed)
    _put({**info, "summary": json.dumps(summary, sort_keys=True), "summarized_at": clock.iso()})
    problems = [f"part {f['index'] + 1} failed: {f['reason']}" for f in failed]
    if not summary["reconciled"]:
        problems.append("the entries written do not sum to the revenue imported")
    if not summary["accounted"]:
        problems.append("the lines do not add up to imported + duplicates + held + errors")
    reason = "; ".join(problems) + "; importing the file again finishes it" if problems else None
    return {"summary": summary, "ok": not problems, "reason": reason}


def _summary(info: dict[str, Any], job_id: str, counts: Counter[str], sums: dict[str, Counter[str]],
             errors: list[dict[str, Any]], held_tracks: set[str],
             failed: list[dict[str, Any]]) -> dict[str, Any]:
    currencies = sorted({c for s in sums.values() for c, v in s.items() if v})
    reconciliation = {}
    for currency in currencies:
        revenue, allocated, held = (sums[name][currency] for name in _MONEY)
        reconciliation[currency] = {
            "revenue_micros": revenue, "allocated_micros": allocated, "held_micros": held,
            "revenue": money.format_micros(revenue, currency),
            "allocated": money.format_micros(allocated, currency),
            "held": money.format_micros(held, currency), "reconciled": revenue == allocated}
    return {
        "import_id": job_id, "key": info["key"], "source": info["source"].split("/", 1)[1],
        "fingerprint": info["fingerprint"], "lines": counts["lines"], "imported": counts["imported"],
        "duplicates": counts["duplicates"], "held": counts["held"], "errors": counts["errors"],
        "conflicts": counts["conflicts"], "resumed": counts["resumed"],
        "accounted": counts["lines"] == sum(counts[n] for n in ("imported", "duplicates", "held", "errors")),
        "reconciled": all(r["reconciled"] for r in reconciliation.values()),
        "reconciliation": reconciliation, "held_tracks": sorted(held_tracks)[:100],
        "error_lines": errors[:MAX_ERRORS_LISTED], "parts": int(info["parts"]), "failed_parts": failed,
    }


def summary(artist_id: str, job_id: str) -> dict[str, Any] | None:
    """The summary of a finished import (None while it runs)."""
    found = meta(artist_id, job_id).get("summary")
    return json.loads(found) if found else None


# -- the job's items in the ledger table ---------------------------------------------------------


def _table() -> str:
    return tables.name(tables.LEDGER, None)


def _put(values: dict[str, Any]) -> None:
    aws.client("dynamodb").put_item(TableName=_table(), Item=tables.item(values))


def _get(pk: str, sk: str) -> dict[str, Any] | None:
    found = aws.client("dynamodb").get_item(TableName=_table(), Key=tables.key(pk, sk),
                                            ConsistentRead=True).get("Item")
    return tables.values(found) if found else None


def _query(pk: str, low: str, high: str) -> list[dict[str, Any]]:
    query: dict[str, Any] = {
        "TableName": _table(), "ConsistentRead": True,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}}}
    found: list[dict[str, Any]] = []
    while True:
        reply = aws.client("dynamodb").query(**query)
        found += [tables.values(i) for i in reply["Items"]]
        if "LastEvaluatedKey" not in reply:
            return found
        query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
