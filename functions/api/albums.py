"""AlbumDreamer routes (``/albums``): projects planned from a concept, plan and template edits,
generation (the ``album`` workflow, a job to follow), regenerating one track, read-only SQL.

Every route acts for the caller (the token's artist id, never the body): projects live under
``artists/<caller>/albums/``, and an id that is not the caller's answers 404 as if it did not
exist. ``POST /albums/sql`` runs one read-only statement over a private copy of the caller's
own rows only. Errors: a concept, constraint, template or plan a user must fix answers 400 with
every problem named by field; a project being generated answers 409 to edits.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NoReturn

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from pydantic import Field
from soundmosaic.stories.albums.plan import MAX_CONCEPT, MAX_SECONDS, MAX_TRACKS, MIN_SECONDS
from soundmosaic.stories.albums.store import AlbumBusy, AlbumNotFound

from .caller import artist, request_id
from .models import Job, Reply, Request

router = Router()
ALBUM = "/albums/<album_id>"
Word = Annotated[str, Field(min_length=1, max_length=40)]
Text = Annotated[str, Field(max_length=2000)]
Section = Annotated[str, Field(min_length=1, max_length=4000)]


class Soundscape(Request):
    tempo_bpm: int = Field(ge=40, le=220)
    key: str = Field(max_length=12, description="e.g. 'A minor', 'Eb major'")
    instrumentation: list[Word] = Field(min_length=1, max_length=8)
    mood: Word


class PlanTrack(Request):
    title: str = Field(min_length=1, max_length=120)
    description: Text
    soundscape: Soundscape
    image_prompt: str = Field(min_length=1, max_length=1000)
    music_prompt: str = Field(min_length=1, max_length=1000)
    seconds: int = Field(ge=MIN_SECONDS, le=MAX_SECONDS)
    lyrics: str | None = Field(default=None, max_length=5000)


class Cover(Request):
    image_prompt: str = Field(min_length=1, max_length=1000)


class Plan(Request):
    """The director's plan (``plan.schema.json`` checks it again, field by field)."""

    title: str = Field(min_length=1, max_length=120)
    description: Text
    genre: str = Field(min_length=1, max_length=60)
    mood_arc: list[Word] | None = Field(default=None, max_length=MAX_TRACKS)
    visual_style: str = Field(min_length=1, max_length=500)
    cover: Cover
    tracks: list[PlanTrack] = Field(min_length=1, max_length=MAX_TRACKS)


class Templates(Request):
    """The director's prompt sections (``soundmosaic.stories.albums.templates``); one left out
    keeps its default."""

    system: Section | None = None
    concept: Section | None = None
    soundscape: Section | None = None
    tracks: Section | None = None
    visuals: Section | None = None
    output: Section | None = None


class NewAlbum(Request):
    concept: str = Field(min_length=1, max_length=MAX_CONCEPT, description="a sentence or a paragraph")
    tracks: int = Field(default=5, ge=1, le=MAX_TRACKS)
    seconds: int = Field(default=30, ge=MIN_SECONDS, le=MAX_SECONDS, description="length of each track")
    genre: str = Field(default="", max_length=60)
    mood_arc: list[Word] = Field(default_factory=list, max_length=MAX_TRACKS)
    artist_name: str = Field(default="", max_length=120)
    use_artist_dna: bool = Field(default=False, description="style the visuals with the caller's artistDNA")
    templates: Templates | None = None
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class PlanEdit(Request):
    plan: Plan


class TemplatesEdit(Request):
    templates: Templates


class SqlRequest(Request):
    sql: str = Field(min_length=1, max_length=4000, description="one SELECT (or WITH ... SELECT)")


class Constraints(Reply):
    tracks: int
    seconds: int
    genre: str
    mood_arc: list[str]
    artist_id: str | None
    artist_name: str


class TrackState(Reply):
    number: int
    title: str
    status: Literal["pending", "partial", "done", "failed"]
    error: str | None
    image_url: str | None
    audio_url: str | None
    image_engine: str | None
    music_engine: str | None


class Album(Reply):
    album_id: str
    concept: str
    constraints: Constraints
    templates: dict[str, str]
    plan: Plan | None = Field(
        description="null while an LLM director plans it (status 'planning'), or when it failed"
    )
    director_engine: str = Field(description="'offline' or provider:model of the LLM director")
    offline: bool
    status: Literal["planning", "planned", "edited", "generating", "built", "failed"]
    job_id: str | None
    site_key: str | None
    created_at: str
    updated_at: str
    tracks: list[TrackState] | None = None
    cover_url: str | None = None
    site_url: str | None = None


