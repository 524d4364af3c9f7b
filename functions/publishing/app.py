"""The publishing outbox consumer: SQS messages of the ``publish`` queue -> package and distributor.

Each message names a publication (``{"release_id", "content_hash", "artist_id"}``); the outbox
runs its steps (package to S3, create, upload audio and artwork, submit), each skipped once done.
A retryable failure (distributor 5xx/429/timeout, S3) leaves the message on the queue with its
visibility set to the backoff and is reported in ``batchItemFailures`` (the event source mapping
has ``ReportBatchItemFailures``), so SQS delivers it again then; the rest of the batch is done.

A scheduled event (``"source": "aws.events"``) runs the sweep instead: publications left
``failed_retrying`` past their next try (their message went to the DLQ) are queued again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform.observability import for_function
from soundmosaic.publishing import service

observed = for_function("publishing")
logger, metrics = observed.logger, observed.metrics


@observed.handler()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    box = service.outbox(client=service.distributor())
    try:
        if event.get("source") == "aws.events":
            queued = box.sweep()
            logger.info("sweep", extra={"queued": queued})
            return {"queued": queued}
        reply = box.batch(event)
    finally:
        box.distributor.close()
    records, failed = len(event.get("Records", [])), len(reply["batchItemFailures"])
    metrics.add_metric(name="PublicationsProcessed", unit="Count", value=records - failed)
    if failed:
        metrics.add_metric(name="PublicationsRetried", unit="Count", value=failed)
    logger.info("batch", extra={"records": records, "retry_later": failed})
    return reply
