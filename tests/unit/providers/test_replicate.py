"""Replicate through the official client against the fake Replicate API."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image
from soundmosaic.providers import ImageRequest, ProviderError, ProviderRefused, ProviderTimeout, Registry
from soundmosaic.providers.adapters.replicate_models import fit_size

from tests.fakes import FakeReplicate
from tests.unit.providers.conftest import Mosaics

FLUX = "/v1/models/black-forest-labs/flux-1.1-pro/predictions"


def api(fake: FakeReplicate) -> list:
    return [r for r in fake.requests if r.path.startswith("/v1/")]


def size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


def test_image_from_an_official_model(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    mosaic = mosaics(replicate_fake.env())
    result = mosaic.image(ImageRequest(prompt="neon harbour at dusk", seed=11, width=1024, height=768))
    assert (result.provider, result.model, result.offline, result.seed) == (
        "replicate", "black-forest-labs/flux-1.1-pro", False, 11)
    assert size(result.png) == (1024, 768)
    create = api(replicate_fake)[0]
    assert (create.method, create.path) == ("POST", FLUX)
    assert create.headers["authorization"] == "Bearer r8_fake_token"
    assert create.json()["input"] == {"prompt": "neon harbour at dusk", "seed": 11, "width": 1024,
                                      "height": 768, "aspect_ratio": "custom", "output_format": "png",
                                      "safety_tolerance": 2}
    # Polled until done, then the file fetched without the key.
    assert [r.method for r in api(replicate_fake)[1:]] == ["GET", "GET"]
    download = [r for r in replicate_fake.requests if r.path.startswith("/files/")]
    assert len(download) == 1 and "authorization" not in download[0].headers
    record = result.record
    assert (record.ok, record.attempts, record.error) == (True, 1, None)
    assert record.cost_usd == Decimal("0.04") and isinstance(record.cost_usd, Decimal)
    assert mosaic.records == [record]


def test_large_and_webp_outputs_come_back_as_pngs_of_the_requested_size(replicate_fake: FakeReplicate,
                                                                       mosaics: Mosaics) -> None:
    # No output_format: the fake answers WebP, as flux does by default.
    reg = Registry.parse('[[image]]\nprovider = "replicate"\nmodel = "black-forest-labs/flux-1.1-pro"\n'
                         'max_side = 1440\nsize_multiple = 32\n')
    request = ImageRequest(prompt="p", seed=1, width=2048, height=1152)
    result = mosaics(replicate_fake.env(), reg).image(request)
    sent = api(replicate_fake)[0].json()["input"]
    assert (sent["width"], sent["height"]) == (1440, 800)
    assert next(r.path for r in replicate_fake.requests if r.path.startswith("/files/")).endswith(".webp")
    assert size(result.png) == (2048, 1152)


def test_fit_size_keeps_the_shape_within_the_limits() -> None:
    assert fit_size(1024, 1024, 1440, 32) == (1024, 1024)
    assert fit_size(1920, 1080, 1440, 32) == (1440, 800)
    assert fit_size(1000, 500, None, 1) == (1000, 500)
    assert fit_size(10, 10, 1440, 32) == (32, 32)


def test_a_pinned_version(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    version = "a" * 64
    reg = Registry.parse(f'[[image]]\nprovider = "replicate"\nmodel = "me/lora"\nversion = "{version}"\n')
    result = mosaics(replicate_fake.env(), reg).image(ImageRequest(prompt="p", seed=2, width=64, height=64))
    create = api(replicate_fake)[0]
    assert (create.method, create.path, create.json()["version"]) == ("POST", "/v1/predictions", version)
    assert result.model == "me/lora" and size(result.png) == (64, 64)


def test_a_deployment_by_name_billed_by_gpu_time(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    reg = Registry.parse('[[image]]\nprovider = "replicate"\ndeployment = "sound-mosaic/artwork"\n'
                         'price_per_second = 0.001525\n')
    request = ImageRequest(prompt="p", seed=3, width=96, height=64)
    result = mosaics(replicate_fake.env(), reg).image(request)
    assert api(replicate_fake)[0].path == "/v1/deployments/sound-mosaic/artwork/predictions"
    assert result.model == "sound-mosaic/artwork" and size(result.png) == (96, 64)
    # The fake reports predict_time 2.5 s.
    assert result.record.cost_usd == Decimal("0.001525") * Decimal("2.5") == Decimal("0.0038125")


def test_a_500_is_retried_with_backoff(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    replicate_fake.fail_next(1, 500)
    mosaic = mosaics(replicate_fake.env())
    result = mosaic.image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert result.record.attempts == 2 and result.record.ok
    assert [r.path for r in api(replicate_fake)].count(FLUX) == 2
    assert len(mosaics.sleeps) == 1 and 0.1 <= mosaics.sleeps[0] <= 0.2  # backoff_s 0.2, equal jitter


def test_429s_are_retried_with_growing_backoff(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    replicate_fake.fail_next(2, 429)
    result = mosaics(replicate_fake.env()).image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert result.record.attempts == 3
    assert len(mosaics.sleeps) == 2
    assert mosaics.sleeps[1] >= mosaics.sleeps[0] / 2  # grows: 0.1-0.2, then 0.2-0.4


def test_a_provider_that_keeps_failing_raises_and_does_not_fall_back(replicate_fake: FakeReplicate,
                                                                    mosaics: Mosaics) -> None:
    replicate_fake.fail_next(5, 503, path="/v1/models/")
    mosaic = mosaics(replicate_fake.env())
    with pytest.raises(ProviderError, match="HTTP 503") as info:
        mosaic.image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert info.value.retryable and info.value.status == 503
    assert [r.path for r in api(replicate_fake)] == [FLUX] * 3
    record = mosaic.records[-1]
    assert (record.ok, record.attempts, record.provider) == (False, 3, "replicate")
    assert record.cost_usd == Decimal(0)
    assert "HTTP 503" in (record.error or "")


def test_a_bad_token_is_not_retried(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    env = {**replicate_fake.env(), "REPLICATE_API_TOKEN": "r8_wrong"}
    with pytest.raises(ProviderError, match="HTTP 401") as info:
        mosaics(env).image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert not info.value.retryable
    assert len(api(replicate_fake)) == 1 and mosaics.sleeps == []


def test_a_hanging_api_times_out_per_attempt(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    replicate_fake.hang_next(3, 5.0, path="/v1/models/")
    mosaic = mosaics(replicate_fake.env(), timeout=0.4)
    with pytest.raises(ProviderTimeout, match=r"within 0\.4 s"):
        mosaic.image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert mosaic.records[-1].attempts == 3 and not mosaic.records[-1].ok
    assert len(mosaics.sleeps) == 2


def test_a_hang_then_an_answer_is_a_success_on_the_next_attempt(replicate_fake: FakeReplicate,
                                                                mosaics: Mosaics) -> None:
    replicate_fake.hang_next(1, 5.0, path="/v1/models/")
    # Long enough for the second attempt's create, polls and download on a busy machine.
    result = mosaics(replicate_fake.env(), timeout=1.5).image(ImageRequest(prompt="p", seed=1, width=64,
                                                                           height=64))
    assert result.record.attempts == 2 and result.record.ok


def test_a_prediction_that_runs_past_the_timeout_is_cancelled(mosaics: Mosaics) -> None:
    with FakeReplicate(polls=10_000) as fake:
        reg = Registry.parse('[[image]]\nprovider = "replicate"\nmodel = "a/b"\n'
                             'timeout_s = 0.3\nattempts = 1\n')
        mosaic = mosaics(fake.env(), reg)
        with pytest.raises(ProviderTimeout, match=r"still processing after 0\.3 s"):
            mosaic.image(ImageRequest(prompt="p", seed=1, width=64, height=64))
        (prediction,) = fake.predictions.values()
        assert prediction["status"] == "canceled"
        assert fake.requests[-1].path.endswith("/cancel")


def test_an_nsfw_flag_is_a_refusal_and_is_not_retried(replicate_fake: FakeReplicate,
                                                      mosaics: Mosaics) -> None:
    replicate_fake.refuse_next()
    mosaic = mosaics(replicate_fake.env())
    with pytest.raises(ProviderRefused, match="NSFW content detected") as info:
        mosaic.image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert not info.value.retryable
    assert [r.path for r in api(replicate_fake)].count(FLUX) == 1 and mosaics.sleeps == []
    record = mosaic.records[-1]
    assert (record.ok, record.attempts) == (False, 1)
    assert record.cost_usd == Decimal(0)  # flux bills per image; a flagged one has no image


def test_an_unrequested_seed_is_chosen_sent_and_returned(replicate_fake: FakeReplicate,
                                                        mosaics: Mosaics) -> None:
    result = mosaics(replicate_fake.env()).image(ImageRequest(prompt="p", width=64, height=64))
    assert isinstance(result.seed, int)
    assert api(replicate_fake)[0].json()["input"]["seed"] == result.seed
