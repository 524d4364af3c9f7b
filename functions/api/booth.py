"""The event booth routes (``/booth/...``): events, the kiosk's capture, the organiser's views
(participants, CSV export, erasure, audit, collages), the print queue, and the participant's own
page through their download code. A Powertools ``Router`` included by ``api/app.py``.

The caller's booth role and event come from the token (``custom:booth_role``,
``custom:booth_event``), never from a body or a query; ``soundmosaic.booth.service`` checks them
against the event (404 for an event that is not the caller's, 403 for a role that may not).
``/booth/public/...`` is the one booth path open without a token (``auth.PUBLIC_PREFIXES``): a
participant's code, rate-limited per client (429). Nothing here logs a request body.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import Field
from soundmosaic.booth import export, service
from soundmosaic.booth.access import (
    BoothCaller,
    EventNotFound,
    NotBoothStaff,
    NotOrganiser,
    ParticipantNotFound,
    TooManyLookups,
)
from soundmosaic.booth.participants import FormInvalid
from soundmosaic.booth.service import TemplateNotFound
from soundmosaic.platform import auth

from .caller import artist, request_id
from .models import Job, Presigned, Reply, Request

router = Router()
EventId = Annotated[str, Path(pattern=r"^ev_[a-f0-9]{16}$")]
ParticipantId = Annotated[str, Path(pattern=r"^p_[a-f0-9]{20}$")]


def booth_caller() -> BoothCaller:
    return BoothCaller.from_claims(artist(), auth.claims_of(router.current_event))


class ConsentAsked(Request):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    text: str = Field(min_length=10, max_length=2000)
    required: bool


class EventRequest(Request):
    name: str = Field(min_length=1, max_length=120)
    retention_days: int = Field(default=30, ge=1, le=365)
    consents: list[ConsentAsked] | None = Field(default=None, max_length=5)


class ConsentAnswer(Request):
    key: str = Field(max_length=32)
    text: str = Field(max_length=2000, description="exactly the text the kiosk showed")
    accepted: bool


class CaptureRequest(Request):
    """Lengths are bounded here; the content is checked field by field by the booth (400 with
    ``errors``)."""

    name: str = Field(max_length=400)
    email: str = Field(max_length=400)
    phone: str = Field(max_length=40)
    consents: list[ConsentAnswer] = Field(max_length=5)


class TemplateRequest(Request):
    kind: Literal["musician", "background"]
    title: str = Field(min_length=1, max_length=120, description="e.g. the musician and the song")
    content_type: Literal["video/mp4", "video/quicktime", "video/webm"]


class JobRequest(Request):
    template_id: str = Field(pattern=r"^t_[a-f0-9]{20}$")


class CollageRequest(Request):
    size: int = Field(ge=4, le=100)


# -- replies ----------------------------------------------------------------------------------------


class Event(Reply):
    event_id: str
    name: str
    retention_days: int
    created_at: str
    consents: list[dict[str, Any]]


class EventSummary(Reply):
    event_id: str
    name: str
    created_at: str


class Captured(Reply):
    participant_id: str
    code: str
    download_url: str
    photo_upload: Presigned
    clip_upload: Presigned


class Template(Reply):
    template_id: str
    kind: Literal["musician", "background"]
    title: str
    created_at: str
    preview_url: str | None = None
    upload: Presigned | None = None


class PrintState(Reply):
    status: Literal["none", "ready", "printed"]
    count: int
    ready_at: str | None = None
    printed_at: str | None = None


class Participant(Reply):
    participant_id: str
    status: str
    created_at: str
    consents: dict[str, bool]
    media: list[str]
    print: PrintState
    # the organiser's view only:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    download_url: str | None = None
    consent_texts: dict[str, str] | None = None


class PrintItem(Reply):
    participant_id: str
    print: PrintState
    image_url: str


class Collage(Reply):
    collage_id: str
    participant_ids: list[str]
    status: str
    created_at: str


class Audit(Reply):
    action: str
    participant_id: str
    by: str
    at: str
    objects_deleted: int
    collages_changed: list[str]
    had_record: bool


class MyMedia(Reply):
    status: str
    media: dict[str, str]


@router.post("/booth/events", status_code=201)
def create_event(body: EventRequest) -> Event:
    """A new event; the caller (an organiser) owns it."""
    consents = [c.model_dump() for c in body.consents] if body.consents else None
    return Event.model_validate(
        service.create_event(booth_caller(), body.name, consents, body.retention_days)
    )


@router.get("/booth/events")
def list_events() -> list[EventSummary]:
    return [EventSummary.model_validate(e) for e in service.list_events(booth_caller())]


@router.get("/booth/events/<event_id>")
def get_event(event_id: EventId) -> Event:
    """The event with its consent texts (the kiosk shows exactly these)."""
    return Event.model_validate(service.get_event(booth_caller(), event_id))


@router.post("/booth/events/<event_id>/participants", status_code=201)
def capture(event_id: EventId, body: CaptureRequest) -> Captured:
    """The kiosk's form: the code comes back once (the QR code of the participant's page)."""
    return Captured.model_validate(service.capture(booth_caller(), event_id, body.model_dump()))


@router.get("/booth/events/<event_id>/participants")
def participants(event_id: EventId) -> list[Participant]:
    """With name, e-mail and phone for the event's organiser; opaque ids for its operators."""
    return [Participant.model_validate(p) for p in service.participants_of(booth_caller(), event_id)]


