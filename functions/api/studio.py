"""The asset studio's routes (``/studio/...``): names, references, artwork, batches, video loops
and the artistDNA. A Powertools ``Router`` included by ``api/app.py``.

The artist comes from the token's claims, never from a body; bodies are validated (with limits)
before the studio sees them, and domain errors map to 400 (bad input) or 404 (not yours or not
there). Long work returns 202 with the job to follow at ``GET /jobs/{job_id}``. The studio's
service (Pillow, rapidfuzz, the vendor clients) is imported by the routes, not at cold start.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from .caller import artist, request_id
from .models import Job, Number, Presigned, Reply, Request

router = Router()
Text60 = Annotated[str, Field(max_length=60)]


class NamesRequest(Request):
    artist_name: str = Field(min_length=1, max_length=120)
    genre: str = Field(default="", max_length=60)
    mood: str = Field(default="", max_length=60)
    themes: list[Text60] = Field(default_factory=list, max_length=10)
    track_id: str | None = Field(default=None, max_length=64,
                                 description="a library track whose analysis (bpm, key) feeds the brief")
    count: int = Field(default=8, ge=1, le=20)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1, description="same seed, same offline names")


class NameBrief(Request):
    artist_name: str = Field(min_length=1, max_length=120)
    genre: str = Field(default="", max_length=60)
    mood: str = Field(default="", max_length=60)
    themes: list[Text60] = Field(default_factory=list, max_length=10)


class PickNameRequest(Request):
    name: str = Field(min_length=1, max_length=60)
    brief: NameBrief
    rationale: str | None = Field(default=None, max_length=300)
    track_id: str | None = Field(default=None, max_length=64, description="renamed to the chosen name")


class ReferenceRequest(Request):
    filename: str = Field(min_length=1, max_length=512)
    content_type: str = Field(max_length=100, description="image/png, image/jpeg or image/webp")
    size_bytes: int = Field(gt=0)


class Parent(Request):
    artwork_id: str = Field(max_length=64)
    candidate_id: str = Field(max_length=8)


class ArtworkRequest(Request):
    prompt: str = Field(min_length=1, max_length=1000)
    artist_name: str = Field(min_length=1, max_length=120)
    genre: str = Field(default="", max_length=60)
    mood: str = Field(default="", max_length=60)
    title: str | None = Field(default=None, max_length=120)
    count: int = Field(default=4, ge=1, le=8)
    reference_keys: list[Annotated[str, Field(max_length=1024)]] = Field(default_factory=list, max_length=4)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    parent: Parent | None = Field(default=None, description="refine this candidate: its seed is kept "
                                  "(one candidate) unless variation is true")
    variation: bool = Field(default=False, description="with parent: count candidates on seeds near it")


class BatchRequest(Request):
    items: list[dict[str, Any]] | None = Field(default=None, max_length=10_000)
    csv: str | None = Field(default=None, max_length=2_000_000,
                            description="columns: title, artist_name, genre, mood, prompt (+ count, seed)")


class PickArtworkRequest(Request):
    candidate_id: str = Field(max_length=8)


class VideoRequest(Request):
    artwork_id: str = Field(max_length=64)
    candidate_id: str = Field(max_length=8)
    track_id: str | None = Field(default=None, max_length=64, description="mux its first seconds (AAC)")
    seconds: float = Field(default=10, gt=0, le=30)


class StyleRequest(Request):
    palette: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=16)
    fonts: list[Text60] = Field(default_factory=list, max_length=10)
    moods: list[Text60] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=1000)


# -- replies: soundmosaic.studio.service and the records it reads ----------------------------------


ArtworkStatus = Literal["queued", "ok", "partial", "refused", "failed"]


class NameCandidate(Reply):
    name: str
    rationale: str
    flags: list[str] = Field(description="'used_by_artist', 'in_catalog' or 'too_close:<name>'")
    ok: bool


class NameSuggestions(Reply):
    engine: str = Field(description="provider:model")
    offline: bool
    candidates: list[NameCandidate]


class DnaVersion(Reply):
    dna_version: int = Field(description="the artistDNA version this wrote")


class PickedName(DnaVersion):
    name: str
    track_id: str | None
    flags: list[str]


class ArtworkParent(Reply):
    artwork_id: str
    candidate_id: str


class Brief(Reply):
    """A cleaned brief (``studio.briefs.Brief.as_dict``): empty fields are left out."""

    artist_name: str
    genre: str | None = None
    mood: str | None = None
    themes: list[str] | None = None
    prompt: str | None = Field(default=None, description="artwork briefs: the user's prompt")
    title: str | None = Field(default=None, description="the track the asset is for")
    track_id: str | None = Field(default=None, description="a library track whose analysis fed the brief")
    bpm: Number | None = Field(default=None, description="from the track's analysis")
    key: str | None = Field(default=None, description="from the track's analysis, e.g. 'A minor'")


class ModelUsed(Reply):
    """The model (ModelMosaic's provider and model) that made something."""

    provider: str
    model: str
    offline: bool = Field(description="made by an offline engine (no vendor was called)")


class ReferenceDescription(ModelUsed):
    key: str
    description: str = Field(description="what the vision model saw in the reference image")


class ArtworkCandidate(ModelUsed):
    candidate_id: str
    seed: int
    cost_usd: str = Field(description="exact decimal text")
    width: int | None
    height: int | None
    url: str = Field(description="a presigned GET of the PNG")


class Artwork(Reply):
    """``studio.artwork.details``: brief, final prompt, reference descriptions, candidates."""

    artwork_id: str
    created_at: str
    job_id: str | None
    status: ArtworkStatus = Field(description="queued while its job runs")
    brief: Brief
    prompt: str = Field(description="the user's prompt")
    final_prompt: str | None = Field(description="what the image model was sent: the prompt with the "
                                     "brief, artistDNA style and references")
    parent: ArtworkParent | None
    variation: bool
    references: list[ReferenceDescription]
    errors: list[str]
    candidates: list[ArtworkCandidate]


class ArtworkSummary(Reply):
    artwork_id: str
    created_at: str
    job_id: str | None
    title: str
    prompt: str
    status: ArtworkStatus
    parent: ArtworkParent | None
    candidate_ids: list[str]
    thumbnail_url: str | None = Field(description="the first candidate's image")


class ArtworkPage(Reply):
    items: list[ArtworkSummary]
    next_cursor: str | None


class BatchPlanItem(Reply):
    index: int
    artwork_id: str
    title: str


class Refusal(Reply):
    candidate_id: str
    seed: int
    reason: str


class BatchItemReport(Reply):
    index: int
    artwork_id: str
    title: str
    status: Literal["ok", "partial", "refused", "failed"]
    made: list[str] = Field(description="candidate ids made")
    refused: list[Refusal]
    error: str | None
    urls: dict[str, str] = Field(description="candidate id -> presigned URL")


class BatchCounts(Reply):
    ok: int
    partial: int
    refused: int
    failed: int


class BatchRunning(Reply):
    """A batch whose report is not written yet: its plan."""

    job_id: str
    kind: str
    finished: Literal[False]
    items: list[BatchPlanItem]
    contact_sheet_url: None


class BatchReport(Reply):
    """A finished batch's report (``studio.batch.report``) with fresh URLs."""

    job_id: str
    kind: str
    finished: Literal[True]
    finished_at: str
    counts: BatchCounts
    items: list[BatchItemReport]
    contact_sheet_url: str


class DnaStyle(Reply):
    palette: list[str]
    fonts: list[str]
    moods: list[str]
    notes: str | None = None


class DnaName(Reply):
    name: str
    rationale: str
    brief: Brief
    track_id: str | None = None
    chosen_at: str


class Made(ModelUsed):
    """A picked asset: what made it (prompt, seed, model) and where it is stored."""

    prompt: str
    seed: int
    cost_usd: str | None = Field(default=None, description="exact decimal text")
    media_key: str = Field(description="its key in the media bucket")


class DnaArtwork(Made):
    artwork_id: str
    candidate_id: str
    title: str | None = None
    final_prompt: str = Field(description="what the image model was sent")
    references: list[str] | None = Field(default=None, description="the reference images' descriptions")
    parent: ArtworkParent | None = Field(default=None, description="the candidate it refined")
    chosen_at: str


class DnaVideo(Made):
    video_id: str
    artwork_id: str
    candidate_id: str = Field(description="the artwork candidate it loops")
    seconds: Number
    width: int | None = None
    height: int | None = None
    track_id: str | None = Field(default=None, description="the library track whose audio it carries")
    audio: bool | None = None
    created_at: str


class Video(DnaVideo):
    """A video loop's sidecar (``studio.video``) with a fresh presigned URL."""

    fps: int
    codec: str
    video_url: str = Field(description="a presigned GET of the MP4")


class ArtistDna(Reply):
    """One artistDNA version (``studio/artist_dna.schema.json``): the artist's style and every
    asset they picked, with the prompt, seed and model that made it. Version 0 is empty."""

    schema_: str = Field(alias="schema")
    artist_id: str
    version: int
    created_at: str
    change: str
    style: DnaStyle
    names: list[DnaName]
    artworks: list[DnaArtwork]
    videos: list[DnaVideo]


class DnaHistoryEntry(Reply):
    version: int
    created_at: str
    change: str


class DnaChange(Reply):
    path: str = Field(description="a JSON Pointer")
    op: Literal["add", "remove", "change"]
    before: Any
    after: Any


# -- names and references -------------------------------------------------------------------------


@router.post("/studio/names")
def suggest_names(body: NamesRequest) -> NameSuggestions:
    """Track-name candidates for a brief, each flagged when the artist or the catalog already
    has it (or something too close)."""
    from soundmosaic.studio import service

    return NameSuggestions.model_validate(service.suggest_names(
        artist(), body.artist_name, body.genre, body.mood, body.themes, body.track_id, body.count, body.seed))


@router.post("/studio/names/pick")
def pick_name(body: PickNameRequest) -> PickedName:
    from soundmosaic.studio import service

    return PickedName.model_validate(service.pick_name(artist(), body.name, body.brief.model_dump(),
                                                       body.rationale, body.track_id))


@router.post("/studio/references", status_code=201)
def reference_upload(body: ReferenceRequest) -> Presigned:
    """A presigned PUT for a reference image; pass its ``key`` in ``reference_keys``."""
    from soundmosaic.studio import service

    return Presigned.model_validate(service.reference_upload(artist(), body.filename, body.content_type,
                                                             body.size_bytes))


# -- artwork and batches ----------------------------------------------------------------------------


@router.post("/studio/artwork", status_code=202)
def start_artwork(body: ArtworkRequest) -> Job:
    from soundmosaic.studio import service

    job = service.start_artwork(
        artist(), body.prompt, body.artist_name, body.genre, body.mood, body.title, body.count,
        body.reference_keys, body.seed, body.parent.model_dump() if body.parent else None,
        body.variation, request_id())
    return Job.model_validate(job.__dict__)


@router.post("/studio/artwork/batch", status_code=202)
def start_batch(body: BatchRequest) -> Job:
    """Artwork for many tracks; the job's result names the contact sheet, and
    ``GET /studio/batches/{job_id}`` gives the report with fresh URLs."""
    from soundmosaic.studio import service

    return Job.model_validate(service.start_batch(artist(), body.items, body.csv, request_id()).__dict__)


@router.get("/studio/artwork")
def list_artworks(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> ArtworkPage:
    from soundmosaic.studio import service

    return ArtworkPage.model_validate(service.list_artworks(artist(), limit, cursor))


@router.get("/studio/artwork/<artwork_id>")
def get_artwork(artwork_id: str) -> Artwork:
    from soundmosaic.studio import service

    return Artwork.model_validate(service.get_artwork(artist(), artwork_id))


@router.post("/studio/artwork/<artwork_id>/pick")
def pick_artwork(artwork_id: str, body: PickArtworkRequest) -> DnaVersion:
    from soundmosaic.studio import service

    return DnaVersion.model_validate(service.pick_artwork(artist(), artwork_id, body.candidate_id))


@router.get("/studio/batches/<job_id>")
def batch_report(job_id: str) -> BatchRunning | BatchReport:
    from soundmosaic.studio import service

    report = service.batch_report(artist(), job_id)
    if report["finished"]:
        return BatchReport.model_validate(report)
    return BatchRunning.model_validate(report)


# -- video loops ------------------------------------------------------------------------------------


@router.post("/studio/video", status_code=202)
def start_video(body: VideoRequest) -> Job:
    from soundmosaic.studio import service

    job = service.start_video(artist(), body.artwork_id, body.candidate_id, body.track_id, body.seconds,
                              request_id())
    return Job.model_validate(job.__dict__)


@router.get("/studio/video/<video_id>")
def get_video(video_id: str) -> Video:
    from soundmosaic.studio import service

    return Video.model_validate(service.get_video(artist(), video_id))


# -- artistDNA --------------------------------------------------------------------------------------


@router.get("/studio/dna")
def get_dna(version: Annotated[int | None, Query(ge=0, le=999_999)] = None) -> ArtistDna:
    from soundmosaic.studio import service

    return ArtistDna.model_validate(service.get_dna(artist(), version))


@router.get("/studio/dna/history")
def dna_history() -> list[DnaHistoryEntry]:
    """Every version, newest first."""
    from soundmosaic.studio import service

    return [DnaHistoryEntry.model_validate(e) for e in service.dna_history(artist())]


@router.get("/studio/dna/diff")
def dna_diff(
    from_: Annotated[int, Query(alias="from", ge=0, le=999_999)],
    to: Annotated[int, Query(ge=0, le=999_999)],
) -> list[DnaChange]:
    """What changed from version ``from`` to ``to``."""
    from soundmosaic.studio import service

    return [DnaChange.model_validate(c) for c in service.dna_diff(artist(), from_, to)]


@router.put("/studio/dna/style")
def set_style(body: StyleRequest) -> DnaVersion:
    from soundmosaic.studio import service

    return DnaVersion.model_validate(service.set_style(artist(), body.palette, body.fonts, body.moods,
                                                       body.notes))
