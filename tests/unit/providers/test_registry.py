"""The registry file: loading, validation with clear errors, prices as Decimal, selection."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from soundmosaic.providers import ModelMosaic, ProviderError, Registry, RegistryError
from soundmosaic.providers.registry import DEFAULT_PATH
from soundmosaic.providers.types import Usage

from tests.unit.providers.conftest import registry

KEYS = {"REPLICATE_API_TOKEN": "r8", "OPENAI_API_KEY": "sk", "ANTHROPIC_API_KEY": "ant"}


def test_the_packaged_registry_loads_and_ends_every_served_capability_offline() -> None:
    reg = Registry.load(DEFAULT_PATH)
    for capability in ("text", "vision", "image", "video"):
        entries = reg.entries[capability]
        assert entries[-1].provider == "offline", capability
        assert all(e.provider != "offline" for e in entries[:-1])
    flux = reg.entries["image"][0]
    assert (flux.provider, flux.model, flux.price.per_call) == ("replicate", "black-forest-labs/flux-1.1-pro",
                                                                Decimal("0.04"))
    cog = reg.entries["video"][0]
    assert cog.version and len(cog.version) == 64
    assert reg.entries["vision"][0].model == "gpt-4o"
    assert [e.provider for e in reg.entries["text"]] == ["anthropic", "openai", "offline"]


def test_prices_are_exact_decimals_and_cost_adds_them_up() -> None:
    entry = registry().entries["text"][0]
    assert entry.price.per_million_input_tokens == Decimal("3.00")
    assert isinstance(entry.price.per_million_output_tokens, Decimal)
    cost = entry.price.cost(Usage(input_tokens=1234, output_tokens=567))
    assert cost == Decimal("0.003702") + Decimal("0.008505")
    video = registry().entries["video"][0]
    assert video.price.cost(Usage(seconds=Decimal("2.5"))) == Decimal("0.0035")
    # Model inputs go out as JSON numbers, not Decimals.
    assert video.params == {"steps": 50, "guidance": 6, "num_outputs": 1, "extend_prompt": True}


def test_an_offline_entry_is_added_when_the_file_lists_none() -> None:
    reg = Registry.parse('[[image]]\nprovider = "pollinations"\nmodel = "flux"\n')
    assert [e.provider for e in reg.entries["image"]] == ["pollinations", "offline"]
    assert reg.entries["image"][-1].model == "offline-procedural-artwork-v1"
    assert reg.entries["text"][-1].offline


@pytest.mark.parametrize(("text", "message"), [
    ('[[image]]\nprovider = "replicate"\nmodel = "a/b"\ntimout_s = 5\n', "unknown key timout_s"),
    ('[[image]]\nprovider = "midjourney"\nmodel = "x"\n', "provider must be one of"),
    ('[[image]]\nprovider = "replicate"\n', "model is required"),
    ('[[image]]\nprovider = "replicate"\nmodel = "flux"\n', "must be 'owner/name'"),
    ('[[video]]\nprovider = "replicate"\nmodel = "a/b"\nversion = "v1"\n', "64-hex"),
    ('[[image]]\nprovider = "replicate"\nmodel = "a/b"\nversion = "' + "0" * 64 + '"\ndeployment = "a/c"\n',
     "not both"),
    ('[[text]]\nprovider = "openai"\nmodel = "gpt-4o"\ndeployment = "a/b"\n', "Replicate settings"),
    ('[[text]]\nprovider = "openai"\nmodel = "gpt-4o"\nattempts = 0\n', "attempts must be"),
    ('[[text]]\nprovider = "openai"\nmodel = "gpt-4o"\ntimeout_s = 0\n', "timeout_s must be positive"),
    ('[[text]]\nprovider = "openai"\nmodel = "gpt-4o"\nprice_per_call = -1\n', ">= 0"),
    ('[[text]]\nprovider = "openai"\nmodel = "gpt-4o"\nprice_per_call = "cheap"\n', "must be a number"),
    ('[[text]]\nprovider = "offline"\nmodel = "x"\n[[text]]\nprovider = "openai"\nmodel = "gpt-4o"\n',
     "offline must be the last entry"),
    ('[[sing]]\nprovider = "offline"\nmodel = "x"\n', "unknown capability sing"),
    ('[retry]\nbackoff_s = 2\nbackoff_max_s = 1\n', "backoff_max_s is below backoff_s"),
    ('[[image]\nprovider = "offline"\n', "not valid TOML"),
    ('image = "offline"\n', "must be an array of tables"),
])
def test_invalid_registries_fail_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(RegistryError, match=r"^bad\.toml") as info:
        Registry.parse(text, source="bad.toml")
    assert message in str(info.value)


def test_a_missing_file_is_a_registry_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read the registry file"):
        Registry.load(tmp_path / "nope.toml")


def test_soundmosaic_registry_points_at_another_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[[image]]\nprovider = "offline"\nmodel = "my-offline-art"\n')
    mosaic = ModelMosaic.from_env({"SOUNDMOSAIC_REGISTRY": str(path)})
    assert mosaic.registry.source == str(path)
    assert mosaic.entry("image").model == "my-offline-art"


# --- selection ------------------------------------------------------------------------------------

def providers(env: dict[str, str]) -> dict[str, str]:
    reg = registry()
    return {cap: reg.select(cap, env).provider for cap in ("text", "vision", "image", "video")}


def test_without_keys_every_capability_is_offline() -> None:
    assert providers({}) == dict.fromkeys(("text", "vision", "image", "video"), "offline")


def test_the_first_entry_whose_key_is_set_serves() -> None:
    assert providers(KEYS) == {"text": "anthropic", "vision": "openai", "image": "replicate",
                               "video": "replicate"}
    assert providers({"OPENAI_API_KEY": "sk"}) == {"text": "openai", "vision": "openai", "image": "offline",
                                                   "video": "offline"}
    assert providers({"OPENAI_API_KEY": ""})["text"] == "offline"  # an empty key is no key


def test_pollinations_is_opt_in() -> None:
    assert providers({})["image"] == "offline"
    assert providers({"SOUNDMOSAIC_POLLINATIONS": "0"})["image"] == "offline"
    assert providers({"SOUNDMOSAIC_POLLINATIONS": "1"})["image"] == "pollinations"
    assert providers({"SOUNDMOSAIC_POLLINATIONS": "1", **KEYS})["image"] == "replicate"


def test_forcing_a_provider() -> None:
    assert providers({**KEYS, "SOUNDMOSAIC_PROVIDER_TEXT": "openai"})["text"] == "openai"
    assert providers({**KEYS, "SOUNDMOSAIC_PROVIDER_IMAGE": "offline"})["image"] == "offline"
    assert providers({"SOUNDMOSAIC_PROVIDER_IMAGE": "Pollinations"})["image"] == "pollinations"


def test_a_forced_provider_without_its_key_is_a_clear_error() -> None:
    message = "SOUNDMOSAIC_PROVIDER_IMAGE=replicate but REPLICATE_API_TOKEN is not set"
    with pytest.raises(ProviderError, match=re.escape(message)) as info:
        registry().select("image", {"SOUNDMOSAIC_PROVIDER_IMAGE": "replicate"})
    assert not info.value.retryable


def test_forcing_a_provider_the_registry_does_not_list_for_the_capability_is_an_error() -> None:
    with pytest.raises(ProviderError, match="lists no anthropic entry for vision"):
        registry().select("vision", {**KEYS, "SOUNDMOSAIC_PROVIDER_VISION": "anthropic"})
