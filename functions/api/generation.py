"""The generation routes (``/generation/projects``): projects, their ten reference songs, and the
takes generated from them. A Powertools ``Router`` included by ``api/app.py``.

The artist comes from the token's claims, never from a body; every project is keyed by it, so
another artist's project, song or take is 404 like an unknown one. Bad input is 400; a request
that contradicts the project (a track already in it, more than ten songs, a project not ready to
generate from, keeping a take that is not ready) is 409 with the reason. Adding or
re-identifying songs returns 202 with the ``song_identify`` job to follow; generating a take
returns 202 with the take and its job (``GET /jobs/{job_id}``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import Field, StringConstraints
from soundmosaic.generation import references, takes
from soundmosaic.generation.projects import MAX_SONGS, ProjectStore

from .caller import artist, request_id
from .catalog import Shares
from .models import Job, Number, Reply, Request

router = Router()
Id = Annotated[str, Field(min_length=1, max_length=64)]
TAKE = "/generation/projects/<project_id>/takes/<take_id>"


class ProjectRequest(Request):
    name: str = Field(min_length=1, max_length=120)


class SongsRequest(Request):
    track_ids: list[Id] = Field(min_length=1, max_length=MAX_SONGS,
                                description=f"the artist's library tracks; at most {MAX_SONGS} in a project")


class MatchRequest(Request):
    recording_id: str = Field(min_length=1, max_length=128, description="from GET /generation/catalog")


class TakeRequest(Request):
    seed: int | None = Field(default=None, ge=0, le=takes.MAX_SEED, description="default: a random one")
    seconds: float = Field(default=takes.DEFAULT_SECONDS, ge=takes.MIN_SECONDS, le=takes.MAX_SECONDS)
    influence: str = Field(default=takes.DEFAULT_INFLUENCE, max_length=40,
                           description="the ten songs' share of the model's influence, an exact "
                                       "fraction above 1/2 and below 1 (the training catalog has the rest)")
    prompt: str = Field(default="", max_length=takes.MAX_PROMPT)
    weights: dict[Annotated[str, StringConstraints(max_length=64)],
                  Annotated[str, StringConstraints(max_length=20)]] | None = Field(
        default=None, max_length=10, description="song_id -> its relative weight, exact (\"3\", \"1/2\"); "
        "a song not named weighs 1; default: equal weights")


# -- replies: soundmosaic.generation.references and takes' views ------------------------------------


class Project(Reply):
    """``references.project_view``: the project record without its artist."""

    project_id: str
    name: str
    kept_take_id: str | None
    song_count: int
    identify_job_id: str | None = Field(description="the latest song_identify job")
    created_at: str
    updated_at: str


class ProjectSummary(Project):
    matched_count: int
    take_count: int


class ProjectList(Reply):
    items: list[ProjectSummary] = Field(description="newest first")


class Candidate(Reply):
    """A catalog recording the fingerprint found, best first."""

    recording_id: str
    title: str
    artists: list[str]
    isrc: str | None = None
    confidence: Number | None
    verdict: str | None


class Match(Reply):
    """The catalog recording a song is matched to, with its work's rights holders."""

    recording_id: str
    title: str
    artists: list[str]
    isrc: str | None
    work_id: str
    holders: Shares
    holder_names: dict[str, str] | None = None
    confidence: Number | None
    by: Literal["fingerprint", "acoustid", "hand"]


class ExternalRecording(Reply):
    source: Literal["apple-music", "musicbrainz"]
    recording_id: str
    title: str
    artists: list[str]
    isrc: str | None
    url: str | None


class Song(Reply):
    """A reference song (``references.song_view``)."""

    song_id: str
    project_id: str
    track_id: str
    title: str
    status: Literal["identifying", "matched", "doubtful", "unmatched", "failed", "needs_rights"]
    error: str | None
    candidates: list[Candidate]
    match: Match | None
    external: ExternalRecording | None = Field(default=None, description="the named catalog's recording "
                                               "the song was matched to (Apple Music, MusicBrainz)")
    added_at: str
    updated_at: str


class ReferenceWeight(Reply):
    work_id: str
    title: str | None
    weight: str = Field(description="exact decimal text, never a float")


class SongInfluence(Reply):
    work_id: str
    title: str | None
    requested: str = Field(description="the requested weight within the ten songs (decimal text)")
    measured: str | None = Field(description="the influence measured on the take (decimal text)")


class InfluenceCheck(Reply):
    """Requested against measured influence (``generation.influence``) and the split rule's verdict."""

    songs: list[SongInfluence]
    distance: str | None = Field(description="total variation distance between requested and measured "
                                 "(null: not measured)")
    tolerance: str
    verdict: Literal["within tolerance", "flagged for review", "not measured"]
    reason: str | None = Field(default=None, description="why the take could not be measured")
    split_uses: str
    method: str
    reviewed_version: int | None = Field(description="the provenance version a royalty admin recorded "
                                         "after the check, if any")


class TakeProvenance(Reply):
    """``takes.provenance_summary``: the take's recorded provenance, short."""

    track_id: str
    version: int
    isrc: str | None
    reference: list[ReferenceWeight] = Field(description="each work's influence within the ten songs' "
                                             "part (they sum to 1)")
    training_works: int
    reference_share: str = Field(description="the royalty policy: the ten songs' holders' part (exact)")
    training_share: str = Field(description="the training catalog's part (exact)")
    holder_weights: dict[str, str]
    influence_check: InfluenceCheck | None = None


