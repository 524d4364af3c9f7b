"""The HTTP API (API Gateway HTTP API v2): uploads, tracks and jobs of the calling artist.

Every route but health and the OpenAPI document needs a JWT (the authorizer checks it); the
artist id comes from its claims, and every read and write is keyed by it, so one artist can
never name another's records. Paths work with or without the ``/api`` prefix.
"""

from __future__ import annotations

import importlib
import json
from typing import Annotated, Any

import soundmosaic
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
)
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field
from soundmosaic.audio import service as audio_service
from soundmosaic.library import media, uploads
from soundmosaic.library.keys import track_prefix
from soundmosaic.library.tracks import TrackNotFound, TrackStore
from soundmosaic.platform import auth
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import JobNotFound, JobStore
from soundmosaic.platform.observability import for_function
from soundmosaic.platform.paging import BadCursor

observed = for_function("api")
logger, metrics = observed.logger, observed.metrics
app = APIGatewayHttpResolver(enable_validation=True, strip_prefixes=["/api"])
idempotency = IdempotencyConfig(event_key_jmespath="[artist_id, idempotency_key]",
                                expires_after_seconds=3600)
persistence = DynamoDBPersistenceLayer(table_name=resource("IDEMPOTENCY_TABLE"))
# The studio, royalty, generation and publishing routes. A zip Lambda holds this folder at its
# root (this is module ``app``); the image, the local runtime and tests import it as the package
# ``functions.api``.
for _routes in ("studio", "royalties", "generation", "takes", "publishing"):
    app.include_router(importlib.import_module(f"{__package__}.{_routes}" if __package__ else _routes).router)


class UploadRequest(BaseModel):
    filename: str = Field(min_length=1, max_length=512, description="the file's name on disk")
    size_bytes: int = Field(gt=0, description="exact size; above the multipart threshold the "
                            "reply holds one presigned URL per part")
    content_type: str | None = Field(default=None, max_length=200)


class UploadPart(BaseModel):
    part_number: int = Field(ge=1, le=10_000)
    etag: str = Field(min_length=1, max_length=200)


class CompleteRequest(BaseModel):
    key: str
    s3_upload_id: str
    parts: list[UploadPart] = Field(min_length=1)


