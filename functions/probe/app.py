"""Workflow steps of ingest: ``validate`` an upload with ffprobe, ``record`` it as a track.

Event: the ingest workflow state, ``{"action", "artist_id", "job_id", "bucket", "key",
"correlation_id", "facts"?, "size_bytes"?}``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.library import ingest
from soundmosaic.platform.observability import for_function

observed = for_function("probe")
logger, metrics = observed.logger, observed.metrics


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    where = {k: event[k] for k in ("artist_id", "job_id", "bucket", "key")}
    if event["action"] == "validate":
        outcome = ingest.validate(**where)
        metrics.add_metric(name="UploadsValid" if outcome["valid"] else "UploadsRejected",
                           unit="Count", value=1)
        logger.info("validated upload", extra={"job_id": event["job_id"], "valid": outcome["valid"]})
        return outcome
    if event["action"] == "record":
        return ingest.record(**where, facts=event["facts"], size_bytes=int(event["size_bytes"]))
    raise ValueError(f"unknown probe action {event['action']!r}")
