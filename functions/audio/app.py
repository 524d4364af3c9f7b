"""Audio lab stages, one per invocation, called by the ``audio`` and ``export`` state machines.

Event: ``{"action": "route"|"decode"|"separate"|"analyse"|"midi"|"lyrics"|"samples"|"export"|
"collection", "artist_id", "job_id", "track_id"?, "stem"?, "stages"?, "settings"?,
"track_ids"?, "correlation_id"}``. ``route`` answers where each stage runs (Lambda, the
container task or the GPU endpoint, ``soundmosaic.audio.routing``); ``submit`` hands a stage to
the GPU endpoint with the state's task token and returns at once. In AWS this function is the
``containers/audio`` image; the container path runs this same handler in that image on Fargate
(``task.py``); the same code runs in-process locally, the container path in a worker process.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

# Import the engines at cold start, once: parallel branches of the workflow import them from
# several threads at once otherwise, and torch does not survive a concurrent first import.
from soundmosaic.audio import lyrics, midi, pipeline, remote, samples, separate  # noqa: F401
from soundmosaic.platform.observability import for_function

observed = for_function("audio")
logger, metrics = observed.logger, observed.metrics


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event["action"]
    logger.info("stage", extra={"action": action, "track_id": event.get("track_id"),
                                "stem": event.get("stem")})
    if action == "route":
        return pipeline.route(event)
    if action == "submit":  # the GPU path: queue the stage on the endpoint, which answers the token
        stage_event = event["stage_event"]
        endpoint = remote.endpoint_for(stage_event["action"])
        if endpoint is None:
            raise ValueError(f"no GPU endpoint for the {stage_event['action']!r} stage")
        return remote.submit(endpoint, stage_event, event["task_token"])
    if action == "collection":
        return pipeline.export_collection(event["artist_id"], event["job_id"], event["track_ids"])
    if action not in pipeline.ACTIONS:
        raise ValueError(f"unknown audio action {action!r}")
    result = pipeline.run(action, event)
    if not result.get("skipped"):
        metrics.add_metric(name=f"Stage_{action}", unit="Count", value=1)
    return result