@router.get(
    "/booth/events/<event_id>/export",
    responses={
        200: {
            "description": "the participants as CSV (organiser only)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export_csv(event_id: EventId) -> Response[str]:
    caller = booth_caller()
    keys = [c["key"] for c in service.get_event(caller, event_id)["consents"]]
    text = export.to_csv(service.export_rows(caller, event_id), keys)
    return Response(
        200,
        "text/csv; charset=utf-8",
        text,
        headers={
            "Content-Disposition": f'attachment; filename="participants-{event_id}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.delete("/booth/events/<event_id>/participants/<participant_id>")
def erase(event_id: EventId, participant_id: ParticipantId) -> Audit:
    """Right to erasure: PII, media, derived media, pending collage frames; the audit record stays."""
    return Audit.model_validate(service.erase(booth_caller(), event_id, participant_id))


@router.get("/booth/events/<event_id>/audit")
def audit(event_id: EventId) -> list[Audit]:
    return [Audit.model_validate(a) for a in service.audit_log(booth_caller(), event_id)]


@router.post("/booth/events/<event_id>/templates", status_code=201)
def add_template(event_id: EventId, body: TemplateRequest) -> Template:
    """A musician clip (face swap) or a background video (organiser); PUT the file to ``upload``."""
    return Template.model_validate(
        service.add_template(booth_caller(), event_id, body.kind, body.title, body.content_type)
    )


@router.get("/booth/events/<event_id>/templates")
def templates(event_id: EventId) -> list[Template]:
    return [Template.model_validate(t) for t in service.templates_of(booth_caller(), event_id)]


@router.post("/booth/events/<event_id>/participants/<participant_id>/jobs", status_code=202)
def start_job(event_id: EventId, participant_id: ParticipantId, body: JobRequest) -> Job:
    """Start the swap (a musician template) or background job once the photo or clip is uploaded;
    asking again gives the same job."""
    return Job.model_validate(
        service.start_job(booth_caller(), event_id, participant_id, body.template_id, request_id())
    )


@router.get("/booth/events/<event_id>/jobs")
def booth_jobs(event_id: EventId) -> list[Job]:
    """The event's jobs with stage and percent: the operator's queue."""
    return [Job.model_validate(j) for j in service.jobs_of(booth_caller(), event_id)]


@router.get("/booth/events/<event_id>/prints")
def prints(
    event_id: EventId, status: Annotated[str, Query(pattern="^(ready|printed)$")] = "ready"
) -> list[PrintItem]:
    return [PrintItem.model_validate(p) for p in service.print_queue(booth_caller(), event_id, status)]


@router.post("/booth/events/<event_id>/prints/<participant_id>/printed")
def printed(event_id: EventId, participant_id: ParticipantId) -> PrintState:
    return PrintState.model_validate(service.mark_printed(booth_caller(), event_id, participant_id))


@router.post("/booth/events/<event_id>/prints/<participant_id>/reprint")
def reprint(event_id: EventId, participant_id: ParticipantId) -> PrintState:
    return PrintState.model_validate(service.reprint(booth_caller(), event_id, participant_id))


@router.post("/booth/events/<event_id>/collages", status_code=201)
def request_collage(event_id: EventId, body: CollageRequest) -> Collage:
    """A collage of the latest ``size`` participants who consented to it (organiser only)."""
    return Collage.model_validate(service.request_collage(booth_caller(), event_id, body.size))


@router.get("/booth/events/<event_id>/collages")
def list_collages(event_id: EventId) -> list[Collage]:
    return [Collage.model_validate(c) for c in service.collages(booth_caller(), event_id)]


@router.get("/booth/public/media/<code>")
def my_media(code: Annotated[str, Path(max_length=64)]) -> MyMedia:
    """A participant's own video and print image (presigned links) through their code; no token."""
    event = router.current_event
    assert isinstance(event, APIGatewayProxyEventV2)  # the HTTP API (v2) resolver
    source_ip = str(event.request_context.http.source_ip or "unknown")
    return MyMedia.model_validate(service.by_code(code, source_ip))


# -- the booth's errors (the router carries them; api/app.py includes it) ----------------------------


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status, "application/json", json.dumps(body))


@router.exception_handler(FormInvalid)
def form_invalid(err: FormInvalid) -> Response[str]:
    """400 with one message per bad field, for the kiosk to show beside each box."""
    return _json(400, {"statusCode": 400, "message": "the form has errors", "errors": err.errors})


@router.exception_handler([EventNotFound, ParticipantNotFound, TemplateNotFound])
def booth_not_found(err: LookupError) -> Response[str]:
    return _json(404, {"statusCode": 404, "message": str(err).strip("'\"")})


@router.exception_handler([NotOrganiser, NotBoothStaff])
def booth_forbidden(err: PermissionError) -> Response[str]:
    return _json(403, {"statusCode": 403, "message": str(err)})


@router.exception_handler(TooManyLookups)
def too_many(err: TooManyLookups) -> Response[str]:
    return Response(
        429,
        "application/json",
        json.dumps({"statusCode": 429, "message": str(err)}),
        headers={"Retry-After": "60"},
    )
