"""The royalty routes (``/royalties/...``): statement uploads and imports, provenance corrections,
the audit log, and a rights holder's own statements and charts. A Powertools ``Router`` included
by ``api/app.py``.

The tenant (artist or label) comes from the token's ``artist_id``, the rights holder from its
``holder_id`` (``custom:holder_id``); neither ever from a body or a query. Who sees what is in
``soundmosaic.royalties.service``: a holder reads only their own statement (403 otherwise), a
tenant only its own imports, lines and tracks (404 otherwise).

Money is exact: amounts are integer micros beside their decimal text (``amount``), never floats.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import ConfigDict, Field
from soundmosaic.royalties import reports, service

from .caller import artist, request_id, royalty_admin
from .caller import holder as token_holder
from .models import Job, Presigned, Reply, Request

router = Router()
Share = Annotated[str, Field(pattern=r"^\d{1,18}(/\d{1,18}|\.\d{1,18})?$",
                             description="exact: '3/5', '0.25' or '1' (never a float)")]
Id = Annotated[str, Field(min_length=1, max_length=128)]
Period = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
_CSV_NAME = re.compile(r"[^A-Za-z0-9._-]")


class StatementUploadRequest(Request):
    filename: str = Field(min_length=1, max_length=512, description="a .csv or .jsonl file")
    size_bytes: int = Field(gt=0)


class ImportRequest(Request):
    key: str = Field(min_length=1, max_length=1024, description="from POST /royalties/statements/uploads")
    source: str | None = Field(default=None, min_length=1, max_length=150,
                               description="the statement's name, e.g. 'distrokid:2024-05' (default: the "
                               "file name); the same statement imported again changes nothing")


class ProvenanceCorrection(Request):
    reason: str = Field(min_length=1, max_length=1000, description="why: kept in the audit log")
    weights: dict[Id, Share] | None = Field(
        default=None, max_length=10, description="the track's own reference works re-weighted (sum 1); "
        "absent: the same weights. Holders and shares always come from the catalog")


class CorrectionRequest(Request):
    reason: str = Field(min_length=1, max_length=1000)
    line_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    import_id: str | None = Field(default=None, max_length=64)
    line_no: int | None = Field(default=None, ge=1)
    line_id: str | None = Field(default=None, max_length=200)


# -- replies ----------------------------------------------------------------------------------------


class StatementUpload(Presigned):
    format: Literal["csv", "jsonl"]


class LineReason(Reply):
    line_no: int
    reason: str


class PartFailure(Reply):
    index: int
    reason: str


class Reconciliation(Reply):
    """One currency of an import: revenue imported against what was allocated and held."""

    revenue_micros: int
    allocated_micros: int
    held_micros: int
    revenue: str
    allocated: str
    held: str
    reconciled: bool


class ImportSummary(Reply):
    """A finished import's outcome over all its parts (``royalties.imports.summarize``)."""

    import_id: str
    key: str
    source: str
    fingerprint: str
    lines: int
    imported: int
    duplicates: int
    held: int
    errors: int
    conflicts: int
    resumed: int
    accounted: bool = Field(description="lines = imported + duplicates + held + errors")
    reconciled: bool = Field(description="every currency's entries sum to its revenue")
    reconciliation: dict[str, Reconciliation] = Field(description="currency -> its sums")
    held_tracks: list[str] = Field(description="tracks without provenance yet (the first 100)")
    error_lines: list[LineReason] = Field(description="the first rejected lines")
    parts: int
    failed_parts: list[PartFailure]


class ImportStatus(Reply):
    job: Job
    summary: ImportSummary | None = Field(description="once the import is done")


class RejectedLine(Reply):
    line_no: int
    reason: str
    raw: str | None


class AuditRecord(Reply):
    """One ledger write of an import (``royalties.audit``)."""

    # Open-ended: each action records its own details (line key, currency, amounts...) beside
    # the fields every record has.
    model_config = ConfigDict(extra="allow")

    pk: str
    sk: str
    operation_id: str
    operation: str
    action: str
    actor: str
    at: str


class ProvenancePolicy(Reply):
    reference: str = Field(description="the ten songs' holders' part (exact)")
    training: str = Field(description="the training catalog's part (exact)")
    reference_works: int | None


class RecordedWork(Reply):
    work_id: str
    weight: str
    holders: dict[str, str] = Field(description="holder -> exact share")


class RecordedProvenance(Reply):
    """``Provenance.to_dict()`` as stored (the next version), with each holder's weight and its audit."""

    track_id: str
    isrc: str | None
    version: int
    recorded_at: str | None
    recorded_by: str | None
    policy: ProvenancePolicy
    reference: list[RecordedWork]
    training: list[RecordedWork]
    holder_weights: dict[str, str] = Field(description="holder -> exact weight on the track")
    audit_operation: str = Field(description="the audit log's operation id of the correction")


class HolderWeight(Reply):
    holder: str
    weight: str


class Allocation(Reply):
    holder: str
    currency: str
    amount_micros: int
    amount: str


class HolderTrack(Reply):
    track_id: str
    isrc: str | None
    provenance_version: int
    holders: list[HolderWeight]
    allocated: list[Allocation]


class Correction(Reply):
    line_key: str
    reversal_key: str
    status: str
    currency: str
    amount_micros: int
    period: str
    track: str


