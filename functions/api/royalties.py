"""The royalty routes (``/royalties/...``): statement uploads and imports, provenance, corrections,
the audit log, and a rights holder's own statements and charts. A Powertools ``Router`` included
by ``api/app.py``.

The tenant (artist or label) comes from the token's ``artist_id``, the rights holder from its
``holder_id`` (``custom:holder_id``); neither ever from a body or a query. Who sees what is in
``soundmosaic.royalties.service``: a holder reads only their own statement (403 otherwise), a
tenant only its own imports, lines and tracks (404 otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
)
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel, Field
from soundmosaic.platform import auth
from soundmosaic.royalties import reports, service
from soundmosaic.royalties.imports import ImportNotFound
from soundmosaic.royalties.ledger import ImportRefused, LedgerError, LineNotFound
from soundmosaic.royalties.reports import NotYourStatement
from soundmosaic.royalties.tenancy import TrackTaken

router = Router()
Share = Annotated[str, Field(pattern=r"^\d{1,18}(/\d{1,18}|\.\d{1,18})?$",
                             description="exact: '3/5', '0.25' or '1' (never a float)")]
Id = Annotated[str, Field(min_length=1, max_length=128)]
Period = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
_CSV_NAME = re.compile(r"[^A-Za-z0-9._-]")


class StatementUploadRequest(BaseModel):
    filename: str = Field(min_length=1, max_length=512, description="a .csv or .jsonl file")
    size_bytes: int = Field(gt=0)


class ImportRequest(BaseModel):
    key: str = Field(min_length=1, max_length=1024, description="from POST /royalties/statements/uploads")
    source: str | None = Field(default=None, min_length=1, max_length=150,
                               description="the statement's name, e.g. 'distrokid:2024-05' (default: the "
                               "file name); the same statement imported again changes nothing")


class WorkShare(BaseModel):
    work_id: Id
    weight: Share = Field(description="influence on the track, or share of the training data")
    holders: dict[Id, Share] = Field(min_length=1, max_length=100, description="holder -> share, sum 1")


class ProvenanceRequest(BaseModel):
    track_id: Id
    isrc: str | None = Field(default=None, max_length=15)
    reference: list[WorkShare] = Field(min_length=10, max_length=10, description="the ten reference works")
    training: list[WorkShare] = Field(min_length=1, max_length=5000, description="training catalog works")


class CorrectionRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
    line_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    import_id: str | None = Field(default=None, max_length=64)
    line_no: int | None = Field(default=None, ge=1)
    line_id: str | None = Field(default=None, max_length=200)


def _artist() -> str:
    return auth.artist_from_claims(auth.claims_of(router.current_event))  # Unauthorized: 401 (api/app.py)


def _holder() -> str | None:
    return auth.holder_from_claims(auth.claims_of(router.current_event))


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except (ImportNotFound, LineNotFound) as err:
        raise NotFoundError(str(err).strip("'\"")) from err
    except NotYourStatement as err:
        raise ServiceError(403, str(err)) from err
    except (TrackTaken, ImportRefused) as err:
        raise ServiceError(409, str(err)) from err
    except (ValueError, LedgerError) as err:  # ProvenanceError, bad periods, Refused, not applied
        raise BadRequestError(str(err)) from err


@router.post("/royalties/statements/uploads")
def statement_upload(body: StatementUploadRequest) -> Response[dict[str, Any]]:
    """A presigned PUT for a statement file; then start its import with ``POST /royalties/imports``."""
    with _domain_errors():
        reply = service.statement_upload(_artist(), body.filename, body.size_bytes)
    return Response(201, "application/json", reply)


@router.post("/royalties/imports")
def start_import(body: ImportRequest) -> Response[dict[str, Any]]:
    """Import an uploaded statement file (a job: follow it at ``GET /royalties/imports/{id}``)."""
    with _domain_errors():
        request_id = cast(APIGatewayProxyEventV2, router.current_event).request_context.request_id
        job = service.start_import(_artist(), body.key, body.source, request_id)
    return Response(202, "application/json", job.__dict__)


@router.get("/royalties/imports/<import_id>")
def get_import(import_id: str) -> dict[str, Any]:
    with _domain_errors():
        return service.get_import(_artist(), import_id)


@router.get("/royalties/imports/<import_id>/errors")
def import_errors(import_id: str) -> list[dict[str, Any]]:
    """Every rejected line: ``[{line_no, reason, raw}]`` in line order."""
    with _domain_errors():
        return service.import_errors(_artist(), import_id)


@router.get("/royalties/audit")
def import_audit(import_: Annotated[str, Query(alias="import", max_length=64)]) -> list[dict[str, Any]]:
    """The audit records of every ledger write of one of the tenant's imports."""
    with _domain_errors():
        return service.import_audit(_artist(), import_)


@router.post("/royalties/provenance")
def record_provenance(body: ProvenanceRequest) -> Response[dict[str, Any]]:
    """Record a generated track's provenance (ten reference works, the training catalog, exact shares)."""
    with _domain_errors():
        reply = service.record_provenance(_artist(), body.model_dump())
    return Response(201, "application/json", reply)


@router.get("/royalties/holders")
def list_holders() -> list[dict[str, Any]]:
    """The tenant's tracks, their rights holders with weights, and what each was allocated."""
    with _domain_errors():
        return service.holders(_artist())


@router.post("/royalties/corrections")
def correct(body: CorrectionRequest) -> Response[dict[str, Any]]:
    """Reverse one line (by ``line_key``, or ``import_id`` + ``line_no``/``line_id``) with a reason."""
    with _domain_errors():
        reply = service.correct(_artist(), body.reason, body.line_key, body.import_id, body.line_no,
                                body.line_id)
    return Response(201, "application/json", reply)


@router.get("/royalties/statements")
def holder_statement(
    holder: Annotated[str, Query(min_length=1, max_length=128)],
    from_: Annotated[str, Query(alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
    to: Period,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    as_of: Annotated[str | None, Query(max_length=40)] = None,
) -> Response[Any]:
    """The caller's own statement as a rights holder (403 for any other holder)."""
    with _domain_errors():
        statement = service.statement(_holder(), holder, from_, to, as_of)
    if format == "csv":
        name = _CSV_NAME.sub("_", f"statement-{holder}-{from_}-{to}.csv")
        return Response(200, "text/csv; charset=utf-8", reports.statement_csv(statement),
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(200, "application/json", statement.to_dict())


@router.get("/royalties/chart")
def holder_chart(
    holder: Annotated[str, Query(min_length=1, max_length=128)],
    from_: Annotated[str, Query(alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = "0001-01",
    to: Period = "9999-12",
) -> dict[str, Any]:
    """Plays over time, earnings over time and by song, for the caller's own holder id."""
    with _domain_errors():
        return service.chart(_holder(), holder, from_, to)
