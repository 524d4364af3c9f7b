"""Asset studio workflow steps, one per invocation, called by the ``artwork_batch`` and ``video``
state machines.

Event: ``{"action": "artwork_item"|"artwork_failed"|"contact_sheet"|"video", "artist_id",
"job_id", "correlation_id", "index"?, "total"?, "artwork_id"?, "error"?, "video_id"?,
"candidate_id"?, "track_id"?, "seconds"?}``. In AWS this function is the ``containers/studio``
image (ffmpeg, Pillow, fonts); the same code runs in-process locally.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform.observability import for_function
from soundmosaic.providers import ModelMosaic
from soundmosaic.studio import batch, video

observed = for_function("studio")
logger, metrics = observed.logger, observed.metrics


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action, artist_id, job_id = event["action"], event["artist_id"], event["job_id"]
    logger.info("step", extra={"action": action, "job_id": job_id, "index": event.get("index")})
    if action == "artwork_failed":
        batch.record_failure(artist_id, job_id, int(event["index"]), event["artwork_id"], event["error"])
        batch.report_progress(artist_id, job_id, int(event["total"]))
        return {"index": event["index"], "status": "failed"}
    if action == "contact_sheet":
        result = batch.finish(artist_id, job_id)
        metrics.add_metric(name="ArtworkImages", unit="Count", value=result["images"])
        return result
    if action not in ("artwork_item", "video"):
        raise ValueError(f"unknown studio action {action!r}")
    # A new ModelMosaic per step: it reads the keys and provider choices of this moment.
    mosaic = ModelMosaic.from_env()
    try:
        if action == "artwork_item":
            return batch.run_item(mosaic, artist_id, job_id, int(event["index"]), event["artwork_id"],
                                  int(event["total"]))
        seconds = float(event["seconds"])
        return video.render(mosaic, artist_id, job_id, event["video_id"], event["artwork_id"],
                            event["candidate_id"], event.get("track_id"), seconds)
    finally:
        mosaic.close()
