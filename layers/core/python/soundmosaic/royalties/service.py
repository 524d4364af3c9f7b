"""What the API asks of the royalty ledger, and who may ask it.

Two kinds of caller:

- the **tenant** (the artist or label of the token, ``artist_id``) owns generated tracks: it
  uploads and imports statements about them, reads its imports (summary, errors, audit log),
  reverses its own lines, and lists the rights holders of its tracks with what each was
  allocated. It never writes provenance: the platform records it (``tenancy``). Everything is
  keyed by the tenant: another tenant's import, line or track is not found.
- a **royalty admin** (the ``royalty-admins`` group) corrects a track's provenance with a reason:
  a new version with holders from the catalog, audited.
- a **rights holder** (the token's ``holder_id``) reads their own statement and chart, and no
  one else's (``reports.require_own``). A tenant does not see a holder's statement: it spans
  every tenant whose tracks pay that holder.

Statement files go to the uploads bucket under ``statements/<artist>/<id>/<name>``, a prefix
that raises no audio ingest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from soundmosaic.catalog.store import CatalogStore
from soundmosaic.library.keys import safe_filename
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import Job, JobNotFound, JobStore, new_job_id, start_workflow
from soundmosaic.platform.paging import new_id
from soundmosaic.royalties import audit, imports, reports, statements
from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.imports import ImportNotFound
from soundmosaic.royalties.ledger import Ledger, LineNotFound
from soundmosaic.royalties.provenance import Influence, share
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic.royalties.tenancy import TenantProvenance, platform_recorded

KIND = "statement_import"
URL_TTL_S = 3600
ALL_FROM, ALL_TO = "0000-01", "9999-12"


class Refused(ValueError):
    """A request the ledger cannot take as asked (bad file name, no line to correct...)."""


class ProvenanceNotFound(LookupError):
    """No provenance the platform recorded for that track."""


# -- statement files and imports ---------------------------------------------------------------


def statement_upload(artist_id: str, filename: str, size_bytes: int) -> dict[str, Any]:
    """A presigned PUT for one statement file (CSV or JSON lines, at most 256 MiB)."""
    name = safe_filename(filename)
    try:
        fmt = statements.format_of(Path(name))
    except statements.StatementFormatError as err:
        raise Refused(f"{err}; statements are .csv or .jsonl files") from None
    if not 0 < size_bytes <= imports.MAX_STATEMENT_BYTES:
        raise Refused(f"statement files are 1 byte to {imports.MAX_STATEMENT_BYTES // 2**20} MiB")
    key = f"{imports.statement_prefix(artist_id)}{new_id()}/{name}"
    content_type = "text/csv" if fmt == "csv" else "application/x-ndjson"
    url = aws.client("s3").generate_presigned_url(
        "put_object", ExpiresIn=URL_TTL_S,
        Params={"Bucket": resource("UPLOADS_BUCKET"), "Key": key, "ContentType": content_type,
                "ContentLength": size_bytes})
    return {"key": key, "url": url, "method": "PUT", "format": fmt,
            "headers": {"Content-Type": content_type}}


def start_import(artist_id: str, key: str, source: str | None, correlation_id: str | None) -> Job:
    """Start the ``statement_import`` workflow for an uploaded statement file of the tenant."""
    prefix = imports.statement_prefix(artist_id)
    if not key.startswith(prefix) or ".." in key or key.count("/") != prefix.count("/") + 1:
        raise ImportNotFound(f"no statement file {key[:200]!r}")
    s3 = aws.client("s3")
    try:
        s3.head_object(Bucket=resource("UPLOADS_BUCKET"), Key=key)
    except s3.exceptions.ClientError as err:
        raise ImportNotFound(f"no statement file {key[:200]!r}: upload it first") from err
    name = source or key.rsplit("/", 1)[1]
    try:
        statement = imports.tenant_source(artist_id, name)
    except statements.StatementFormatError as err:
        raise Refused(str(err)) from None
    job = Job(artist_id=artist_id, job_id=new_job_id(), kind=KIND, correlation_id=correlation_id,
              subject={"key": key, "source": name})
    return start_workflow(job, "STATEMENT_IMPORT_STATE_MACHINE", {"key": key, "source": statement})


def _job(artist_id: str, job_id: str) -> Job:
    try:
        job = JobStore().get(artist_id, job_id)
    except JobNotFound:
        raise ImportNotFound(f"no statement import {job_id}") from None
    if job.kind != KIND:
        raise ImportNotFound(f"no statement import {job_id}")
    return job


def get_import(artist_id: str, job_id: str) -> dict[str, Any]:
    """The import's job and, once it is done, its summary (counts, errors, reconciliation)."""
    job = _job(artist_id, job_id)
    try:
        summary = imports.summary(artist_id, job_id)
    except ImportNotFound:
        summary = None  # not planned yet
    return {"job": job.__dict__, "summary": summary}


def import_errors(artist_id: str, job_id: str) -> list[dict[str, Any]]:
    """Every rejected line of the import (line number, reason, text), in line order."""
    _job(artist_id, job_id)
    ledger = Ledger()
    rows = [e for op in imports.operations(artist_id, job_id) for e in ledger.import_errors(op)]
    unique = {e["line_no"]: {"line_no": e["line_no"], "reason": e["reason"], "raw": e.get("raw")}
              for e in rows}
    return [unique[n] for n in sorted(unique)]


