"""The distributor adapter against the sandbox distributor: auth, idempotency, validation, errors."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from soundmosaic.publishing.distributor import (
    DistributorClient,
    DistributorConfig,
    DistributorError,
    idempotency_key,
)
from soundmosaic_local.fixtures.sandbox_distributor import SandboxDistributor

from tests.unit.publishing.support import png, release, wav

AUDIO, ARTWORK = wav(), png()


@pytest.fixture
def client(sandbox: SandboxDistributor) -> Iterator[DistributorClient]:
    with DistributorClient(DistributorConfig.from_env(sandbox.env())) as made:
        yield made


def test_create_upload_submit_and_status(client: DistributorClient, sandbox: SandboxDistributor) -> None:
    rel = release(AUDIO, ARTWORK)
    assert client.create(rel)["status"] == "draft"
    client.upload_audio(rel, AUDIO)
    client.upload_artwork(rel, ARTWORK)
    assert client.submit(rel)["status"] == "submitted"
    status = client.status(rel.release_id)
    assert (status["status"], status["files"]) == ("submitted", ["artwork", "audio"])
    assert status["submissions"] == 1


def test_the_same_idempotency_key_and_body_is_answered_again_without_doing_it_twice(sandbox) -> None:
    rel = release(AUDIO, ARTWORK)
    headers = {"Authorization": "Bearer unit-token", "Idempotency-Key": idempotency_key(rel, "create")}
    body = {**rel.to_dict(), "content_hash": rel.content_hash()}
    with httpx.Client(base_url=sandbox.url, headers=headers) as http:
        first = http.post("/v1/releases", json=body)
        second = http.post("/v1/releases", json=body)
        assert (first.status_code, second.status_code) == (201, 201)
        assert second.headers["Idempotent-Replayed"] == "true" and second.json() == first.json()
        other = http.post("/v1/releases", json={**body, "title": "Other"})
        assert other.status_code == 409 and "used for a different request" in other.json()["message"]
    assert len(sandbox.releases) == 1 and sandbox.releases["rel-trk-1"]["metadata"]["title"] == rel.title


def test_splits_that_do_not_sum_to_100_are_refused_by_the_distributor(sandbox) -> None:
    body = {**release().to_dict(), "content_hash": "x"}
    first = body["splits"][0]
    first["share_percent"] = str(Decimal(first["share_percent"]) - Decimal("0.0001"))
    with httpx.Client(base_url=sandbox.url, headers={"Authorization": "Bearer unit-token"}) as http:
        reply = http.post("/v1/releases", json=body)
    assert reply.status_code == 422 and "sum to 100, they sum to 99.9999" in reply.json()["message"]
    assert sandbox.releases == {}


def test_4xx_errors_are_permanent_with_the_distributor_message(client: DistributorClient) -> None:
    rel = release(AUDIO, ARTWORK)
    client.create(rel)
    with pytest.raises(DistributorError) as early:
        client.submit(rel)
    assert (early.value.status, early.value.retryable) == (409, False)
    assert "has no audio and no artwork yet" in str(early.value)
    with pytest.raises(DistributorError) as wrong:
        client.upload_audio(rel, wav(pitch=220.0))
    assert wrong.value.status == 422 and "does not match the release's" in wrong.value.message


def test_5xx_429_timeouts_and_refused_connections_are_retryable(sandbox: SandboxDistributor) -> None:
    config = DistributorConfig(sandbox.url, "unit-token", timeout_s=0.2)
    with DistributorClient(config) as client:
        for status in (500, 503, 429):
            sandbox.fail_next(1, status)
            with pytest.raises(DistributorError) as caught:
                client.status("rel-trk-1")
            assert caught.value.retryable and caught.value.status == status
        sandbox.hang_next(1, 1.0)
        with pytest.raises(DistributorError, match="timed out") as slow:
            client.status("rel-trk-1")
        assert slow.value.retryable and slow.value.status is None
    sandbox.stop()
    down_client = DistributorClient(config)
    with pytest.raises(DistributorError, match="connection failed") as down:
        down_client.status("rel-trk-1")
    down_client.close()
    assert down.value.retryable


def test_auth_by_bearer_token_or_api_key_header() -> None:
    rel = release(AUDIO, ARTWORK)
    with SandboxDistributor(token="k-1", auth_header="X-Api-Key") as sandbox:
        env = sandbox.env()
        assert env["SOUNDMOSAIC_DISTRIBUTOR_AUTH_HEADER"] == "X-Api-Key"
        with DistributorClient(DistributorConfig.from_env(env)) as client:
            assert client.create(rel)["id"] == "rel-trk-1"
        with DistributorClient(DistributorConfig(sandbox.url, "k-2", "X-Api-Key")) as client:
            with pytest.raises(DistributorError, match="invalid credentials in X-Api-Key") as caught:
                client.create(rel)
            assert caught.value.status == 401 and not caught.value.retryable
    with pytest.raises(RuntimeError, match="SOUNDMOSAIC_DISTRIBUTOR_URL is not set"):
        DistributorConfig.from_env({})


def test_the_sandbox_keeps_its_state_across_a_restart(tmp_path: Path) -> None:
    rel = release(AUDIO, ARTWORK)
    with SandboxDistributor(token="t", data_dir=tmp_path) as first:
        client = DistributorClient(DistributorConfig(first.url, "t"))
        client.create(rel)
        client.upload_audio(rel, AUDIO)
        client.close()
    assert (tmp_path / "files" / "rel-trk-1" / "audio").read_bytes() == AUDIO
    with SandboxDistributor(token="t", data_dir=tmp_path) as sandbox:
        assert sandbox.releases["rel-trk-1"]["files"]["audio"]["sha256"] == rel.audio.sha256
        with DistributorClient(DistributorConfig(sandbox.url, "t")) as client:
            client.upload_artwork(rel, ARTWORK)
            assert client.submit(rel)["submissions"] == 1
        assert [r for r in sandbox.requests if r[1] == "/v1/releases"] == []


def test_faults_can_be_limited_to_a_path(client: DistributorClient, sandbox: SandboxDistributor) -> None:
    rel = release(AUDIO, ARTWORK)
    sandbox.fail_next(1, 500, path="/v1/releases/rel-trk-1/submit")
    client.create(rel)
    client.upload_audio(rel, AUDIO)
    client.upload_artwork(rel, ARTWORK)
    with pytest.raises(DistributorError, match="HTTP 500"):
        client.submit(rel)
    assert client.submit(rel)["status"] == "submitted"


def test_json_bodies_are_the_bytes_httpx_sent_so_retries_of_older_requests_match() -> None:
    from soundmosaic.publishing.distributor import _encode_json

    body = {**release(AUDIO, ARTWORK).to_dict(), "title": "Café naïve ✓ 東京", "content_hash": "h"}
    assert _encode_json(body) == httpx.Request("POST", "http://x/", json=body).content