class StatementRow(Reply):
    """One period, currency, paying statement, track, store and territory of a holder's statement."""

    period: str = Field(description="YYYY-MM")
    currency: str
    tenant: str = Field(description="the artist or label whose statement paid this")
    statement: str = Field(description="that tenant's statement, as it named it on import")
    track_id: str
    store: str = Field(description="where it was played, e.g. 'spotify'")
    territory: str = Field(description="ISO 3166 country code")
    plays: int
    amount_micros: int
    lines: int = Field(description="how many ledger lines make the row")
    amount: str = Field(description="exact decimal text of amount_micros")


class CurrencyTotal(Reply):
    currency: str
    amount_micros: int = Field(description="entries in the range")
    carried_in_micros: int = Field(description="below one minor unit, left over from before the range")
    payable_minor: int
    carried_out_micros: int
    amount: str
    payable: str


class Statement(Reply):
    """``reports.HolderStatement.to_dict()``."""

    holder: str
    period_from: str
    period_to: str
    as_of: str | None
    rows: list[StatementRow]
    totals: list[CurrencyTotal]


class PeriodPlays(Reply):
    period: str
    plays: int


class PeriodEarnings(Reply):
    period: str
    currency: str
    amount_micros: int
    amount: str


class SongEarnings(Reply):
    track_id: str
    currency: str
    amount_micros: int
    plays: int
    amount: str


class Chart(Reply):
    holder: str
    plays_over_time: list[PeriodPlays]
    earnings_over_time: list[PeriodEarnings]
    earnings_by_song: list[SongEarnings]


# -- routes -----------------------------------------------------------------------------------------


@router.post("/royalties/statements/uploads", status_code=201)
def statement_upload(body: StatementUploadRequest) -> StatementUpload:
    """A presigned PUT for a statement file; then start its import with ``POST /royalties/imports``."""
    return StatementUpload.model_validate(service.statement_upload(artist(), body.filename, body.size_bytes))


@router.post("/royalties/imports", status_code=202)
def start_import(body: ImportRequest) -> Job:
    """Import an uploaded statement file (a job: follow it at ``GET /royalties/imports/{id}``)."""
    return Job.model_validate(service.start_import(artist(), body.key, body.source, request_id()).__dict__)


@router.get("/royalties/imports/<import_id>")
def get_import(import_id: str) -> ImportStatus:
    return ImportStatus.model_validate(service.get_import(artist(), import_id))


@router.get("/royalties/imports/<import_id>/errors")
def import_errors(import_id: str) -> list[RejectedLine]:
    """Every rejected line, in line order."""
    return [RejectedLine.model_validate(e) for e in service.import_errors(artist(), import_id)]


@router.get("/royalties/audit")
def import_audit(import_: Annotated[str, Query(alias="import", max_length=64)]) -> list[AuditRecord]:
    """The audit records of every ledger write of one of the tenant's imports."""
    return [AuditRecord.model_validate(r) for r in service.import_audit(artist(), import_)]


@router.post("/royalties/provenance/<track_id>/corrections", status_code=201)
def correct_provenance(track_id: str, body: ProvenanceCorrection) -> RecordedProvenance:
    """A royalty admin's correction of a generated track's provenance: a new version, holders from
    the catalog, the reason audited. The platform records provenance; tenants never do (403)."""
    if not royalty_admin():
        raise service.NotAdmin("only a royalty admin may correct provenance; it is recorded by the platform")
    return RecordedProvenance.model_validate(
        service.correct_provenance(artist(), track_id, body.reason, body.weights))


@router.get("/royalties/holders")
def list_holders() -> list[HolderTrack]:
    """The tenant's tracks, their rights holders with weights, and what each was allocated."""
    return [HolderTrack.model_validate(t) for t in service.holders(artist())]


@router.post("/royalties/corrections", status_code=201)
def correct(body: CorrectionRequest) -> Correction:
    """Reverse one line (by ``line_key``, or ``import_id`` + ``line_no``/``line_id``) with a reason."""
    return Correction.model_validate(service.correct(artist(), body.reason, body.line_key, body.import_id,
                                                     body.line_no, body.line_id))


@router.get("/royalties/statements", responses={200: {
    "description": "the statement (JSON), or with format=csv a CSV download",
    "content": {"application/json": {"model": Statement},
                "text/csv": {"schema": {"type": "string"}}}}})
def holder_statement(
    holder: Annotated[str, Query(min_length=1, max_length=128)],
    from_: Annotated[str, Query(alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
    to: Period,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    as_of: Annotated[str | None, Query(max_length=40)] = None,
) -> Response[Statement | str]:
    """The caller's own statement as a rights holder (403 for any other holder)."""
    statement = service.statement(token_holder(), holder, from_, to, as_of)
    if format == "csv":
        name = _CSV_NAME.sub("_", f"statement-{holder}-{from_}-{to}.csv")
        return Response(200, "text/csv; charset=utf-8", reports.statement_csv(statement),
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(200, "application/json", Statement.model_validate(statement.to_dict()))


@router.get("/royalties/chart")
def holder_chart(
    holder: Annotated[str, Query(min_length=1, max_length=128)],
    from_: Annotated[str, Query(alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = "0001-01",
    to: Period = "9999-12",
) -> Chart:
    """Plays over time, earnings over time and by song, for the caller's own holder id."""
    return Chart.model_validate(service.chart(token_holder(), holder, from_, to))