def import_audit(artist_id: str, job_id: str) -> list[dict[str, Any]]:
    """The audit records of every ledger operation of the import, part by part."""
    _job(artist_id, job_id)
    table = Ledger().audit_table
    return [r for op in imports.operations(artist_id, job_id) for r in audit.records(table, op)]


# -- provenance and holders --------------------------------------------------------------------


class NotAdmin(PermissionError):
    """Only a royalty admin (the ``royalty-admins`` group) may correct provenance."""


def correct_provenance(admin_id: str, track_id: str, reason: str,
                       weights: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A royalty admin's correction: a new provenance version, never an edit of an old one.

    The reference works stay the generation's; their rights holders and shares are read again
    from the catalog (never from the request), and ``weights`` may re-weight those same works
    (exact fractions summing to 1). Versions already used stay as they were: lines split with
    them keep their split; a line is split again only by a reversal and a re-split. The reason
    and the before/after versions go to the audit log.
    """
    if not reason.strip():
        raise Refused("a correction needs a reason")
    store = ProvenanceStore()
    latest = store.latest(track_id)
    if latest is None or not platform_recorded(latest):
        raise ProvenanceNotFound(f"no provenance of track {track_id}")
    chosen = {w: share(v) for w, v in (weights or {}).items()}
    current = {i.work.work_id for i in latest.reference}
    if chosen and set(chosen) != current:
        raise Refused(f"weights must name exactly the track's reference works: {sorted(current)}")
    catalog = CatalogStore()
    reference = []
    for influence in latest.reference:
        work = catalog.work(influence.work.work_id)
        if work is None:
            raise Refused(f"work {influence.work.work_id} is not in the catalog: its holders are unknown")
        reference.append(Influence(work, chosen.get(work.work_id, influence.weight)))
    corrected = replace(latest, reference=tuple(reference))
    owner = TenantProvenance(admin_id).owner(track_id)
    if owner is None:  # recorded, yet owned by no tenant: nothing a correction should guess at
        raise ProvenanceNotFound(f"no owner of track {track_id}")
    audit = AuditLog(Ledger().audit_table, "correct-provenance", f"admin:{admin_id}")
    recorded = TenantProvenance(owner).record_owned(corrected, f"admin:{admin_id}")
    audit.record("correct-provenance", track_id=track_id, reason=reason.strip(), owner=owner,
                 from_version=latest.version, to_version=recorded.version)
    weights_now = recorded.holder_weights()
    return {**recorded.to_dict(), "holder_weights": {h: str(w) for h, w in sorted(weights_now.items())},
            "audit_operation": audit.operation_id}


def holders(artist_id: str) -> list[dict[str, Any]]:
    """The tenant's tracks with their rights holders, weights and allocations so far."""
    store, ledger = TenantProvenance(artist_id), Ledger()
    found = []
    for track_id in store.tracks():
        provenance = store.latest(track_id)
        if provenance is None:
            continue
        earned = reports.earnings_by_holder(ledger, track_id, ALL_FROM, ALL_TO)
        found.append({
            "track_id": track_id, "isrc": provenance.isrc, "provenance_version": provenance.version,
            "holders": [{"holder": h, "weight": str(w)}
                        for h, w in sorted(provenance.holder_weights().items())],
            "allocated": earned})
    return found


# -- corrections -------------------------------------------------------------------------------


def correct(artist_id: str, reason: str, line_key: str | None = None, import_id: str | None = None,
            line_no: int | None = None, line_id: str | None = None) -> dict[str, Any]:
    """Reverse one of the tenant's applied lines (the exact negative of its entries; once)."""
    if not reason.strip():
        raise Refused("a correction needs a reason")
    ledger = Ledger()
    if line_key is None:
        if import_id is None or (line_no is None) == (line_id is None):
            raise Refused("name the line: line_key, or import_id with line_no or line_id")
        source = imports.meta(artist_id, import_id)["source"]
        line_key = statements.line_key(source, line_no or 0, line_id)
    record = ledger.line(line_key)
    if record is None or not str(record.get("source", "")).startswith(f"{artist_id}/"):
        raise LineNotFound(f"no line {line_key}")
    reversal = ledger.reverse(line_key, artist_id, reason.strip())
    return {"line_key": line_key, "reversal_key": reversal["key"], "status": reversal["status"],
            "currency": reversal["currency"], "amount_micros": reversal["amount_micros"],
            "period": reversal["period"], "track": reversal["track"]}


# -- a rights holder's own statement -----------------------------------------------------------


def statement(caller_holder: str | None, holder: str, period_from: str, period_to: str,
              as_of: str | None = None) -> reports.HolderStatement:
    """``holder``'s statement, for that holder only (``reports.NotYourStatement`` otherwise)."""
    reports.require_own(caller_holder or "", holder)
    return reports.holder_statement(Ledger(), holder, period_from, period_to, as_of)


def chart(caller_holder: str | None, holder: str, period_from: str, period_to: str) -> dict[str, Any]:
    return reports.chart(statement(caller_holder, holder, period_from, period_to))
