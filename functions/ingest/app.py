"""S3 ObjectCreated events (through the ingest SQS queue) -> one ingest job each.

S3 delivers events at least once, and a queue redelivers what a failed batch held, so every
S3 record goes through Powertools Idempotency keyed on bucket, key, ETag and sequencer: a
duplicate event returns the first job instead of making a second. Records of one batch fail
independently (Powertools Batch reports partial failures to SQS).

The idempotency store (a DynamoDB client) is made on the first record rather than at import:
building a boto3 client loads its service model, which is most of this handler's import time.
It is the process's one plain DynamoDB client (``soundmosaic.platform.aws.client``); not the
client under ``aws.resource``, which carries the resource layer's attribute-value translation.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.library import ingest
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.observability import for_function
from soundmosaic.writers import arrivals

observed = for_function("ingest")
logger, metrics = observed.logger, observed.metrics
processor = BatchProcessor(event_type=EventType.SQS)
config = IdempotencyConfig(
    event_key_jmespath="[bucket, key, etag, sequencer]",
    expires_after_seconds=7 * 24 * 3600,
)


def start_once(upload: dict[str, Any]) -> dict[str, Any]:
    """``ingest.start`` for one S3 event; called through ``idempotent()``, so once per event."""
    script = arrivals.start(upload["bucket"], upload["key"], int(upload["size"]), upload["correlation_id"])
    if script is not None:  # a writers' room script (uploads/writers/..., drop/writers/...)
        metrics.add_metric(name="WritersScriptsStarted", unit="Count", value=1)
        return script
    job = ingest.start(upload["bucket"], upload["key"], int(upload["size"]),
                       correlation_id=upload["correlation_id"])
    if job is None:
        logger.info("not an upload key, ignored", extra={"key": upload["key"]})
        return {"ignored": upload["key"]}
    metrics.add_metric(name="IngestJobsStarted", unit="Count", value=1)
    return {"job_id": job.job_id, "artist_id": job.artist_id}


@functools.cache
def idempotent() -> Callable[..., dict[str, Any]]:
    """``start_once`` behind Powertools Idempotency: a repeated event returns the first answer.
    (Records are keyed by the function's module and name, so ``start_once`` keeps its name.)"""
    persistence = DynamoDBPersistenceLayer(table_name=resource("IDEMPOTENCY_TABLE"),
                                           boto3_client=aws.client("dynamodb"))
    return idempotent_function(data_keyword_argument="upload", persistence_store=persistence,
                               config=config)(start_once)


def record_handler(record: SQSRecord) -> None:
    body = json.loads(record.body)
    for s3_record in body.get("Records", []):  # an s3:TestEvent has none
        if not str(s3_record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        obj = s3_record["s3"]["object"]
        upload = {
            "bucket": s3_record["s3"]["bucket"]["name"],
            # S3 event keys are URL-encoded (spaces as '+').
            "key": unquote_plus(obj["key"]),
            "size": obj.get("size", 0),
            "etag": obj.get("eTag", ""),
            "sequencer": obj.get("sequencer", ""),
            "correlation_id": record.message_id,  # replaced by the upload id for API uploads
        }
        logger.info("upload event", extra={"key": upload["key"], "size": upload["size"]})
        idempotent()(upload=upload)


@observed.handler()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.register_lambda_context(context)
    return dict(process_partial_response(event=event, record_handler=record_handler,
                                         processor=processor, context=context))
