"""Workflow step: move a job to a stage and percent, or finish it.

Event: ``{"action": "advance"|"succeed"|"fail", "artist_id", "job_id", "stage"?, "percent"?,
"result"?, "reason"?, "error"?: {"Error", "Cause"}}``. ``error`` is what a Step Functions
Catch puts in the state; its Cause is turned into a readable reason.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform.jobs import JobStore, reason_from_error
from soundmosaic.platform.observability import for_function

observed = for_function("jobs")
logger, metrics = observed.logger, observed.metrics


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    store = JobStore()
    artist, job_id, action = event["artist_id"], event["job_id"], event["action"]
    if action == "advance":
        job = store.advance(artist, job_id, event["stage"], int(event.get("percent", 0)))
    elif action == "succeed":
        job = store.succeed(artist, job_id, event.get("result") or {})
        metrics.add_metric(name="JobsSucceeded", unit="Count", value=1)
    elif action == "fail":
        reason = event.get("reason") or reason_from_error(event.get("error") or {})
        job = store.fail(artist, job_id, reason, stage=event.get("stage"))
        metrics.add_metric(name="JobsFailed", unit="Count", value=1)
        logger.warning("job failed", extra={"job_id": job_id, "reason": reason})
    else:
        raise ValueError(f"unknown job action {action!r}")
    return asdict(job) if job else {"job_id": job_id, "unchanged": True}
