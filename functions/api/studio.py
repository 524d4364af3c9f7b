"""The asset studio's routes (``/studio/...``): names, references, artwork, batches, video loops
and the artistDNA. A Powertools ``Router`` included by ``api/app.py``.

The artist comes from the token's claims, never from a body; bodies are validated (with limits)
before the studio sees them, and domain errors map to 400 (bad input) or 404 (not yours or not
there). Long work returns 202 with the job to follow at ``GET /jobs/{job_id}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
)
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field
from soundmosaic.library.tracks import TrackNotFound
from soundmosaic.platform import auth
from soundmosaic.platform.jobs import Job, JobNotFound
from soundmosaic.providers import ProviderError, ProviderRefused
from soundmosaic.studio import service
from soundmosaic.studio.dna import DnaVersionNotFound
from soundmosaic.studio.store import StudioNotFound

router = Router()
Text60 = Annotated[str, Field(max_length=60)]


class NamesRequest(BaseModel):
    artist_name: str = Field(min_length=1, max_length=120)
    genre: str = Field(default="", max_length=60)
    mood: str = Field(default="", max_length=60)
    themes: list[Text60] = Field(default_factory=list, max_length=10)
    track_id: str | None = Field(default=None, max_length=64,
                                 description="a library track whose analysis (bpm, key) feeds the brief")
    count: int = Field(default=8, ge=1, le=20)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1, description="same seed, same offline names")


class NameBrief(BaseModel):
    artist_name: str = Field(min_length=1, max_length=120)
    genre: str = Field(default="", max_length=60)
    mood: str = Field(default="", max_length=60)
    themes: list[Text60] = Field(default_factory=list, max_length=10)


class PickNameRequest(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    brief: NameBrief
    rationale: str | None = Field(default=None, max_length=300)
    track_id: str | None = Field(default=None, max_length=64, description="renamed to the chosen name")


class ReferenceRequest(BaseModel):
    filename: str = Field(min_length=1, max_length=512)
    content_type: str = Field(max_length=100, description="image/png, image/jpeg or image/webp")
    size_bytes: int = Field(gt=0)


class Parent(BaseModel):
    artwork_id: str = Field(max_length=64)
    candidate_id: str = Field(max_length=8)


class ArtworkRequest(BaseModel):
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


class BatchRequest(BaseModel):
    items: list[dict[str, Any]] | None = Field(default=None, max_length=10_000)
    csv: str | None = Field(default=None, max_length=2_000_000,
                            description="columns: title, artist_name, genre, mood, prompt (+ count, seed)")


class PickArtworkRequest(BaseModel):
    candidate_id: str = Field(max_length=8)


class VideoRequest(BaseModel):
    artwork_id: str = Field(max_length=64)
    candidate_id: str = Field(max_length=8)
    track_id: str | None = Field(default=None, max_length=64, description="mux its first seconds (AAC)")
    seconds: float = Field(default=10, gt=0, le=30)


class StyleRequest(BaseModel):
    palette: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=16)
    fonts: list[Text60] = Field(default_factory=list, max_length=10)
    moods: list[Text60] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=1000)


def _artist() -> str:
    return auth.artist_from_claims(auth.claims_of(router.current_event))  # Unauthorized: 401 (api/app.py)


def _correlation_id() -> str | None:
    return auth.request_id_of(router.current_event)


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except (StudioNotFound, TrackNotFound, DnaVersionNotFound, JobNotFound) as err:
        raise NotFoundError(str(err).strip("'\"")) from err
    except ProviderRefused as err:
        raise BadRequestError(f"the model refused: {err}") from err
    except ProviderError as err:
        raise ServiceError(502, f"the model provider failed: {err}") from err
    except ValueError as err:  # BriefError, BatchError, bad versions
        raise BadRequestError(str(err)) from err


def _accepted(job: Job) -> Response[dict[str, Any]]:
    return Response(202, "application/json", job.__dict__)


@router.post("/studio/names")
def suggest_names(body: NamesRequest) -> dict[str, Any]:
    """Track-name candidates for a brief, each flagged when the artist or the catalog already
    has it (or something too close)."""
    with _domain_errors():
        return service.suggest_names(_artist(), body.artist_name, body.genre, body.mood, body.themes,
                                     body.track_id, body.count, body.seed)


@router.post("/studio/names/pick")
def pick_name(body: PickNameRequest) -> dict[str, Any]:
    with _domain_errors():
        return service.pick_name(_artist(), body.name, body.brief.model_dump(), body.rationale,
                                 body.track_id)


@router.post("/studio/references")
def reference_upload(body: ReferenceRequest) -> Response[dict[str, Any]]:
    """A presigned PUT for a reference image; pass its ``key`` in ``reference_keys``."""
    with _domain_errors():
        reply = service.reference_upload(_artist(), body.filename, body.content_type, body.size_bytes)
    return Response(201, "application/json", reply)


@router.post("/studio/artwork")
def start_artwork(body: ArtworkRequest) -> Response[dict[str, Any]]:
    with _domain_errors():
        job = service.start_artwork(
            _artist(), body.prompt, body.artist_name, body.genre, body.mood, body.title, body.count,
            body.reference_keys, body.seed, body.parent.model_dump() if body.parent else None,
            body.variation, _correlation_id())
    return _accepted(job)


@router.post("/studio/artwork/batch")
def start_batch(body: BatchRequest) -> Response[dict[str, Any]]:
    """Artwork for many tracks; the job's result names the contact sheet, and
    ``GET /studio/batches/{job_id}`` gives the report with fresh URLs."""
    with _domain_errors():
        job = service.start_batch(_artist(), body.items, body.csv, _correlation_id())
    return _accepted(job)


@router.get("/studio/artwork")
def list_artworks(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    with _domain_errors():
        return service.list_artworks(_artist(), limit, cursor)


@router.get("/studio/artwork/<artwork_id>")
def get_artwork(artwork_id: str) -> dict[str, Any]:
    with _domain_errors():
        return service.get_artwork(_artist(), artwork_id)


@router.post("/studio/artwork/<artwork_id>/pick")
def pick_artwork(artwork_id: str, body: PickArtworkRequest) -> dict[str, Any]:
    with _domain_errors():
        return service.pick_artwork(_artist(), artwork_id, body.candidate_id)


@router.get("/studio/batches/<job_id>")
def batch_report(job_id: str) -> dict[str, Any]:
    with _domain_errors():
        return service.batch_report(_artist(), job_id)


@router.post("/studio/video")
def start_video(body: VideoRequest) -> Response[dict[str, Any]]:
    with _domain_errors():
        job = service.start_video(_artist(), body.artwork_id, body.candidate_id, body.track_id,
                                  body.seconds, _correlation_id())
    return _accepted(job)


@router.get("/studio/video/<video_id>")
def get_video(video_id: str) -> dict[str, Any]:
    with _domain_errors():
        return service.get_video(_artist(), video_id)


@router.get("/studio/dna")
def get_dna(version: Annotated[int | None, Query(ge=0, le=999_999)] = None) -> dict[str, Any]:
    with _domain_errors():
        return service.get_dna(_artist(), version)


@router.get("/studio/dna/history")
def dna_history() -> list[dict[str, Any]]:
    """``[{version, created_at, change}]``, newest first."""
    with _domain_errors():
        return service.dna_history(_artist())


@router.get("/studio/dna/diff")
def dna_diff(
    from_: Annotated[int, Query(alias="from", ge=0, le=999_999)],
    to: Annotated[int, Query(ge=0, le=999_999)],
) -> list[dict[str, Any]]:
    """``[{path, op: add|remove|change, before, after}]`` from version ``from`` to ``to``."""
    with _domain_errors():
        return service.dna_diff(_artist(), from_, to)


@router.put("/studio/dna/style")
def set_style(body: StyleRequest) -> dict[str, Any]:
    with _domain_errors():
        return service.set_style(_artist(), body.palette, body.fonts, body.moods, body.notes)
