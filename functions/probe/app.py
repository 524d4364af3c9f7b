"""Workflow steps of ingest: ``validate`` an upload with ffprobe, ``record`` it as a track.

Event: the ingest workflow state, ``{"action", "artist_id", "job_id", "correlation_id",
"upload": {bucket, key, artist_id, filename, source, size_bytes, track_id, upload_id},
"facts"?, "size_bytes"?}``; ``upload`` is ``soundmosaic.library.ingest.Upload``, parsed from the
object key once when the job started.
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
    job_id, upload = event["job_id"], ingest.Upload.from_dict(event["upload"])
    if event["action"] == "validate":
        outcome = ingest.validate(job_id, upload)
        metrics.add_metric(name="UploadsValid" if outcome["valid"] else "UploadsRejected",
                           unit="Count", value=1)
        logger.info("validated upload", extra={"job_id": job_id, "valid": outcome["valid"]})
        return outcome
    if event["action"] == "record":
        return ingest.record(job_id, upload, facts=event["facts"], size_bytes=int(event["size_bytes"]))
    raise ValueError(f"unknown probe action {event['action']!r}")
