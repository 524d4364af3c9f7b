"""A local SQS event source mapping that behaves like Lambda's poller: async, partial, redelivering.

moto's own mapping invokes the consumer inside ``SendMessage`` (the sender waits for the whole
consumer), ignores ``batchItemFailures`` (a normal return deletes every message, so a retryable
failure is lost) and never redelivers (a function error only makes the messages visible again,
and nothing receives them until the next send). The publishing outbox relies on SQS redelivery
after a retryable failure, so its queue is polled here instead, as Lambda does in AWS:

- long-poll ``ReceiveMessage`` (moto counts receives and moves a message to the DLQ after the
  queue's ``maxReceiveCount``), invoke the listed consumer through the dispatcher with a
  Lambda SQS event;
- delete the messages that succeeded: all of them unless the reply lists ``batchItemFailures``
  (``ReportBatchItemFailures``); on a function error none. What stays comes back when its
  visibility timeout ends (the outbox sets it to its backoff).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from soundmosaic.platform import aws

from soundmosaic_local.runtime import dispatcher

log = logging.getLogger(__name__)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {k: str(v) for k, v in m.get("Attributes", {}).items()},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": region} for m in messages]}


class QueuePoller(threading.Thread):
    """Feed ``queue_url`` to the function ``function_name`` until ``stop``."""

    def __init__(self, queue_url: str, function_name: str, batch_size: int = 1, wait_s: int = 1,
                 region: str = "us-east-1") -> None:
        super().__init__(name=f"sqs-poller-{function_name}", daemon=True)
        self.queue_url, self.function_name = queue_url, function_name
        self.batch_size, self.wait_s, self.region = batch_size, wait_s, region
        self._stop_event = threading.Event()
        self.invocations = 0

    def run(self) -> None:
        sqs = aws.client("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url,
                                       AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        while not self._stop_event.is_set():
            try:
                self.poll_once(sqs, arn)
            except Exception:  # a poller that dies silently would stop publishing: log, go on
                log.exception("polling %s failed", self.queue_url)
                self._stop_event.wait(1)

    def poll_once(self, sqs: Any, arn: str) -> int:
        """One receive and invocation; returns how many messages were deleted."""
        messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size,
                                       WaitTimeSeconds=self.wait_s,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        self.invocations += 1
        reply, errored = dispatcher.invoke(self.function_name, sqs_event(messages, arn, self.region))
        if errored:
            log.warning("%s failed on %d message(s); they come back after their visibility timeout: %s",
                        self.function_name, len(messages), json.dumps(reply)[:500])
            return 0
        failed = {f.get("itemIdentifier") for f in (reply or {}).get("batchItemFailures", [])} \
            if isinstance(reply, dict) else set()
        done = [m for m in messages if m["MessageId"] not in failed]
        for message in done:
            sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(done)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=self.wait_s + 30)
