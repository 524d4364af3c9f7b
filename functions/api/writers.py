"""The writers' room routes (``/writers/...``): rooms and members, script documents, the bible,
scenes, chat turns (archivist / creative), creative tools and the cost metrics.

The user is the token's artist id (``custom:artist_id``, else ``sub``); every route but room
creation and listing first checks that the user is a member of the room (a room the user is not
in answers 404, as if it were not there). Chat replies are written by the ``writers`` worker
while Claude streams: API Gateway's HTTP API cannot stream a Lambda response, so the SPA polls
``GET .../turns/{turn_id}`` and shows the text as it grows. Details: docs/writers.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from .caller import artist
from .models import Number, Presigned, Reply, Request

router = Router()

Role = Literal["writer", "editor", "admin"]
Mode = Literal["archivist", "creative"]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@:-]+$")]


# -- requests ---------------------------------------------------------------------------------------


class RoomRequest(Request):
    name: str = Field(min_length=1, max_length=120, description="the show or team")
    language: Literal["de", "en"] = Field(default="de", description="the archive's main language")


class MemberRequest(Request):
    role: Role


class ScriptUploadRequest(Request):
    filename: str = Field(
        min_length=1, max_length=255, description=".pdf, .docx, .fdx, .fountain, .md or .txt"
    )
    size_bytes: int = Field(gt=0, le=200 * 1024 * 1024)


class TurnRequest(Request):
    mode: Mode = "archivist"
    message: str = Field(min_length=1, max_length=8000)
    session_id: Id | None = Field(default=None, description="continue this session (yours)")


class ContinuityRequest(Request):
    draft: str = Field(min_length=1, max_length=60_000, description="a scene or outline to check")


class ArcRequest(Request):
    character: str = Field(min_length=1, max_length=120)


# -- replies ----------------------------------------------------------------------------------------


class Member(Reply):
    user_id: str
    role: Role
    added_at: str


class Room(Reply):
    room_id: str
    name: str
    language: str
    role: Role = Field(description="the caller's role in this room")
    created_by: str
    created_at: str


class RoomDetail(Room):
    members: list[Member]
    documents: int
    episodes: int
    bible_version: int
    drop_prefix: str = Field(description="files put under this prefix of the uploads bucket are ingested")


class RoomList(Reply):
    items: list[Room]


class Removed(Reply):
    user_id: str
    removed: bool


class DocumentUpload(Presigned):
    document_id: str


class Document(Reply):
    document_id: str
    filename: str
    source: str = Field(description="'upload' or 'drop'")
    status: Literal["queued", "parsing", "indexing", "indexed", "duplicate", "superseded", "failed"]
    format: str | None
    language: str | None
    episode: int | None
    version: int | None = Field(description="the episode's revision this document is (1, 2 ...)")
    scenes: int | None
    content_hash: str | None
    error: str | None = Field(description="why the document failed (the others are not affected)")
    duplicate_of: str | None
    created_at: str
    updated_at: str


class DocumentList(Reply):
    items: list[Document]


class Citation(Reply):
    document: str = Field(description="the document's file name")
    document_id: str
    episode: int | None
    scene: int
    heading: str
    quote: str
    score: Number | None


class Scene(Reply):
    document_id: str
    document: str
    episode: int | None
    version: int
    scene: int
    heading: str
    characters: list[str]
    directions: list[str]
    text: str


class Relationship(Reply):
    character: str
    kind: str
    episode: int | None


class StoryBeat(Reply):
    episode: int | None
    scene: int
    summary: str


class Character(Reply):
    name: str
    lines: int
    scenes: int
    episodes: list[int]
    first_episode: int | None
    last_episode: int | None
    relationships: list[Relationship]
    storyline: list[StoryBeat]


class EpisodeEntry(Reply):
    episode: int
    title: str
    document_id: str
    version: int
    scenes: int
    characters: list[str]
    summary: str


class Bible(Reply):
    room_id: str
    version: int
    updated_at: str | None
    characters: list[Character]
    episodes: list[EpisodeEntry]


class Usage(Reply):
    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int


class Turn(Reply):
    turn_id: str
    session_id: str
    mode: Mode
    message: str
    status: Literal["queued", "streaming", "done", "failed"]
    done: bool
    text: str
    citations: list[Citation]
    engine: str = Field(description="'offline-archivist' or 'anthropic:<model>'")
    not_in_archive: bool
    needs_provider: bool = Field(description="creative mode without a provider: see context")
    context: str | None = Field(description="the archive context the creative partner would send")
    usage: Usage | None
    cost_usd: str | None = Field(description="exact decimal USD")
    latency_ms: Number | None
    error: str | None
    created_at: str
    updated_at: str


class TurnStarted(Reply):
    turn_id: str
    session_id: str
    status: Literal["queued", "streaming", "done", "failed"]


class SessionSummary(Reply):
    session_id: str
    title: str
    turns: int
    created_at: str
    updated_at: str


class SessionList(Reply):
    items: list[SessionSummary]


class Session(Reply):
    session_id: str
    turns: list[Turn]


class Finding(Reply):
    sentence: str
    verdict: Literal["consistent", "contradiction", "unknown"]
    reason: str
    evidence: list[Citation]


class ContinuityReport(Reply):
    engine: str
    findings: list[Finding]
    text: str
    usage: Usage | None


class ArcBeat(Reply):
    episode: int | None
    scene: int
    summary: str
    citation: Citation


class ArcReport(Reply):
    engine: str
    character: str
    known: bool
    beats: list[ArcBeat]
    text: str
    usage: Usage | None


class DayMetrics(Reply):
    day: str
    calls: int
    calls_by_mode: dict[str, int] = Field(description="archivist, creative, tool, warm")
    input_tokens: int = Field(description="all input tokens: uncached + cache writes + cache reads")
    uncached_input_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    output_tokens: int
    cache_read_share: Number = Field(description="cache reads / all input tokens, 0..1")
    cost_usd: str
    cost_without_cache_usd: str
    saved_usd: str
    p50_latency_ms: Number | None
    p95_latency_ms: Number | None


class Metrics(Reply):
    room_id: str
    days: list[DayMetrics]
    total: DayMetrics


# -- routes -----------------------------------------------------------------------------------------


def _svc() -> Any:
    from soundmosaic.writers import service  # imported by the routes, not at cold start

    return service


@router.post("/writers/rooms", status_code=201)
def create_room(body: RoomRequest) -> Room:
    return Room.model_validate(_svc().create_room(artist(), body.name, body.language))


@router.get("/writers/rooms")
def list_rooms() -> RoomList:
    return RoomList.model_validate({"items": _svc().list_rooms(artist())})


@router.get("/writers/rooms/<room_id>")
def get_room(room_id: str) -> RoomDetail:
    return RoomDetail.model_validate(_svc().room_detail(artist(), room_id))


@router.put("/writers/rooms/<room_id>/members/<user_id>")
def put_member(room_id: str, user_id: str, body: MemberRequest) -> Member:
    return Member.model_validate(_svc().set_member(artist(), room_id, user_id, body.role))


@router.delete("/writers/rooms/<room_id>/members/<user_id>")
def delete_member(room_id: str, user_id: str) -> Removed:
    return Removed.model_validate(_svc().remove_member(artist(), room_id, user_id))


@router.post("/writers/rooms/<room_id>/uploads", status_code=201)
def create_upload(room_id: str, body: ScriptUploadRequest) -> DocumentUpload:
    """A presigned PUT for one script; the upload event starts the ingest workflow."""
    return DocumentUpload.model_validate(
        _svc().create_upload(artist(), room_id, body.filename, body.size_bytes)
    )


@router.get("/writers/rooms/<room_id>/documents")
def list_documents(room_id: str) -> DocumentList:
    return DocumentList.model_validate({"items": _svc().list_documents(artist(), room_id)})


@router.get("/writers/rooms/<room_id>/bible")
def get_bible(room_id: str, version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None) -> Bible:
    return Bible.model_validate(_svc().bible(artist(), room_id, version))


@router.get("/writers/rooms/<room_id>/scenes/<document_id>/<scene>")
def get_scene(room_id: str, document_id: str, scene: int) -> Scene:
    return Scene.model_validate(_svc().scene(artist(), room_id, document_id, scene))


@router.post("/writers/rooms/<room_id>/turns", status_code=202)
def start_turn(room_id: str, body: TurnRequest) -> TurnStarted:
    """Start a chat turn; poll ``GET .../turns/{turn_id}`` for the text as it streams in."""
    return TurnStarted.model_validate(
        _svc().start_turn(artist(), room_id, body.mode, body.message, body.session_id)
    )


@router.get("/writers/rooms/<room_id>/turns/<turn_id>")
def get_turn(room_id: str, turn_id: str) -> Turn:
    return Turn.model_validate(_svc().turn(artist(), room_id, turn_id))


@router.get("/writers/rooms/<room_id>/sessions")
def list_sessions(room_id: str) -> SessionList:
    """The caller's own sessions in this room, newest first."""
    return SessionList.model_validate({"items": _svc().sessions(artist(), room_id)})


@router.get("/writers/rooms/<room_id>/sessions/<session_id>")
def get_session(room_id: str, session_id: str) -> Session:
    return Session.model_validate(_svc().session(artist(), room_id, session_id))


@router.post("/writers/rooms/<room_id>/tools/continuity")
def continuity(room_id: str, body: ContinuityRequest) -> ContinuityReport:
    return ContinuityReport.model_validate(_svc().continuity(artist(), room_id, body.draft))


@router.post("/writers/rooms/<room_id>/tools/arc")
def arc(room_id: str, body: ArcRequest) -> ArcReport:
    return ArcReport.model_validate(_svc().arc(artist(), room_id, body.character))


@router.get("/writers/rooms/<room_id>/metrics")
def metrics(room_id: str, days: Annotated[int, Query(ge=1, le=92)] = 14) -> Metrics:
    return Metrics.model_validate(_svc().metrics(artist(), room_id, days))
