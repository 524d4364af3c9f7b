"""Stories room workflow steps, one per invocation, called by the ``stories_make`` state machine.

Event: ``{"action": "story"|"collage"|"song_failed"|"finish", "artist_id", "job_id", "album_id",
"correlation_id", "index"?, "error"?}``. In AWS this function is the ``containers/studio`` image
(Pillow, scipy, fonts); the same code runs in-process locally. docs/stories.md.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform.observability import for_function
from soundmosaic.stories import make

observed = for_function("stories")
logger, metrics = observed.logger, observed.metrics


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action, artist_id, job_id = event["action"], event["artist_id"], event["job_id"]
    album_id = event["album_id"]
    logger.info("step", extra={"action": action, "job_id": job_id, "index": event.get("index")})
    if action == "song_failed":
        make.record_failure(artist_id, job_id, album_id, int(event["index"]), event["error"])
        return {"index": event["index"], "status": "failed"}
    if action == "finish":
        result = make.finish(artist_id, job_id, album_id)
        metrics.add_metric(name="Stories", unit="Count", value=result["stories"])
        return result
    if action not in ("story", "collage"):
        raise ValueError(f"unknown stories action {action!r}")
    models = make.mosaic()  # per step: the keys and provider choices of this moment
    try:
        step = make.write_story if action == "story" else make.render_collages
        return step(models, artist_id, job_id, album_id, int(event["index"]))
    finally:
        models.close()