class PublicationArtwork(Reply):
    """Where the release's cover came from: a picked studio artwork, or the offline engine."""

    source: Literal["studio", "offline"]
    artwork_id: str | None = Field(default=None, description="studio: the picked artwork")
    candidate_id: str | None = Field(default=None, description="studio: its picked candidate")
    offline: bool | None = None
    engine: str | None = Field(default=None, description="offline: the engine that rendered it")
    note: str | None = None


class TakePublication(Reply):
    """The take's publication request (follow it at ``GET .../publication``)."""

    release_id: str
    content_hash: str
    isrc: str | None = None
    artwork: PublicationArtwork | None = None


class Take(Reply):
    """``takes.view``: a take with presigned URLs for its media, its peaks and provenance."""

    take_id: str
    project_id: str
    seed: int
    seconds: Number
    influence: str
    weights: dict[str, str] | None = Field(default=None, description="song_id -> requested relative weight")
    prompt: str
    status: Literal["generating", "ready", "failed"]
    error: str | None
    job_id: str | None
    engine: str | None
    offline: bool | None
    duration_s: Number | None
    kept: bool
    audio_url: str | None
    preview_url: str | None
    midi_url: str | None
    peaks: list[Number]
    provenance: TakeProvenance | None
    publication: TakePublication | None
    created_at: str
    updated_at: str


class ProjectDetail(Reply):
    project: Project
    songs: list[Song]
    takes: list[Take]
    ready: bool = Field(description="ten songs matched to distinct works")
    refusal: str | None = Field(description="why it is not ready")
    identify_job: Job | None = Field(description="the latest identification job")


class SongsAdded(Reply):
    songs: list[Song]
    job: Job


class SongIdentifying(Reply):
    song: Song
    job: Job


class TakeStarted(Reply):
    take: Take
    job: Job


# -- projects ---------------------------------------------------------------------------------------


@router.post("/generation/projects", status_code=201)
def create_project(body: ProjectRequest) -> Project:
    return Project.model_validate(references.create_project(artist(), body.name))


@router.get("/generation/projects")
def list_projects() -> ProjectList:
    """The artist's projects, newest first, with song, matched-song and take counts."""
    return ProjectList.model_validate(references.list_projects(artist()))


@router.get("/generation/projects/<project_id>")
def get_project(project_id: str) -> ProjectDetail:
    """The project, its songs and takes, whether it is ready to generate (else why not), and the
    latest identification job."""
    return ProjectDetail.model_validate(references.project_detail(artist(), project_id))


@router.delete("/generation/projects/<project_id>", status_code=204)
def delete_project(project_id: str) -> Response[None]:
    """The project with its songs, takes and their media (published releases stay published)."""
    references.delete_project(artist(), project_id)
    return Response(204, None, None)


# -- songs ------------------------------------------------------------------------------------------


@router.post("/generation/projects/<project_id>/songs", status_code=202)
def add_songs(project_id: str, body: SongsRequest) -> SongsAdded:
    """Add library tracks as reference songs and start identifying them."""
    return SongsAdded.model_validate(references.add_songs(artist(), project_id, body.track_ids,
                                                          request_id()))


@router.delete("/generation/projects/<project_id>/songs/<song_id>", status_code=204)
def remove_song(project_id: str, song_id: str) -> Response[None]:
    references.remove_song(artist(), project_id, song_id)
    return Response(204, None, None)


@router.put("/generation/projects/<project_id>/songs/<song_id>/match")
def match_song(project_id: str, song_id: str, body: MatchRequest) -> Song:
    """Match a song by hand to a catalog recording (a candidate, or one found by search)."""
    return Song.model_validate(references.match_by_hand(artist(), project_id, song_id, body.recording_id))


@router.post("/generation/projects/<project_id>/songs/<song_id>/identify", status_code=202)
def reidentify_song(project_id: str, song_id: str) -> SongIdentifying:
    """Fingerprint and match the song again."""
    return SongIdentifying.model_validate(references.reidentify(artist(), project_id, song_id,
                                                                request_id()))


# -- takes ------------------------------------------------------------------------------------------


@router.post("/generation/projects/<project_id>/takes", status_code=202)
def start_take(project_id: str, body: TakeRequest) -> TakeStarted:
    """Generate a take from the project's ten songs (another seed: another take)."""
    take, job = takes.start_take(artist(), project_id, seed=body.seed, seconds=body.seconds,
                                 influence=body.influence, prompt=body.prompt, weights=body.weights,
                                 correlation_id=request_id())
    started: dict[str, Any] = {"take": takes.view(take), "job": job.__dict__}
    return TakeStarted.model_validate(started)


@router.get(TAKE)
def get_take(project_id: str, take_id: str) -> Take:
    return Take.model_validate(takes.view(ProjectStore().take(artist(), project_id, take_id)))


@router.post(f"{TAKE}/keep")
def keep_take(project_id: str, take_id: str) -> Take:
    """Keep this take (only a ready one); the take kept before is no longer kept."""
    return Take.model_validate(takes.view(takes.keep(artist(), project_id, take_id)))
