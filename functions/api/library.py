"""The library routes: uploads, tracks and jobs of the calling artist. A Powertools ``Router``
included by ``api/app.py``.

Every read and write is keyed by the artist from the token, so one artist can never name
another's records (another artist's track or job is 404 like an unknown one). Bad input is 400.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import Field
from soundmosaic.library import media, uploads
from soundmosaic.library.keys import track_prefix
from soundmosaic.library.tracks import TrackStore
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import JobStore

from .caller import artist, observed
from .models import Job, Number, Presigned, Reply, Request

router = Router()
idempotency = IdempotencyConfig(event_key_jmespath="[artist_id, idempotency_key]",
                                expires_after_seconds=3600)


class UploadRequest(Request):
    filename: str = Field(min_length=1, max_length=512, description="the file's name on disk")
    size_bytes: int = Field(gt=0, description="exact size; above the multipart threshold the "
                            "reply holds one presigned URL per part")
    content_type: str | None = Field(default=None, max_length=200)


class UploadPart(Request):
    part_number: int = Field(ge=1, le=10_000)
    etag: str = Field(min_length=1, max_length=200)


class CompleteRequest(Request):
    key: str
    s3_upload_id: str
    parts: list[UploadPart] = Field(min_length=1)


class AbortRequest(Request):
    key: str
    s3_upload_id: str


class TrackEdit(Request):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    artist_name: str | None = Field(default=None, max_length=300)
    tags: list[str] | None = Field(default=None, max_length=50)


# -- replies ----------------------------------------------------------------------------------------


class SingleUpload(Presigned):
    """A file at or below the multipart threshold: one presigned PUT."""

    upload_id: str
    multipart: Literal[False]


class PartUrl(Reply):
    part_number: int
    url: str


class MultipartUpload(Reply):
    """A larger file: a presigned PUT per part, then ``POST /uploads/complete`` with the ETags."""

    upload_id: str
    key: str
    multipart: Literal[True]
    s3_upload_id: str
    part_size: int
    parts: list[PartUrl]
    method: Literal["PUT"]


class CompletedUpload(Reply):
    key: str
    completed: bool


class AbortedUpload(Reply):
    key: str
    aborted: bool


class AudioFacts(Reply):
    """What ffprobe found (``soundmosaic.library.probe.AudioFacts``); unknown facts are left out."""

    duration_s: Number | None = Field(default=None, description="seconds")
    sample_rate: int | None = Field(default=None, description="Hz")
    channels: int | None = None
    codec: str | None = Field(default=None, description="the audio stream's, e.g. 'pcm_s16le'")
    container: str | None = Field(default=None, description="e.g. 'wav', 'mov,mp4,m4a,3gp,3g2,mj2'")
    bit_rate: int | None = Field(default=None, description="bits per second")
    title: str | None = Field(default=None, description="the file's own title tag")
    artist: str | None = Field(default=None, description="the file's own artist tag")
    album: str | None = None
    has_video: bool | None = Field(default=None, description="a video stream (not just cover art)")


class Track(Reply):
    """``soundmosaic.library.tracks.Track``."""

    artist_id: str
    track_id: str
    title: str
    filename: str
    media_key: str = Field(description="the original file's key in the media bucket")
    size_bytes: int
    facts: AudioFacts
    artist_name: str | None
    tags: list[str]
    source: str = Field(description="how it came in: 'upload' or 'drop' (the drop folder)")
    job_id: str | None = Field(description="the ingest job that made it")
    bpm: Number | None = Field(description="from the audio lab's analysis")
    key: str | None = Field(description="from the audio lab's analysis, e.g. 'A minor'")
    export_key: str | None = Field(description="the audio lab's zip of everything it made")
    processed_at: str | None
    created_at: str
    updated_at: str


class TrackWithMedia(Track):
    media_url: str = Field(description="a presigned GET of the original file")


class TrackPage(Reply):
    items: list[Track]
    next_cursor: str | None


class DeletedTrack(Reply):
    track_id: str
    deleted: bool
    objects_deleted: int


class JobPage(Reply):
    items: list[Job]
    next_cursor: str | None


# -- routes -----------------------------------------------------------------------------------------


def create_upload_once(request: dict[str, Any]) -> dict[str, Any]:
    return uploads.create(request["artist_id"], request["filename"], request["size_bytes"],
                          request["content_type"])


@functools.cache
def idempotent_upload() -> Callable[..., dict[str, Any]]:
    """``uploads.create`` once per artist and ``Idempotency-Key`` (an hour). Made on first use: its
    DynamoDB client is not worth a cold start of every request that sends no key."""
    persistence = DynamoDBPersistenceLayer(table_name=resource("IDEMPOTENCY_TABLE"))
    once: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="request", persistence_store=persistence, config=idempotency,
    )(create_upload_once)
    return once


@router.post("/uploads", status_code=201)
def create_upload(body: UploadRequest) -> SingleUpload | MultipartUpload:
    """A presigned PUT (or multipart part URLs) for one audio file. Send an
    ``Idempotency-Key`` header to get the same upload back when a request is retried."""
    request = {"artist_id": artist(), **body.model_dump()}
    key = router.current_event.headers.get("idempotency-key")
    if key:
        reply = idempotent_upload()(request={**request, "idempotency_key": key[:200]})
    else:
        reply = uploads.create(**request)
    observed.metrics.add_metric(name="UploadsCreated", unit="Count", value=1)
    # The upload id follows the file through ingest, the workflow and its workers.
    observed.logger.info("upload created", extra={"upload_id": reply["upload_id"],
                                                  "multipart": reply["multipart"]})
    if reply["multipart"]:
        return MultipartUpload.model_validate(reply)
    return SingleUpload.model_validate(reply)


@router.post("/uploads/complete")
def complete_upload(body: CompleteRequest) -> CompletedUpload:
    return CompletedUpload.model_validate(
        uploads.complete(artist(), body.key, body.s3_upload_id, [p.model_dump() for p in body.parts]))


@router.post("/uploads/abort")
def abort_upload(body: AbortRequest) -> AbortedUpload:
    uploads.abort(artist(), body.key, body.s3_upload_id)
    return AbortedUpload(key=body.key, aborted=True)


@router.get("/tracks")
def list_tracks(
    q: Annotated[str | None, Query(max_length=200, description="search title, artist, tags")] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    key: Annotated[str | None, Query(max_length=20, description="e.g. 'A minor'")] = None,
    bpm_min: Annotated[float | None, Query(ge=0, le=1000)] = None,
    bpm_max: Annotated[float | None, Query(ge=0, le=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> TrackPage:
    tracks, next_cursor = TrackStore().page(artist(), limit=limit, cursor=cursor, query=q, tag=tag,
                                            key=key, bpm_min=bpm_min, bpm_max=bpm_max)
    return TrackPage.model_validate({"items": [t.__dict__ for t in tracks], "next_cursor": next_cursor})


@router.get("/tracks/<track_id>")
def get_track(track_id: str) -> TrackWithMedia:
    track = TrackStore().get(artist(), track_id)
    url = media.presigned_get(resource("MEDIA_BUCKET"), track.media_key)
    return TrackWithMedia.model_validate({**track.__dict__, "media_url": url})


@router.patch("/tracks/<track_id>")
def edit_track(track_id: str, body: TrackEdit) -> Track:
    from soundmosaic.samples.index import index_track

    track = TrackStore().edit(artist(), track_id, **body.model_dump())
    index_track(artist(), track_id)  # its samples carry the track's title
    return Track.model_validate(track.__dict__)


@router.delete("/tracks/<track_id>")
def delete_track(track_id: str) -> DeletedTrack:
    owner, store = artist(), TrackStore()
    store.get(owner, track_id)
    deleted = media.delete_prefix(resource("MEDIA_BUCKET"), track_prefix(owner, track_id))
    store.delete(owner, track_id)
    from soundmosaic.samples.index import remove_track

    remove_track(owner, track_id)
    return DeletedTrack(track_id=track_id, deleted=True, objects_deleted=deleted)


@router.get("/jobs")
def list_jobs(
    status: Annotated[str | None, Query(pattern="^(queued|running|succeeded|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> JobPage:
    jobs, next_cursor = JobStore().page(artist(), limit=limit, cursor=cursor, status=status)
    return JobPage.model_validate({"items": [j.__dict__ for j in jobs], "next_cursor": next_cursor})


@router.get("/jobs/<job_id>")
def get_job(job_id: str) -> Job:
    return Job.model_validate(JobStore().get(artist(), job_id).__dict__)
