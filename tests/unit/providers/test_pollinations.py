"""Pollinations over httpx against the fake Pollinations service."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image
from soundmosaic.providers import ImageRequest, ProviderRefused, ProviderTimeout

from tests.fakes import FakePollinations
from tests.unit.providers.conftest import Mosaics


def test_an_image_is_asked_by_prompt_size_seed_and_model(pollinations_fake: FakePollinations,
                                                         mosaics: Mosaics) -> None:
    result = mosaics(pollinations_fake.env()).image(
        ImageRequest(prompt="neon rain / 80s?", seed=9, width=320, height=200))
    assert (result.provider, result.model, result.offline, result.seed) == ("pollinations", "flux", False, 9)
    with Image.open(io.BytesIO(result.png)) as picture:
        assert (picture.format, picture.size) == ("PNG", (320, 200))
    (sent,) = pollinations_fake.requests
    assert sent.path == "/prompt/neon rain / 80s?"
    assert sent.query == {"width": "320", "height": "200", "seed": "9", "model": "flux", "nologo": "true"}
    assert result.record.cost_usd == Decimal(0)


def test_without_the_opt_in_it_is_not_used(pollinations_fake: FakePollinations, mosaics: Mosaics) -> None:
    env = {"POLLINATIONS_BASE_URL": pollinations_fake.url}
    assert mosaics(env).entry("image").provider == "offline"
    assert pollinations_fake.requests == []


def test_a_503_is_retried(pollinations_fake: FakePollinations, mosaics: Mosaics) -> None:
    pollinations_fake.fail_next(1, 503)
    result = mosaics(pollinations_fake.env()).image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert result.record.attempts == 2 and len(pollinations_fake.requests) == 2


def test_a_hang_is_a_timeout_after_the_entrys_attempts(pollinations_fake: FakePollinations,
                                                       mosaics: Mosaics) -> None:
    pollinations_fake.hang_next(2, 5.0)
    mosaic = mosaics(pollinations_fake.env(), timeout=0.4)
    with pytest.raises(ProviderTimeout):
        mosaic.image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert mosaic.records[-1].attempts == 2  # the entry allows 2


def test_a_safety_block_is_a_refusal(pollinations_fake: FakePollinations, mosaics: Mosaics) -> None:
    pollinations_fake.refuse_next()
    with pytest.raises(ProviderRefused, match="NSFW"):
        mosaics(pollinations_fake.env()).image(ImageRequest(prompt="p", seed=1, width=64, height=64))
    assert len(pollinations_fake.requests) == 1 and mosaics.sleeps == []
