"""The publishing outbox end to end: moto DynamoDB, SQS and S3, and the sandbox distributor over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from soundmosaic.platform import aws
from soundmosaic.publishing import ddex
from soundmosaic.publishing.distributor import DistributorClient, DistributorConfig
from soundmosaic.publishing.outbox import (
    FAILED,
    FAILED_RETRYING,
    SUBMITTED,
    Outbox,
    PublishError,
    PublishRetry,
)
from soundmosaic.publishing.release import Release, ReleaseError
from soundmosaic.royalties import tables
from soundmosaic_local.fixtures.sandbox_distributor import SandboxDistributor

from tests.unit.publishing.support import HEADER, png, release, wav

TABLE, MEDIA, PACKAGES = "unit-publications", "unit-publish-media", "unit-publish-packages"
AUDIO, ARTWORK = wav(), png()


@pytest.fixture
def queue(aws_env: None) -> str:
    tables.create(TABLE)
    s3 = aws.client("s3")
    for bucket in (MEDIA, PACKAGES):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=MEDIA, Key="tracks/trk-1.wav", Body=AUDIO)
    s3.put_object(Bucket=MEDIA, Key="art/trk-1.png", Body=ARTWORK)
    return str(aws.client("sqs").create_queue(QueueName="unit-publish")["QueueUrl"])


def outbox(queue: str, sandbox: SandboxDistributor, **options: Any) -> Outbox:
    token = options.pop("token", sandbox.token)
    client = DistributorClient(DistributorConfig(sandbox.url, token, timeout_s=options.pop("timeout_s", 5)))
    return Outbox(TABLE, queue, MEDIA, PACKAGES, client, HEADER, backoff_s=0, **options)


def receive(queue: str) -> list[dict[str, Any]]:
    reply = aws.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=30)
    return list(reply.get("Messages", []))


def consume(box: Outbox, queue: str) -> tuple[str, list[str]]:
    """Receive and process until the queue is empty; the final status and every status seen."""
    seen: list[str] = []
    for _ in range(10):
        messages = receive(queue)
        if not messages:
            break
        for message in messages:
            try:
                seen.append(box.process(message).status)
            except PublishRetry:
                seen.append(box.get("rel-trk-1", release().content_hash()).status)
                continue
            aws.client("sqs").delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return seen[-1], seen


def creates(sandbox: SandboxDistributor) -> int:
    return sum(1 for request in sandbox.requests if request == ("POST", "/v1/releases"))


def test_a_publication_goes_through_sqs_to_a_submitted_release_and_a_package(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    rel = release(AUDIO, ARTWORK)
    assert box.request_publish(rel).status == "queued"
    status, _ = consume(box, queue)
    assert status == SUBMITTED
    pub = box.get(rel.release_id, rel.content_hash())
    assert pub.attempts == 1 and pub.distributor_status == "submitted" and set(pub.steps) == {
        "package", "create", "audio", "artwork", "submit"}
    remote = sandbox.releases["rel-trk-1"]
    assert remote["status"] == "submitted" and remote["submissions"] == 1
    assert remote["files"]["audio"]["sha256"] == rel.audio.sha256
    splits = {s["holder_id"]: s["share_percent"] for s in remote["metadata"]["splits"]}
    assert splits == {h: str(s) for h, s in rel.splits.items()}
    xml = aws.client("s3").get_object(Bucket=PACKAGES, Key="releases/rel-trk-1/rel-trk-1.xml")["Body"].read()
    assert ddex.check(xml).findtext("MessageHeader/MessageCreatedDateTime") == pub.requested_at


def test_a_duplicate_request_and_a_redelivered_message_make_one_release(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    first = box.request_publish(release(AUDIO, ARTWORK))
    second = box.request_publish(release(AUDIO, ARTWORK))
    assert (second.requested_at, second.status) == (first.requested_at, "queued")
    messages = receive(queue)
    assert len(messages) == 1
    assert box.process(messages[0]).status == SUBMITTED
    calls = len(sandbox.requests)
    assert box.process(messages[0]).status == SUBMITTED  # SQS delivers it again
    assert len(sandbox.requests) == calls
    assert box.request_publish(release(AUDIO, ARTWORK)).status == SUBMITTED  # and the user asks again
    assert receive(queue) == [] and creates(sandbox) == 1 and len(sandbox.releases) == 1


def test_a_distributor_failing_twice_with_500_ends_submitted_with_exactly_one_release(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    box.request_publish(release(AUDIO, ARTWORK))
    sandbox.fail_next(2, 500)
    status, seen = consume(box, queue)
    assert seen == [FAILED_RETRYING, FAILED_RETRYING, SUBMITTED] and status == SUBMITTED
    pub = box.get("rel-trk-1", release().content_hash())
    assert pub.attempts == 3 and pub.last_error is None
    assert len(sandbox.releases) == 1 and sandbox.releases["rel-trk-1"]["submissions"] == 1


def test_the_retry_status_keeps_attempts_next_try_and_the_error(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    box.backoff_s = 60
    box.request_publish(release(AUDIO, ARTWORK))
    sandbox.fail_next(1, 503, "maintenance window")
    message = receive(queue)[0]
    with pytest.raises(PublishRetry, match="attempt 1 of 5"):
        box.process(message)
    pub = box.get("rel-trk-1", release().content_hash())
    assert pub.status == FAILED_RETRYING and pub.attempts == 1
    assert pub.last_error == "create: HTTP 503: maintenance window"
    assert pub.next_try_at is not None and pub.next_try_at > pub.requested_at
    assert receive(queue) == []  # hidden until the next try (visibility = backoff)


def test_a_hanging_distributor_times_out_as_retryable_and_then_publishes_once(queue, sandbox) -> None:
    box = outbox(queue, sandbox, timeout_s=0.3)
    box.request_publish(release(AUDIO, ARTWORK))
    sandbox.hang_next(1, 1.0, path="/v1/releases")
    message = receive(queue)[0]
    with pytest.raises(PublishRetry):
        box.process(message)
    pub = box.get("rel-trk-1", release().content_hash())
    assert pub.status == FAILED_RETRYING and "timed out" in (pub.last_error or "")
    assert box.process(message).status == SUBMITTED
    assert len(sandbox.releases) == 1 and sandbox.releases["rel-trk-1"]["submissions"] == 1


def test_a_permanent_4xx_ends_failed_with_the_distributor_message(queue, sandbox) -> None:
    box = outbox(queue, sandbox, token="wrong-token")
    box.request_publish(release(AUDIO, ARTWORK))
    pub = box.process(receive(queue)[0])  # no exception: retrying cannot help
    assert pub.status == FAILED and pub.attempts == 1
    assert "HTTP 401: missing or invalid credentials" in (pub.reason or "")
    assert sandbox.releases == {}


def test_a_validation_refusal_is_failed_with_its_message_and_the_package_stays(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    box.request_publish(release(AUDIO, ARTWORK))
    sandbox.fail_next(1, 422, "genre 'Electronic' is not in the store's list", path="/v1/releases")
    pub = box.process(receive(queue)[0])
    assert pub.status == FAILED and "genre 'Electronic' is not in the store's list" in (pub.reason or "")
    assert pub.package_prefix == "releases/rel-trk-1/"
    assert aws.client("s3").head_object(Bucket=PACKAGES, Key="releases/rel-trk-1/manifest.json")


def test_after_max_attempts_it_fails_and_a_retry_publishes_it(queue, sandbox) -> None:
    box = outbox(queue, sandbox, max_attempts=2)
    box.request_publish(release(AUDIO, ARTWORK))
    sandbox.fail_next(2, 502)
    _, seen = consume(box, queue)
    assert seen == [FAILED_RETRYING, FAILED]
    pub = box.get("rel-trk-1", release().content_hash())
    assert pub.reason == "gave up after 2 attempts; last error: create: HTTP 502: sandbox failure (502)"
    assert "package" in pub.steps and sandbox.releases == {}
    with pytest.raises(PublishError, match="no publication of rel-trk-1"):
        box.retry("rel-trk-1", "0" * 64)
    again = box.retry("rel-trk-1", pub.content_hash)
    assert (again.status, again.attempts, again.rounds) == ("queued", 0, 2)
    assert consume(box, queue)[0] == SUBMITTED
    with pytest.raises(PublishError, match="is submitted"):
        box.retry("rel-trk-1", pub.content_hash)
    assert creates(sandbox) == 3  # two refused with 502, one done
    assert len(sandbox.releases) == 1 and sandbox.releases["rel-trk-1"]["submissions"] == 1


def test_bad_splits_and_missing_media_are_refused_before_anything_is_sent(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    data = release(AUDIO, ARTWORK).to_dict()
    data["splits"][0]["share_percent"] = "0.0001"
    with pytest.raises(ReleaseError, match="not exactly 100%"):
        box.request_publish(Release.from_dict(data))
    aws.client("s3").delete_object(Bucket=MEDIA, Key="art/trk-1.png")
    with pytest.raises(ReleaseError, match=r"art/trk-1\.png does not exist"):
        box.request_publish(release(AUDIO, ARTWORK))
    assert aws.resource("dynamodb").Table(TABLE).scan()["Items"] == []
    assert receive(queue) == [] and sandbox.requests == []


def test_media_changed_after_the_request_fails_the_publication_with_the_reason(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    box.request_publish(release(AUDIO, ARTWORK))
    aws.client("s3").put_object(Bucket=MEDIA, Key="tracks/trk-1.wav", Body=wav(pitch=330.0))
    pub = box.process(receive(queue)[0])
    assert pub.status == FAILED and "the release expects" in (pub.reason or "")
    assert sandbox.requests == []


def test_the_batch_entry_reports_only_the_messages_to_retry(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    box.request_publish(release(AUDIO, ARTWORK))
    message = receive(queue)[0]
    record = {"messageId": "m-1", "body": message["Body"], "receiptHandle": message["ReceiptHandle"]}
    sandbox.fail_next(1, 500)
    assert box.batch({"Records": [record]}) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert box.batch({"Records": [record]}) == {"batchItemFailures": []}
    assert [p.status for p in box.history("rel-trk-1")] == [SUBMITTED]
    stray = [{"messageId": "m-2", "body": json.dumps({"release_id": "nope", "content_hash": "0"})},
             {"messageId": "m-3", "body": "not json"}]
    assert box.batch({"Records": stray}) == {"batchItemFailures": []}  # nothing to publish, not retried
    with pytest.raises(PublishError, match="not a publishing message"):
        box.process(stray[1])


def test_a_new_version_of_a_release_is_a_second_publication(queue, sandbox) -> None:
    box = outbox(queue, sandbox)
    box.request_publish(release(AUDIO, ARTWORK))
    consume(box, queue)
    changed = release(AUDIO, ARTWORK, title="Mosaic No. 1 (Remaster)")
    box.request_publish(changed)
    messages = receive(queue)
    assert [json.loads(m["Body"])["content_hash"] for m in messages] == [changed.content_hash()]
    pub = box.process(messages[0])
    assert pub.status == FAILED and "already submitted with other content" in (pub.reason or "")
    assert len(box.history("rel-trk-1")) == 2
