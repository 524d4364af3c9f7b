"""ModelMosaic itself: backoff, records, logging, threads, configuration from the environment."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from soundmosaic.providers import ModelMosaic, ProviderError, Registry, TextRequest

from tests.fakes import FakeAnthropic, FakeOpenAI
from tests.unit.providers.conftest import Mosaics

PATIENT = """
[retry]
backoff_s = 0.2
backoff_max_s = 1.0
[[text]]
provider = "openai"
model = "gpt-4o"
timeout_s = 10
attempts = 8
"""


def test_backoff_doubles_with_jitter_up_to_the_cap(openai_fake: FakeOpenAI, mosaics: Mosaics) -> None:
    openai_fake.fail_next(7, 502)
    result = mosaics(openai_fake.env(), Registry.parse(PATIENT)).text(TextRequest(prompt="hi"))
    assert result.record.attempts == 8
    ceilings = [0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]
    assert len(mosaics.sleeps) == len(ceilings)
    for slept, ceiling in zip(mosaics.sleeps, ceilings, strict=True):
        assert ceiling / 2 <= slept <= ceiling
    assert len(set(mosaics.sleeps[3:])) > 1  # jitter: capped waits still differ


def test_backoff_can_be_set_on_the_instance(openai_fake: FakeOpenAI) -> None:
    sleeps: list[float] = []
    openai_fake.fail_next(1, 500)
    mosaic = ModelMosaic(Registry.parse(PATIENT), openai_fake.env(), sleep=sleeps.append, backoff_s=0.01,
                         backoff_max_s=0.01)
    mosaic.text(TextRequest(prompt="hi"))
    assert len(sleeps) == 1 and 0.005 <= sleeps[0] <= 0.01


def test_every_call_is_recorded_and_logged_without_keys(anthropic_fake: FakeAnthropic, mosaics: Mosaics,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="soundmosaic.providers")
    mosaic = mosaics(anthropic_fake.env())
    anthropic_fake.fail_next(1, 500)
    mosaic.text(TextRequest(prompt="first"))
    anthropic_fake.fail_next(1, 400)
    with pytest.raises(ProviderError):
        mosaic.text(TextRequest(prompt="second"))
    assert [(r.ok, r.attempts) for r in mosaic.records] == [(True, 2), (False, 1)]
    assert all(isinstance(r.cost_usd, Decimal) and r.latency_ms > 0 for r in mosaic.records)
    messages = [r.getMessage() for r in caplog.records if r.name == "soundmosaic.providers"]
    assert any("retrying" in m for m in messages)
    assert any("text anthropic claude-sonnet-4-6 ok" in m for m in messages)
    assert any("failed" in m and "HTTP 400" in m for m in messages)
    assert not any(anthropic_fake.api_key in r.getMessage() for r in caplog.records)


def test_concurrent_calls_share_one_client_and_all_get_recorded(openai_fake: FakeOpenAI,
                                                                mosaics: Mosaics) -> None:
    mosaic = mosaics({**openai_fake.env(), "SOUNDMOSAIC_PROVIDER_TEXT": "openai"})
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: mosaic.text(TextRequest(prompt=f"call {i}")), range(12)))
    assert len(results) == len(mosaic.records) == len(openai_fake.requests) == 12
    assert all(r.record.ok for r in results)
    assert sorted(r.json()["messages"][0]["content"] for r in openai_fake.requests) == sorted(
        f"call {i}" for i in range(12))


def test_a_forced_provider_without_its_key_fails_before_any_call(openai_fake: FakeOpenAI) -> None:
    mosaic = ModelMosaic(Registry.parse(PATIENT), {"SOUNDMOSAIC_PROVIDER_TEXT": "openai",
                                                   "OPENAI_BASE_URL": openai_fake.base_url})
    with pytest.raises(ProviderError, match="OPENAI_API_KEY is not set"):
        mosaic.text(TextRequest(prompt="hi"))
    assert openai_fake.requests == [] and mosaic.records == []


def test_from_env_reads_the_process_environment(openai_fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path) -> None:
    path = tmp_path / "registry.toml"
    path.write_text(PATIENT)
    # A local stack started earlier in this process leaves its variables, the keys secret among them.
    for name in ("ANTHROPIC_API_KEY", "REPLICATE_API_TOKEN", "SOUNDMOSAIC_PROVIDER_TEXT",
                 "PROVIDER_KEYS_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOUNDMOSAIC_REGISTRY", str(path))
    for name, value in openai_fake.env().items():
        monkeypatch.setenv(name, value)
    mosaic = ModelMosaic.from_env()
    try:
        assert mosaic.text(TextRequest(prompt="hi")).provider == "openai"
    finally:
        mosaic.close()
    assert len(openai_fake.requests) == 1


def test_importing_the_package_imports_no_vendor_client() -> None:
    import subprocess
    import sys

    vendors = ("openai", "anthropic", "replicate", "httpx", "PIL")
    code = f"import sys, soundmosaic.providers; print(sorted(m for m in {vendors!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