class TrackEdit(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    artist_name: str | None = Field(default=None, max_length=300)
    tags: list[str] | None = Field(default=None, max_length=50)


class ProcessRequest(BaseModel):
    stages: list[str] | None = Field(default=None, description="default: every stage; e.g. "
                                     "['midi'] re-runs MIDI alone (the export follows)")
    settings: dict[str, dict[str, Any]] | None = Field(
        default=None,
        description="per stage, e.g. {'separate': {'engine': 'htdemucs'}, "
                    "'midi': {'onset_threshold': 0.6}, 'lyrics': {'language': 'de'}}")


class ExportRequest(BaseModel):
    track_ids: list[str] = Field(min_length=1, max_length=500)


class AbortRequest(BaseModel):
    key: str
    s3_upload_id: str


def artist() -> str:
    return auth.artist_from_claims(auth.claims_of(app.current_event))


@app.exception_handler(auth.Unauthorized)
def unauthorized(err: auth.Unauthorized) -> Response:
    """A token without a usable artist or holder id, on any route (the routers raise it too)."""
    return Response(401, "application/json", json.dumps({"statusCode": 401, "message": str(err)}))


@app.get("/health")
def health() -> dict[str, Any]:
    return {"status": "ok", "service": "soundmosaic", "version": soundmosaic.__version__}


@app.get("/openapi.json")
def openapi() -> Response[str]:
    return Response(200, "application/json", app.get_openapi_json_schema(
        title="SoundMosaic API", version=soundmosaic.__version__))


@idempotent_function(data_keyword_argument="request", persistence_store=persistence,
                     config=idempotency)
def create_upload_once(request: dict[str, Any]) -> dict[str, Any]:
    return uploads.create(request["artist_id"], request["filename"], request["size_bytes"],
                          request["content_type"])


@app.post("/uploads")
def create_upload(body: UploadRequest) -> Response[dict[str, Any]]:
    """A presigned PUT (or multipart part URLs) for one audio file. Send an
    ``Idempotency-Key`` header to get the same upload back when a request is retried."""
    request = {"artist_id": artist(), **body.model_dump()}
    key = app.current_event.headers.get("idempotency-key")
    try:
        if key:
            reply = create_upload_once(request={**request, "idempotency_key": key[:200]})
        else:
            reply = uploads.create(**request)
    except uploads.UploadRejected as err:
        raise BadRequestError(str(err)) from err
    metrics.add_metric(name="UploadsCreated", unit="Count", value=1)
    # The upload id follows the file through ingest, the workflow and its workers.
    logger.info("upload created", extra={"upload_id": reply["upload_id"], "multipart": reply["multipart"]})
    return Response(201, "application/json", reply)


@app.post("/uploads/complete")
def complete_upload(body: CompleteRequest) -> dict[str, Any]:
    try:
        return uploads.complete(artist(), body.key, body.s3_upload_id,
                                [p.model_dump() for p in body.parts])
    except uploads.UploadRejected as err:
        raise BadRequestError(str(err)) from err


@app.post("/uploads/abort")
def abort_upload(body: AbortRequest) -> dict[str, Any]:
    try:
        uploads.abort(artist(), body.key, body.s3_upload_id)
    except uploads.UploadRejected as err:
        raise BadRequestError(str(err)) from err
    return {"key": body.key, "aborted": True}


@app.get("/tracks")
def list_tracks(
    q: Annotated[str | None, Query(max_length=200, description="search title, artist, tags")] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    key: Annotated[str | None, Query(max_length=20, description="e.g. 'A minor'")] = None,
    bpm_min: Annotated[float | None, Query(ge=0, le=1000)] = None,
    bpm_max: Annotated[float | None, Query(ge=0, le=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> dict[str, Any]:
    try:
        tracks, next_cursor = TrackStore().page(artist(), limit=limit, cursor=cursor, query=q, tag=tag,
                                                key=key, bpm_min=bpm_min, bpm_max=bpm_max)
    except BadCursor as err:
        raise BadRequestError(str(err)) from err
    return {"items": [t.__dict__ for t in tracks], "next_cursor": next_cursor}


@app.get("/tracks/<track_id>")
def get_track(track_id: str) -> dict[str, Any]:
    try:
        track = TrackStore().get(artist(), track_id)
    except TrackNotFound as err:
        raise NotFoundError(f"no track {track_id}") from err
    url = media.presigned_get(resource("MEDIA_BUCKET"), track.media_key)
    return {**track.__dict__, "media_url": url}


@app.patch("/tracks/<track_id>")
def edit_track(track_id: str, body: TrackEdit) -> dict[str, Any]:
    try:
        return TrackStore().edit(artist(), track_id, **body.model_dump()).__dict__
    except TrackNotFound as err:
        raise NotFoundError(f"no track {track_id}") from err


@app.post("/tracks/<track_id>/process")
def process_track(track_id: str, body: ProcessRequest) -> Response[dict[str, Any]]:
    """Start the audio lab on a track (all stages, or the ones named, with their settings)."""
    try:
        job = audio_service.start_processing(artist(), track_id, body.stages, body.settings,
                                             logger.get_correlation_id())
    except TrackNotFound as err:
        raise NotFoundError(f"no track {track_id}") from err
    except ValueError as err:
        raise BadRequestError(str(err)) from err
    return Response(202, "application/json", job.__dict__)


@app.get("/tracks/<track_id>/assets")
def track_assets(track_id: str) -> dict[str, Any]:
    try:
        return audio_service.assets(artist(), track_id)
    except TrackNotFound as err:
        raise NotFoundError(f"no track {track_id}") from err


@app.post("/exports")
def export_tracks(body: ExportRequest) -> Response[dict[str, Any]]:
    """One zip for a selection of tracks (a folder each); follow the job, then GET /exports/{job_id}."""
    try:
        job = audio_service.start_collection_export(artist(), body.track_ids, logger.get_correlation_id())
    except TrackNotFound as err:
        raise NotFoundError(f"no track {err}") from err
    return Response(202, "application/json", job.__dict__)


@app.get("/exports/<job_id>")
def get_export(job_id: str) -> dict[str, Any]:
    try:
        job = JobStore().get(artist(), job_id)
    except JobNotFound as err:
        raise NotFoundError(f"no export {job_id}") from err
    if job.kind != "export" or job.status != "succeeded":
        return {"job": job.__dict__, "url": None}
    url = media.presigned_get(resource("MEDIA_BUCKET"), job.result["export_key"],
                              filename=f"SoundMosaic export {job_id}.zip")
    return {"job": job.__dict__, "url": url}


@app.delete("/tracks/<track_id>")
def delete_track(track_id: str) -> dict[str, Any]:
    owner, store = artist(), TrackStore()
    try:
        store.get(owner, track_id)
    except TrackNotFound as err:
        raise NotFoundError(f"no track {track_id}") from err
    deleted = media.delete_prefix(resource("MEDIA_BUCKET"), track_prefix(owner, track_id))
    store.delete(owner, track_id)
    return {"track_id": track_id, "deleted": True, "objects_deleted": deleted}


@app.get("/jobs")
def list_jobs(
    status: Annotated[str | None, Query(pattern="^(queued|running|succeeded|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> dict[str, Any]:
    try:
        jobs, next_cursor = JobStore().page(artist(), limit=limit, cursor=cursor, status=status)
    except BadCursor as err:
        raise BadRequestError(str(err)) from err
    return {"items": [j.__dict__ for j in jobs], "next_cursor": next_cursor}


@app.get("/jobs/<job_id>")
def get_job(job_id: str) -> dict[str, Any]:
    try:
        return JobStore().get(artist(), job_id).__dict__
    except JobNotFound as err:
        raise NotFoundError(f"no job {job_id}") from err


@observed.handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return app.resolve(event, context)
