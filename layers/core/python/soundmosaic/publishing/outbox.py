"""The publishing outbox: one DynamoDB record per publication, SQS messages, idempotent steps.

``request_publish(release)`` puts the publication ``PUB#<release id>`` / ``H#<content hash>``
only if it is absent (a second request for the same release and content returns the existing
record and sends nothing new) and sends ``{"release_id", "content_hash"}`` to the queue.
``process(record)`` is what the SQS consumer calls per message. It runs the steps, each skipped
once recorded as done and each idempotent on its own (the package is compared by manifest, the
distributor calls carry an ``Idempotency-Key``)::

    queued -> packaging -> sending -> submitted
                      \\-> failed_retrying (attempts, next_try_at, last_error) -> ... -> failed (reason)

A retryable failure (distributor 5xx/429/timeout/connection, an S3 error) records
``failed_retrying``, sets the message's visibility to the backoff and raises ``PublishRetry``:
SQS delivers the message again then. After ``max_attempts`` it ends ``failed`` with the reason;
a permanent failure (a 4xx, media that do not match the release) ends ``failed`` at once. The
package and the record stay; ``retry`` queues a failed publication again. ``submitted`` and
``failed`` never move on a redelivered message.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from soundmosaic.platform import aws, clock
from soundmosaic.publishing import ddex, package
from soundmosaic.publishing.distributor import DistributorClient, DistributorError
from soundmosaic.publishing.release import Asset, Release, ReleaseError

QUEUED, PACKAGING, SENDING, SUBMITTED = "queued", "packaging", "sending", "submitted"
FAILED_RETRYING, FAILED = "failed_retrying", "failed"
STEPS = ("package", "create", "audio", "artwork", "submit")
_log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    pass


class PublishRetry(PublishError):
    """Raised by ``process`` after a retryable failure: let SQS deliver the message again."""


@dataclass
class Publication:
    release_id: str
    content_hash: str
    status: str
    requested_at: str
    updated_at: str
    release: dict[str, Any]
    attempts: int = 0
    max_attempts: int = 5
    rounds: int = 1
    steps: dict[str, str] = field(default_factory=dict)  # step -> when it was done
    next_try_at: str | None = None
    last_error: str | None = None
    reason: str | None = None
    package_prefix: str | None = None
    distributor_status: str | None = None
    sent_at: str | None = None

    @staticmethod
    def from_item(item: Mapping[str, Any]) -> Publication:
        names = {f.name for f in dataclasses.fields(Publication)}
        values = {k: v for k, v in item.items() if k in names}
        values["release"] = json.loads(item["release"])
        for number in ("attempts", "max_attempts", "rounds"):
            values[number] = int(item.get(number, 0))
        return Publication(**values)


def key(release_id: str, content_hash: str) -> dict[str, str]:
    return {"pk": f"PUB#{release_id}", "sk": f"H#{content_hash}"}


class Outbox:
    """Publications in ``table_name`` (pk/sk strings), messages on ``queue_url``.

    Audio and artwork are read from ``media_bucket`` at the release's keys; packages are written
    to ``package_bucket`` under ``package_prefix``. ``header`` names sender and recipient of the
    DDEX message; its ``created`` is replaced by the publication's request time.
    """

    def __init__(self, table_name: str, queue_url: str, media_bucket: str, package_bucket: str,
                 distributor: DistributorClient, header: ddex.Header, *, package_prefix: str = "releases",
                 max_attempts: int = 5, backoff_s: int = 30, max_backoff_s: int = 3600,
                 now: Callable[[], str] = clock.iso) -> None:
        self.table = aws.resource("dynamodb").Table(table_name)
        self.queue_url, self.media_bucket, self.package_bucket = queue_url, media_bucket, package_bucket
        self.distributor, self.header, self.package_prefix = distributor, header, package_prefix
        self.max_attempts, self.backoff_s, self.max_backoff_s, self.now = (
            max_attempts, backoff_s, max_backoff_s, now)

    # --- requests ---------------------------------------------------------------------------------

    def request_publish(self, release: Release) -> Publication:
        """Record and queue the publication of ``release``; the same release again is a no-op."""
        self._check_media(release)
        at = self.now()
        pub = Publication(release.release_id, release.content_hash(), QUEUED, at, at, release.to_dict(),
                          max_attempts=self.max_attempts)
        item = {**key(pub.release_id, pub.content_hash), **dataclasses.asdict(pub),
                "release": json.dumps(pub.release, sort_keys=True)}
        try:
            self.table.put_item(Item={k: v for k, v in item.items() if v is not None},
                                ConditionExpression="attribute_not_exists(pk)")
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            pub = self.get(pub.release_id, pub.content_hash)
            if pub.status != QUEUED or pub.sent_at:
                return pub  # already requested: nothing new is sent
        return self._enqueue(pub)

    def retry(self, release_id: str, content_hash: str) -> Publication:
        """Queue a failed publication again (a new round of attempts; done steps stay done)."""
        try:
            self._update(release_id, content_hash, {"status": QUEUED, "attempts": 0, "reason": None,
                                                    "next_try_at": None, "sent_at": None},
                         condition="#status = :failed", add_round=True)
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            pub = self.get(release_id, content_hash)
            raise PublishError(f"only a failed publication can be retried; {release_id} is "
                               f"{pub.status}") from None
        return self._enqueue(self.get(release_id, content_hash))

    def get(self, release_id: str, content_hash: str) -> Publication:
        item = self.table.get_item(Key=key(release_id, content_hash), ConsistentRead=True).get("Item")
        if not item:
            raise PublishError(f"no publication of {release_id} with content {content_hash[:12]}")
        return Publication.from_item(item)

    def history(self, release_id: str) -> list[Publication]:
        """Every publication of a release (one per content), oldest request first."""
        items = self.table.query(KeyConditionExpression="pk = :pk",
                                 ExpressionAttributeValues={":pk": f"PUB#{release_id}"})["Items"]
        return sorted((Publication.from_item(i) for i in items), key=lambda p: p.requested_at)

    # --- the consumer -----------------------------------------------------------------------------

    def process(self, record: Mapping[str, Any]) -> Publication:
        """Run one SQS message (a Lambda record or a ``receive_message`` message)."""
        try:
            body = json.loads(record.get("body") or record["Body"])
            release_id, content_hash = body["release_id"], body["content_hash"]
        except (KeyError, TypeError, ValueError) as err:
            raise PublishError(f"not a publishing message: {err!r}") from err
        handle = record.get("receiptHandle") or record.get("ReceiptHandle")
        pub = self.get(release_id, content_hash)
        if pub.status in (SUBMITTED, FAILED):
            return pub  # a redelivered or late message: finished work never moves
        attempts = pub.attempts + 1
        self._set(pub, {"status": PACKAGING, "attempts": attempts})
        try:
            release = Release.from_dict(pub.release)
            self._run(pub, release)
        except ReleaseError as err:
            return self._set(pub, {"status": FAILED, "reason": f"the release cannot be published: {err}"})
        except DistributorError as err:
            if not err.retryable:
                return self._set(pub, {"status": FAILED, "reason": f"the distributor refused it: {err}"})
            self._retry_later(pub, attempts, str(err), handle)
        except (BotoCoreError, ClientError) as err:
            self._retry_later(pub, attempts, f"storage: {err}", handle)
        return self.get(pub.release_id, pub.content_hash)

    def batch(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """An SQS batch event -> the partial batch response (``ReportBatchItemFailures``)."""
        failures = []
        for record in event.get("Records", []):
            try:
                self.process(record)
            except PublishRetry:
                failures.append({"itemIdentifier": record["messageId"]})
            except PublishError as err:  # no such publication: nothing to do, nothing to lose
                _log.warning("dropped message %s: %s", record.get("messageId"), err)
        return {"batchItemFailures": failures}

    def _run(self, pub: Publication, release: Release) -> None:
        files: dict[str, bytes] = {}

        def media(asset: Asset) -> bytes:
            if asset.key not in files:
                files[asset.key] = self._read(asset)
            return files[asset.key]

        if "package" not in pub.steps:
            header = dataclasses.replace(self.header, created=pub.requested_at)
            built = package.build(release, media(release.audio), media(release.artwork), header)
            prefix = package.write_s3(built, self.package_bucket, self.package_prefix)
            self._done(pub, "package", {"package_prefix": prefix})
        self._set(pub, {"status": SENDING})
        calls: dict[str, Callable[[], dict[str, Any]]] = {
            "create": lambda: self.distributor.create(release),
            "audio": lambda: self.distributor.upload_audio(release, media(release.audio)),
            "artwork": lambda: self.distributor.upload_artwork(release, media(release.artwork)),
            "submit": lambda: self.distributor.submit(release)}
        for step, call in calls.items():
            if step not in pub.steps:
                reply = call()
                self._done(pub, step, {"distributor_status": str(reply.get("status", ""))})
        self._set(pub, {"status": SUBMITTED, "last_error": None, "next_try_at": None})

    def _retry_later(self, pub: Publication, attempts: int, error: str, handle: str | None) -> None:
        if attempts >= pub.max_attempts:
            self._set(pub, {"status": FAILED, "last_error": error,
                            "reason": f"gave up after {attempts} attempts; last error: {error}"})
            return
        delay = min(self.backoff_s * 2 ** (attempts - 1), self.max_backoff_s)
        next_try = clock.iso(clock.parse(self.now()) + timedelta(seconds=delay))
        self._set(pub, {"status": FAILED_RETRYING, "last_error": error, "next_try_at": next_try})
        if handle:
            aws.client("sqs").change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=handle,
                                                        VisibilityTimeout=delay)
        raise PublishRetry(f"{pub.release_id}: attempt {attempts} of {pub.max_attempts} failed, "
                           f"next try at {next_try}: {error}")

    # --- storage ----------------------------------------------------------------------------------

    def _check_media(self, release: Release) -> None:
        s3, problems = aws.client("s3"), []
        for what, asset in (("audio", release.audio), ("artwork", release.artwork)):
            try:
                size = s3.head_object(Bucket=self.media_bucket, Key=asset.key)["ContentLength"]
            except ClientError:
                problems.append(f"{what} s3://{self.media_bucket}/{asset.key} does not exist")
                continue
            if size != asset.size:
                problems.append(f"{what} {asset.key} has {size} bytes, the release says {asset.size}")
        if problems:
            raise ReleaseError(problems)

    def _read(self, asset: Asset) -> bytes:
        data = bytes(aws.client("s3").get_object(Bucket=self.media_bucket, Key=asset.key)["Body"].read())
        asset.verify(data)
        return data

    def _enqueue(self, pub: Publication) -> Publication:
        body = json.dumps({"release_id": pub.release_id, "content_hash": pub.content_hash})
        aws.client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=body)
        return self._set(pub, {"sent_at": self.now()})

    def _done(self, pub: Publication, step: str, values: dict[str, Any]) -> None:
        pub.steps[step] = self.now()
        self._set(pub, {**values, "steps": pub.steps})

    def _set(self, pub: Publication, values: dict[str, Any]) -> Publication:
        """Update the record unless it is submitted (finished work never moves)."""
        try:
            attributes = self._update(pub.release_id, pub.content_hash, values,
                                      condition="#status <> :submitted")
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return self.get(pub.release_id, pub.content_hash)
        fresh = Publication.from_item(attributes)
        pub.__dict__.update(fresh.__dict__)
        return pub

    def _update(self, release_id: str, content_hash: str, values: dict[str, Any], *, condition: str,
                add_round: bool = False) -> dict[str, Any]:
        values = {**values, "updated_at": self.now()}
        sets = {k: v for k, v in values.items() if v is not None}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in sets)
        names = {f"#{k}": k for k in values} | {"#status": "status"}
        bound: dict[str, Any] = {f":{k}": v for k, v in sets.items()}
        bound |= {v: s for v, s in ((":submitted", SUBMITTED), (":failed", FAILED)) if v in condition}
        if add_round:
            expression += ", #rounds = #rounds + :one"
            names["#rounds"], bound[":one"] = "rounds", 1
        removes = [k for k, v in values.items() if v is None]
        if removes:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in removes)
        reply = self.table.update_item(
            Key=key(release_id, content_hash), UpdateExpression=expression,
            ConditionExpression=f"attribute_exists(pk) AND {condition}", ExpressionAttributeNames=names,
            ExpressionAttributeValues=bound, ReturnValues="ALL_NEW")
        return dict(reply["Attributes"])
