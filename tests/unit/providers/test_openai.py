"""OpenAI (text and GPT-4o vision) through the official client against the fake OpenAI API."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from soundmosaic.providers import ProviderError, ProviderRefused, ProviderTimeout, TextRequest, VisionRequest

from tests.fakes import FakeOpenAI
from tests.fakes.media import image
from tests.unit.providers.conftest import Mosaics

TEXT = {"SOUNDMOSAIC_PROVIDER_TEXT": "openai"}


def test_text_sends_system_prompt_seed_and_key_and_records_the_cost(openai_fake: FakeOpenAI,
                                                                    mosaics: Mosaics) -> None:
    openai_fake.usage = (1200, 345)
    openai_fake.respond_with('[{"name": "Glass Harbour", "rationale": "harbour theme"}]')
    mosaic = mosaics({**openai_fake.env(), **TEXT})
    result = mosaic.text(TextRequest(task="track_names", prompt="Eight names for a dream-pop song.",
                                     system="You name songs.", max_tokens=300, seed=5))
    assert result.text == '[{"name": "Glass Harbour", "rationale": "harbour theme"}]'
    assert (result.provider, result.model, result.offline) == ("openai", "gpt-4o", False)
    (sent,) = openai_fake.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-fake-openai"
    body = sent.json()
    assert body["model"] == "gpt-4o" and body["seed"] == 5 and body["max_completion_tokens"] == 300
    assert body["messages"] == [{"role": "system", "content": "You name songs."},
                                {"role": "user", "content": "Eight names for a dream-pop song."}]
    # 1200 in at $2.50/M + 345 out at $10/M.
    assert result.record.cost_usd == Decimal("0.003") + Decimal("0.00345")
    assert isinstance(result.record.cost_usd, Decimal)


def test_vision_sends_the_image_as_a_data_url(openai_fake: FakeOpenAI, mosaics: Mosaics) -> None:
    picture = image(32, 24, seed=3, fmt="jpg")
    openai_fake.respond_with("A dark blue night sky over a red field.")
    result = mosaics(openai_fake.env()).vision(VisionRequest(image=picture, content_type="image/jpeg",
                                                             question="What colours?"))
    assert result.text == "A dark blue night sky over a red field." and result.provider == "openai"
    content = openai_fake.requests[0].json()["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "What colours?"}
    url = content[1]["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == picture


def test_a_500_then_an_answer_is_retried(openai_fake: FakeOpenAI, mosaics: Mosaics) -> None:
    openai_fake.fail_next(1, 500)
    result = mosaics({**openai_fake.env(), **TEXT}).text(TextRequest(prompt="hi"))
    assert result.record.attempts == 2 and len(openai_fake.requests) == 2
    assert len(mosaics.sleeps) == 1


def test_a_429_waits_at_least_retry_after_within_the_cap(openai_fake: FakeOpenAI, mosaics: Mosaics) -> None:
    openai_fake.fail_next(1, 429, retry_after=0.7)
    openai_fake.fail_next(1, 429, retry_after=30)
    result = mosaics({**openai_fake.env(), **TEXT}).text(TextRequest(prompt="hi"))
    assert result.record.attempts == 3
    assert mosaics.sleeps[0] == pytest.approx(0.7)
    assert mosaics.sleeps[1] == pytest.approx(1.0)  # backoff_max_s caps a long Retry-After


def test_a_bad_request_is_not_retried(openai_fake: FakeOpenAI, mosaics: Mosaics) -> None:
    openai_fake.fail_next(1, 400)
    with pytest.raises(ProviderError, match="HTTP 400") as info:
        mosaics({**openai_fake.env(), **TEXT}).text(TextRequest(prompt="hi"))
    assert not info.value.retryable and len(openai_fake.requests) == 1


def test_a_hang_is_a_timeout(openai_fake: FakeOpenAI, mosaics: Mosaics) -> None:
    openai_fake.hang_next(3, 5.0)
    mosaic = mosaics({**openai_fake.env(), **TEXT}, timeout=0.4)
    with pytest.raises(ProviderTimeout):
        mosaic.text(TextRequest(prompt="hi"))
    assert mosaic.records[-1].attempts == 3 and len(openai_fake.requests) == 3


def test_a_refusal_is_not_retried_and_still_costs_its_tokens(openai_fake: FakeOpenAI,
                                                             mosaics: Mosaics) -> None:
    openai_fake.usage = (100_000, 10)
    openai_fake.refuse_next()
    mosaic = mosaics({**openai_fake.env(), **TEXT})
    with pytest.raises(ProviderRefused, match="can't help"):
        mosaic.text(TextRequest(prompt="something awful"))
    assert len(openai_fake.requests) == 1 and mosaics.sleeps == []
    record = mosaic.records[-1]
    assert (record.ok, record.attempts, record.cost_usd) == (False, 1, Decimal("0.25") + Decimal("0.0001"))


def test_an_empty_prompt_is_refused_before_any_request(openai_fake: FakeOpenAI, mosaics: Mosaics) -> None:
    with pytest.raises(ProviderError, match="the prompt is empty"):
        mosaics({**openai_fake.env(), **TEXT}).text(TextRequest(prompt="  "))
    assert openai_fake.requests == []
