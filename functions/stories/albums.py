"""AlbumDreamer workflow steps, one per invocation, called by the ``album`` and ``album_plan`` state machines.

Event: ``{"action": "direct"|"plan"|"image"|"music"|"track_failed"|"cover"|"site"|"database"|"failed",
"artist_id", "job_id", "correlation_id", "album_id", "number"?, "error"?}``. The library does the
work (``soundmosaic.stories.albums.service``); this handler only routes. In AWS the function is
the studio image (ffmpeg, FluidSynth, fonts); the same code runs in-process locally.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform.observability import for_function
from soundmosaic.providers import ModelMosaic
from soundmosaic.stories.albums import service

observed = for_function("albums")
logger, metrics = observed.logger, observed.metrics
NEEDS_MODELS = ("direct", "image", "music", "cover")


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action, artist_id, job_id, album_id = (
        event["action"],
        event["artist_id"],
        event["job_id"],
        event["album_id"],
    )
    logger.info("step", extra={"action": action, "job_id": job_id, "number": event.get("number")})
    if action == "plan":
        return service.step_plan(artist_id, job_id, album_id)
    if action == "track_failed":
        return service.step_track_failed(artist_id, job_id, album_id, int(event["number"]), event["error"])
    if action == "site":
        return service.step_site(artist_id, job_id, album_id)
    if action == "database":
        result = service.step_database(artist_id, job_id, album_id)
        metrics.add_metric(name="AlbumTracksMade", unit="Count", value=len(result["made"]))
        return result
    if action == "failed":
        service.step_failed(artist_id, job_id, album_id)
        return {"album_id": album_id, "status": "failed"}
    if action not in NEEDS_MODELS:
        raise ValueError(f"unknown albums action {action!r}")
    # A new ModelMosaic per step: it reads the keys and provider choices of this moment.
    mosaic = ModelMosaic.from_env()
    try:
        if action == "image":
            return service.step_image(mosaic, artist_id, job_id, album_id, int(event["number"]))
        if action == "direct":
            return service.step_direct(mosaic, artist_id, job_id, album_id)
        if action == "music":
            return service.step_music(mosaic, artist_id, job_id, album_id, int(event["number"]))
        return service.step_cover(mosaic, artist_id, job_id, album_id)
    finally:
        mosaic.close()