class AlbumSummary(Reply):
    album_id: str
    title: str | None
    concept: str
    tracks: int
    status: str
    director_engine: str
    created_at: str
    updated_at: str


class AlbumList(Reply):
    items: list[AlbumSummary]


class SqlResult(Reply):
    columns: list[str]
    rows: list[list[Any]]


@router.exception_handler([AlbumNotFound])
def no_album(err: AlbumNotFound) -> NoReturn:
    raise NotFoundError(str(err).strip("'\"")) from err


@router.exception_handler([AlbumBusy])
def busy(err: AlbumBusy) -> NoReturn:
    raise ServiceError(409, str(err)) from err


def _view(project: dict[str, Any]) -> Album:
    shown = {k: v for k, v in project.items() if k not in ("artist_id", "seed")}
    return Album.model_validate(shown)


@router.post("/albums", status_code=201)
def create_album(body: NewAlbum) -> Album:
    """A new project. The offline director plans it now (status ``planned``); an LLM director plans
    it in the ``album_plan`` workflow (status ``planning``, ``job_id`` to follow)."""
    from soundmosaic.providers import ModelMosaic
    from soundmosaic.stories.albums import service
    from soundmosaic.stories.albums.plan import Constraints as AlbumConstraints

    caller = artist()
    constraints = AlbumConstraints.create(
        body.tracks,
        body.seconds,
        body.genre,
        body.mood_arc,
        caller if body.use_artist_dna else None,
        body.artist_name,
    )
    templates = body.templates.model_dump(exclude_none=True) if body.templates else None
    mosaic = ModelMosaic.from_env()
    try:
        project = service.create(
            mosaic, caller, body.concept, constraints, templates, body.seed, request_id()
        )
    finally:
        mosaic.close()
    return _view(project)


@router.get("/albums")
def list_albums() -> AlbumList:
    from soundmosaic.stories.albums import service

    return AlbumList.model_validate({"items": service.page(artist())})


@router.get(ALBUM)
def get_album(album_id: str) -> Album:
    """The project with each track's state, and links to the images, audio, cover and site zip."""
    from soundmosaic.stories.albums import service

    return _view(service.details(artist(), album_id))


@router.put(f"{ALBUM}/plan")
def edit_plan(album_id: str, body: PlanEdit) -> Album:
    from soundmosaic.stories.albums import service

    return _view(service.update_plan(artist(), album_id, body.plan.model_dump(exclude_none=True)))


@router.put(f"{ALBUM}/templates")
def edit_templates(album_id: str, body: TemplatesEdit) -> Album:
    from soundmosaic.stories.albums import service

    return _view(service.update_templates(artist(), album_id, body.templates.model_dump(exclude_none=True)))


@router.post(f"{ALBUM}/plan")
def replan(album_id: str) -> Album:
    """A new plan from the concept and the project's (edited) templates."""
    from soundmosaic.providers import ModelMosaic
    from soundmosaic.stories.albums import service

    mosaic = ModelMosaic.from_env()
    try:
        return _view(service.replan(mosaic, artist(), album_id, request_id()))
    finally:
        mosaic.close()


@router.post(f"{ALBUM}/generate", status_code=202)
def generate(album_id: str) -> Job:
    """Make every track's image and music, the cover, the site and the database rows."""
    from soundmosaic.stories.albums import service

    return Job.model_validate(service.start(artist(), album_id, None, request_id()).__dict__)


@router.post(f"{ALBUM}/tracks/<number>/regenerate", status_code=202)
def regenerate(album_id: str, number: int) -> Job:
    """Make one track again (e.g. one that failed); the site and the database are rebuilt."""
    from soundmosaic.stories.albums import service

    return Job.model_validate(service.start(artist(), album_id, [number], request_id()).__dict__)


@router.post("/albums/sql")
def sql(body: SqlRequest) -> SqlResult:
    """One read-only statement over the caller's own albums, tracks, prompts, assets and runs."""
    from soundmosaic.stories.albums import db

    columns, rows = db.query(db.connect(), body.sql, artist_id=artist())
    return SqlResult.model_validate({"columns": columns, "rows": [list(r) for r in rows]})
