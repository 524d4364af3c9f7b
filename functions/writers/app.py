"""The writers' room worker: ingest steps, chat turns and the weekly refresh (docs/writers.md).

- ``{"action": "parse"|"index"|"bible"|"fail", "room_id", "document_id", ...}``: a step of the
  ``writers_ingest`` state machine (``soundmosaic.writers.intake``);
- SQS records of the ``writers-turns`` queue (as the function ``writers-chat``, same code):
  answer each queued chat turn, streaming Claude's text into the turn record
  (``soundmosaic.writers.chat``); a failed turn is reported in ``batchItemFailures`` (the turn
  itself records the failure);
- a scheduled event (``"source": "aws.events"``): the weekly refresh (``soundmosaic.writers.refresh``).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform.jobs import reason_from_error
from soundmosaic.platform.observability import for_function

observed = for_function("writers")
logger, metrics = observed.logger, observed.metrics


def _turns(event: dict[str, Any]) -> dict[str, Any]:
    from soundmosaic.writers import chat

    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        try:
            chat.run(body["room_id"], body["turn_id"])
            metrics.add_metric(name="WritersTurns", unit="Count", value=1)
        except Exception:
            logger.exception("turn failed", extra={"turn_id": body.get("turn_id")})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


@observed.handler(correlation_id_path="correlation_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("Records"):
        return _turns(event)
    if event.get("source") == "aws.events":
        from soundmosaic.writers import refresh

        report = refresh.run()
        logger.info("weekly writers refresh", extra={k: v for k, v in report.items() if k != "rooms"})
        return report
    from soundmosaic.writers import intake

    action, room_id, document_id = event["action"], event["room_id"], event["document_id"]
    logger.info("step", extra={"action": action, "document_id": document_id})
    if action == "parse":
        return intake.step_parse(room_id, document_id, event["bucket"], event["key"])
    if action == "index":
        return intake.step_index(room_id, document_id)
    if action == "bible":
        metrics.add_metric(name="WritersDocumentsIndexed", unit="Count", value=1)
        return intake.step_bible(room_id, document_id)
    if action == "fail":
        intake.step_fail(room_id, document_id, reason_from_error(event.get("error") or {}))
        return {"failed": document_id}
    raise ValueError(f"unknown writers action {action!r}")
