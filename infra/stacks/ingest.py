"""Ingest: the resource list's queues (each with a dead-letter queue), the upload notifications that
feed them, and their consumer functions with partial batch failure reporting.

The notifications are configured here on the storage stack's buckets (imported by name), so the
queue policy that lets S3 send and the notification itself live beside the queue, and neither
stack refers back to the other.
"""

from __future__ import annotations

from aws_cdk import Duration, Environment
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from infra import names
from infra.constructs.functions import ListedFunctions, Shared
from infra.settings import Settings
from infra.stacks.base import FoundationStack

DESCRIPTION = "SoundMosaic ingest: upload event queues, dead-letter queues and their consumers"
DLQ_RETENTION = Duration.days(14)
BATCH_SIZE = 10
BATCH_WINDOW = Duration.seconds(1)
# A publication makes several distributor calls, each up to its timeout: one per invocation, so
# one slow release never holds others back or runs the batch past the function's timeout.
BATCH_SIZES = {"publish": 1}


class IngestStack(FoundationStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 shared: Shared, function_keys: list[str],
                 env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, settings=settings, env=env,
                         description=DESCRIPTION)
        stage = settings.stage
        self.functions = ListedFunctions(self, "Functions", keys=function_keys, shared=shared)
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for entry in resources.QUEUES:
            dlq = sqs.Queue(
                self, f"{entry.key}-dlq",
                queue_name=names.dead_letter_queue_name(stage, entry.key),
                retention_period=DLQ_RETENTION,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
            )
            queue = sqs.Queue(
                self, entry.key,
                queue_name=physical_name(stage, entry.key),
                visibility_timeout=Duration.seconds(entry.visibility_timeout_s),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=entry.max_receive_count,
                                                      queue=dlq),
            )
            self.queues[entry.key] = queue
            self.dead_letter_queues[entry.key] = dlq
            consumer = self.functions.functions[entry.consumer]
            consumer_timeout = resources.function(entry.consumer).timeout_s
            if entry.visibility_timeout_s < consumer_timeout:
                raise ValueError(f"queue {entry.key}: visibility timeout {entry.visibility_timeout_s}"
                                 f" s is shorter than {entry.consumer}'s timeout {consumer_timeout} s")
            consumer.add_event_source(sources.SqsEventSource(
                queue,
                batch_size=BATCH_SIZES.get(entry.key, BATCH_SIZE),
                max_batching_window=BATCH_WINDOW if BATCH_SIZES.get(entry.key, BATCH_SIZE) > 1 else None,
                report_batch_item_failures=True,
            ))

        # Upload notifications: each bucket prefix that the resource list marks goes to the queue
        # whose consumer handles S3 events.
        for notifying in (b for b in resources.BUCKETS if b.notify_prefixes):
            assert notifying.notify_queue, f"{notifying.key}: notify_prefixes need a notify_queue"
            source = shared.buckets[notifying.key]
            bucket = s3.Bucket.from_bucket_attributes(
                self, f"{notifying.key}-bucket",
                bucket_name=source.bucket_name, bucket_arn=source.bucket_arn,
            )
            destination = s3n.SqsDestination(self.queues[notifying.notify_queue])
            for prefix in notifying.notify_prefixes:
                bucket.add_event_notification(s3.EventType.OBJECT_CREATED, destination,
                                              s3.NotificationKeyFilter(prefix=prefix))
