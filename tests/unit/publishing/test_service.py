"""Publishing a kept take: moto (tables, queue, media) in-process and the real sandbox distributor."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from soundmosaic.generation import projects
from soundmosaic.generation.projects import ProjectNotFound, ProjectStore, Song, Take
from soundmosaic.platform import aws
from soundmosaic.publishing import service
from soundmosaic.publishing.outbox import FAILED, FAILED_RETRYING, SUBMITTED, PublishRetry
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic.royalties.tenancy import TenantProvenance
from soundmosaic_local.fixtures.sandbox_distributor import SandboxDistributor

from tests.unit.publishing.support import wav
from tests.unit.royalties.helpers import provenance

ARTIST, OTHER = "artist-a", "artist-b"
AUDIO = wav(seconds=2.0)


@pytest.fixture
def env(royalty_tables: dict[str, str], sandbox: SandboxDistributor,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    queue = aws.client("sqs").create_queue(QueueName="unit-publish")["QueueUrl"]
    for name, value in {**sandbox.env(), "PUBLISH_QUEUE": queue, "SOUNDMOSAIC_ISRC_PREFIX": "ZZSMG26",
                        "SOUNDMOSAIC_ARTWORK_SIZE": "128", "SOUNDMOSAIC_PUBLISH_BACKOFF_S": "0",
                        "SOUNDMOSAIC_DISTRIBUTOR_TIMEOUT_S": "5"}.items():
        monkeypatch.setenv(name, value)
    return {"queue": queue, "sandbox": sandbox}


def kept_take(artist: str = ARTIST, *, kept: bool = True, status: str = projects.READY,
              tag: str = "") -> Take:
    """A project with ten matched songs and a take with its WAV master and recorded provenance."""
    store = ProjectStore()
    project = store.create(artist, "Mosaic")
    for i in range(1, 11):
        store.put_song(Song(artist, project.project_id, f"s{i:02d}", f"trk-{i}", f"Song {i}",
                            status=projects.MATCHED,
                            match={"recording_id": f"r{i}", "work_id": f"w{i}{tag}",
                                   "holder_names": {f"writer-{i}a{tag}": f"Writer {i}A"}}))
    take_id = f"{project.project_id[:12]}take{tag or 'x'}"
    track = f"gen-{take_id}"
    TenantProvenance(artist).record_owned(provenance(track, tag=tag), f"platform:generation:{artist}")
    key = f"artists/{artist}/generation/{project.project_id}/takes/{take_id}/master.wav"
    aws.client("s3").put_object(Bucket=service.resource("MEDIA_BUCKET"), Key=key, Body=AUDIO)
    return store.put_take(Take(artist, project.project_id, take_id, seed=7, seconds=2.0, influence="85/100",
                               status=status, audio_key=key, duration_s=2.0, provenance_track_id=track,
                               provenance_version=1, kept=kept))


def publish(take: Take, **options: Any) -> dict[str, Any]:
    values = {"title": "Mosaic No. 1", "genre": "Electronic", "artist_name": "The Tiles", **options}
    return service.publish_take(take.artist_id, take.project_id, take.take_id, **values)


def consume(queue: str) -> list[str]:
    """Receive and process until the queue is empty, as the SQS event source mapping would."""
    sqs, box, seen = aws.client("sqs"), service.outbox(client=service.distributor()), []
    for _ in range(20):
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        for message in messages:
            try:
                seen.append(box.process(message).status)
            except PublishRetry:
                seen.append(FAILED_RETRYING)
                continue
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    box.distributor.close()
    return seen


def test_a_kept_take_becomes_a_release_with_an_isrc_exact_splits_and_a_package(env) -> None:
    take = kept_take()
    view = publish(take)
    assert view["status"] == "queued" and view["release_id"] == f"smg-{take.take_id}"
    release = view["release"]
    assert release["isrc"] == view["isrc"] == "ZZSMG2600001"
    assert sum(Decimal(s["share_percent"]) for s in release["splits"]) == Decimal(100)
    names = {s["holder_id"]: s["name"] for s in release["splits"]}
    assert names["writer-1a"] == "Writer 1A" and names["label-t"] == "label-t"  # no name known
    assert release["duration_s"] == 2 and release["artwork"]["format"] == "png"
    assert view["artwork"]["source"] == "offline" and "offline artwork engine" in view["artwork"]["note"]
    # The ISRC is on a new provenance version: a statement naming it splits with this take.
    prov = TenantProvenance(ARTIST).latest("ZZSMG2600001")
    assert prov is not None and prov.version == 2 and prov.track_id == take.provenance_track_id
    assert ProjectStore().take(ARTIST, take.project_id, take.take_id).provenance_version == 2
    assert TenantProvenance(OTHER).latest("ZZSMG2600001") is None

    assert consume(env["queue"])[-1] == SUBMITTED
    view = service.publication_view(ARTIST, take.project_id, take.take_id)
    assert view["status"] == SUBMITTED and view["distributor_status"] == "submitted"
    prefix = f"artists/{ARTIST}/releases/smg-{take.take_id}/"
    assert view["package_prefix"] == prefix
    files = sorted(f["name"] for f in view["package_files"])
    assert files == sorted([f"smg-{take.take_id}.xml", "manifest.json", "resources/ZZSMG2600001.wav",
                            f"resources/smg-{take.take_id}.png"])
    assert all(f["url"].startswith("http") for f in view["package_files"])
    assert env["sandbox"].releases[f"smg-{take.take_id}"]["status"] == "submitted"


def test_publishing_again_is_the_same_publication_and_the_next_take_gets_the_next_isrc(env) -> None:
    take = kept_take()
    first = publish(take)
    again = publish(take, title="Another title")  # the take is published: its publication, unchanged
    assert (again["release_id"], again["content_hash"]) == (first["release_id"], first["content_hash"])
    assert again["release"]["title"] == "Mosaic No. 1"
    sqs = aws.client("sqs")
    waiting = sqs.get_queue_attributes(QueueUrl=env["queue"], AttributeNames=["ApproximateNumberOfMessages"])
    assert waiting["Attributes"]["ApproximateNumberOfMessages"] == "1"
    second = kept_take(tag="b")
    assert publish(second)["isrc"] == "ZZSMG2600002"
    recorded = ProvenanceStore().latest(first["isrc"])  # found by its ISRC too
    assert recorded is not None and recorded.isrc == first["isrc"]


def test_only_a_ready_kept_take_of_ones_own_is_published(env) -> None:
    with pytest.raises(service.NotPublishable, match="not kept"):
        publish(kept_take(kept=False))
    with pytest.raises(service.NotPublishable, match="generating: only a ready take"):
        publish(kept_take(status=projects.GENERATING, tag="g"))
    take = kept_take(tag="o")
    with pytest.raises(ProjectNotFound):
        service.publish_take(OTHER, take.project_id, take.take_id, title="x", genre="y")
    with pytest.raises(service.NotPublished):
        service.publication_view(ARTIST, take.project_id, take.take_id)
    with pytest.raises(ValueError, match="not an ISRC"):
        publish(take, isrc_code="12-34")
    # Nothing was reserved or counted by the refusals: the first assigned ISRC is still 00001.
    assert publish(take)["isrc"] == "ZZSMG2600001"


def test_a_given_isrc_is_used_and_one_belonging_to_another_track_is_refused(env) -> None:
    mine = kept_take(tag="m")
    assert publish(mine, isrc_code="qz-es6-26-00077")["isrc"] == "QZES62600077"
    theirs = kept_take(tag="t")
    with pytest.raises(service.NotPublishable, match="already belongs to another track"):
        publish(theirs, isrc_code="QZES62600077")


def test_distributor_outage_retries_then_fails_and_retry_publishes(env, monkeypatch) -> None:
    monkeypatch.setenv("SOUNDMOSAIC_PUBLISH_MAX_ATTEMPTS", "2")
    env["sandbox"].fail_next(2, 503)
    take = kept_take()
    publish(take)
    assert consume(env["queue"]) == [FAILED_RETRYING, FAILED]
    view = service.publication_view(ARTIST, take.project_id, take.take_id)
    assert view["status"] == FAILED and "gave up after 2 attempts" in view["reason"]
    assert "503" in view["last_error"]
    assert service.retry(ARTIST, take.project_id, take.take_id)["status"] == "queued"
    assert consume(env["queue"])[-1] == SUBMITTED
    with pytest.raises(service.NotPublishable, match="only a failed publication"):
        service.retry(ARTIST, take.project_id, take.take_id)


def test_the_sweep_requeues_publications_whose_message_was_lost(env) -> None:
    env["sandbox"].fail_next(1, 500)
    take = kept_take()
    publish(take)
    sqs = aws.client("sqs")
    message = sqs.receive_message(QueueUrl=env["queue"])["Messages"][0]
    box = service.outbox(client=service.distributor())
    with pytest.raises(PublishRetry):
        box.process(message)
    sqs.delete_message(QueueUrl=env["queue"], ReceiptHandle=message["ReceiptHandle"])  # lost (DLQ)
    assert box.sweep(grace_s=0) == [f"smg-{take.take_id}"]
    assert consume(env["queue"]) == [SUBMITTED]
    assert box.sweep(grace_s=0) == []
    box.distributor.close()


def test_requesting_needs_no_distributor_but_delivering_does(env, monkeypatch) -> None:
    monkeypatch.delenv("SOUNDMOSAIC_DISTRIBUTOR_URL")
    take = kept_take()
    assert publish(take)["status"] == "queued"  # the API side: records and queues only
    with pytest.raises(RuntimeError, match="SOUNDMOSAIC_DISTRIBUTOR_URL is not set"):
        service.distributor()
    monkeypatch.setenv("SOUNDMOSAIC_ISRC_PREFIX", "ZZ-SMG")
    with pytest.raises(RuntimeError, match="SOUNDMOSAIC_ISRC_PREFIX"):
        publish(kept_take(tag="p"))


def test_the_picked_studio_artwork_is_the_cover(env) -> None:
    from soundmosaic.studio import artwork, store
    from soundmosaic.studio.store import Media

    from tests.unit.publishing.support import png

    cover, artwork_id = png((10, 200, 30)), "0123456789abcdef01234567"
    media = Media()
    media.put_json(store.artwork_prefix(ARTIST, artwork_id) + "brief.json", {
        "artwork_id": artwork_id, "artist_id": ARTIST, "created_at": "2026-01-01T00:00:00.000Z",
        "brief": {"title": "Mosaic No. 1"}, "prompt": "tiles", "references": [], "parent": None,
        "candidates": ["c01"], "status": "succeeded"})
    media.put_bytes(store.candidate_key(ARTIST, artwork_id, "c01", "png"), cover, "image/png")
    media.put_json(store.candidate_key(ARTIST, artwork_id, "c01", "json"), {
        "candidate_id": "c01", "seed": 3, "provider": "offline", "model": "procedural", "offline": True,
        "cost_usd": "0", "prompt": "tiles"})
    take = kept_take()
    with pytest.raises(ValueError, match="no picked candidate"):
        publish(take, artwork_id=artwork_id)
    artwork.pick(ARTIST, artwork_id, "c01")
    view = publish(take, artwork_id=artwork_id)
    assert view["artwork"] == {"source": "studio", "artwork_id": artwork_id, "candidate_id": "c01",
                               "offline": True}
    assert view["release"]["artwork"]["key"] == store.candidate_key(ARTIST, artwork_id, "c01", "png")
    assert view["release"]["artwork"]["size"] == len(cover)
    assert view["isrc"] == "ZZSMG2600001"  # the refusal reserved none
