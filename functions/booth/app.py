"""Event booth workflow steps, one per invocation, called by the ``booth_swap`` and
``booth_background`` state machines (``soundmosaic.booth.workflow``).

Event: ``{"action": "plan"|"chunk"|"encode"|"print"|"ready", "artist_id" (the event id: the jobs
table's partition), "job_id", "correlation_id", "event_id", "participant_id", "template_id"?,
"kind"?, "index"?}``. Ids only: no step receives, logs or returns PII (this function cannot open
the sealed record). Every step's output is keyed by job and chunk, so a retried step resumes.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform.observability import for_function

observed = for_function("booth")
logger, metrics = observed.logger, observed.metrics


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from soundmosaic.booth import workflow

    action, job_id = event["action"], event["job_id"]
    event_id, participant_id = event["event_id"], event["participant_id"]
    logger.info("step", extra={"action": action, "job_id": job_id, "index": event.get("index")})
    if action == "plan":
        return workflow.plan(event_id, participant_id, job_id, event["template_id"], event["kind"])
    if action == "chunk":
        return workflow.run_chunk(event_id, participant_id, job_id, int(event["index"]))
    if action == "encode":
        return workflow.encode(event_id, participant_id, job_id)
    if action == "print":
        return workflow.print_image(event_id, participant_id, job_id)
    if action == "ready":
        result = workflow.ready(event_id, participant_id, job_id, event["kind"])
        metrics.add_metric(name="BoothVideosReady", unit="Count", value=1)
        return result
    raise ValueError(f"unknown booth action {action!r}")
