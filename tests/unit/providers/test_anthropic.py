"""Anthropic (text) through the official client against the fake Anthropic API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from soundmosaic.providers import ProviderError, ProviderRefused, ProviderTimeout, TextRequest

from tests.fakes import FakeAnthropic
from tests.unit.providers.conftest import Mosaics


def test_text_sends_system_prompt_and_key_and_records_the_cost(anthropic_fake: FakeAnthropic,
                                                               mosaics: Mosaics) -> None:
    anthropic_fake.usage = (2000, 500)
    anthropic_fake.respond_with("Velvet Static")
    mosaic = mosaics(anthropic_fake.env())
    result = mosaic.text(TextRequest(prompt="One title for a synthwave song.", system="Be brief.",
                                     max_tokens=64))
    assert (result.text, result.provider, result.model, result.offline) == (
        "Velvet Static", "anthropic", "claude-sonnet-4-6", False)
    (sent,) = anthropic_fake.requests
    assert sent.path == "/v1/messages" and sent.headers["anthropic-version"]
    assert sent.headers["authorization"] == "Bearer sk-ant-fake"
    body = sent.json()
    assert (body["model"], body["max_tokens"], body["system"]) == ("claude-sonnet-4-6", 64, "Be brief.")
    assert body["messages"] == [{"role": "user", "content": "One title for a synthwave song."}]
    # 2000 in at $3/M + 500 out at $15/M.
    assert result.record.cost_usd == Decimal("0.0135")
    assert mosaic.records == [result.record]


def test_no_system_prompt_sends_none(anthropic_fake: FakeAnthropic, mosaics: Mosaics) -> None:
    mosaics(anthropic_fake.env()).text(TextRequest(prompt="hi"))
    assert "system" not in anthropic_fake.requests[0].json()


@pytest.mark.parametrize("status", [500, 529, 429])
def test_server_errors_overload_and_rate_limits_are_retried(anthropic_fake: FakeAnthropic, mosaics: Mosaics,
                                                            status: int) -> None:
    anthropic_fake.fail_next(2, status)
    result = mosaics(anthropic_fake.env()).text(TextRequest(prompt="hi"))
    assert result.record.attempts == 3 and len(anthropic_fake.requests) == 3
    assert len(mosaics.sleeps) == 2


def test_a_wrong_key_is_not_retried(anthropic_fake: FakeAnthropic, mosaics: Mosaics) -> None:
    env = {**anthropic_fake.env(), "ANTHROPIC_API_KEY": "sk-ant-wrong"}
    with pytest.raises(ProviderError, match="HTTP 401") as info:
        mosaics(env).text(TextRequest(prompt="hi"))
    assert not info.value.retryable and len(anthropic_fake.requests) == 1


def test_a_hang_is_a_timeout(anthropic_fake: FakeAnthropic, mosaics: Mosaics) -> None:
    anthropic_fake.hang_next(1, 5.0)
    result = mosaics(anthropic_fake.env(), timeout=1.5).text(TextRequest(prompt="hi"))
    assert result.record.attempts == 2  # the second attempt is answered
    anthropic_fake.hang_next(3, 5.0)
    mosaic = mosaics(anthropic_fake.env(), timeout=0.4)
    with pytest.raises(ProviderTimeout, match=r"within 0\.4 s"):
        mosaic.text(TextRequest(prompt="hi"))
    assert [(r.ok, r.attempts) for r in mosaic.records] == [(False, 3)]


def test_a_refusal_is_not_retried(anthropic_fake: FakeAnthropic, mosaics: Mosaics) -> None:
    anthropic_fake.usage = (1000, 0)
    anthropic_fake.refuse_next()
    mosaic = mosaics(anthropic_fake.env())
    with pytest.raises(ProviderRefused, match="refused") as info:
        mosaic.text(TextRequest(prompt="something awful"))
    assert not info.value.retryable
    assert len(anthropic_fake.requests) == 1 and mosaics.sleeps == []
    assert mosaic.records[-1].cost_usd == Decimal("0.003")
