"""Load and validate the registry file, and pick the entry that serves a capability.

Environment variables
---------------------
SOUNDMOSAIC_REGISTRY
    Path of the registry file (default: ``registry.toml`` beside this module).
SOUNDMOSAIC_PROVIDER_<CAPABILITY>
    Forces a provider for a capability, e.g. ``SOUNDMOSAIC_PROVIDER_IMAGE=replicate`` (its first
    entry for that capability). A forced provider whose key is missing is an error, never a silent
    fallback; forcing ``pollinations`` is its opt-in.
REPLICATE_API_TOKEN, OPENAI_API_KEY, ANTHROPIC_API_KEY
    A provider's entries are eligible when its key is set.
SOUNDMOSAIC_POLLINATIONS
    ``1`` makes Pollinations eligible (it needs no key, but it needs the network).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from soundmosaic.providers.types import CAPABILITIES, SERVED, ZERO, ProviderError, Usage

DEFAULT_PATH = Path(__file__).with_name("registry.toml")
PROVIDERS = ("replicate", "openai", "anthropic", "pollinations", "offline")
# What makes a provider eligible: an env var that must be set (None: always eligible).
KEY_ENV: dict[str, str | None] = {
    "replicate": "REPLICATE_API_TOKEN",
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "pollinations": "SOUNDMOSAIC_POLLINATIONS",
    "offline": None,
}
# The offline engine's model name when the file does not list one for a served capability.
OFFLINE_MODELS = {"text": "offline-names-v1", "vision": "offline-vision-v1",
                  "image": "offline-procedural-artwork-v1", "video": "offline-loop-v1",
                  "faceswap": "offline-mediapipe-mesh-warp-poisson-v1",
                  "upscale": "offline-lanczos-unsharp-v1",
                  "matting": "offline-mediapipe-selfie-segmentation-v1"}
_PRICE_KEYS = ("price_per_call", "price_per_second", "price_per_million_input_tokens",
               "price_per_million_output_tokens")
_ENTRY_KEYS = {"provider", "model", "version", "deployment", "timeout_s", "attempts", "params",
               "image_input", "max_side", "size_multiple", *_PRICE_KEYS}
_RETRY_KEYS = {"backoff_s", "backoff_max_s"}
_REF = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_VERSION = re.compile(r"^[0-9a-f]{64}$")
_MILLION = Decimal(1_000_000)
# Anthropic's prompt caching multipliers of the input price.
_WRITE_5M, _WRITE_1H, _READ = Decimal("1.25"), Decimal(2), Decimal("0.1")


class RegistryError(ValueError):
    """The registry file is missing, unreadable or invalid; the message says where and why."""


@dataclass(frozen=True)
class Price:
    """USD prices of one entry; ``cost`` turns a call's usage into a Decimal."""

    per_call: Decimal = ZERO
    per_second: Decimal = ZERO
    per_million_input_tokens: Decimal = ZERO
    per_million_output_tokens: Decimal = ZERO

    def cost(self, usage: Usage) -> Decimal:
        cached = (usage.cache_write_5m_tokens * _WRITE_5M + usage.cache_write_1h_tokens * _WRITE_1H
                  + usage.cache_read_tokens * _READ)
        return (self.per_call * usage.calls + self.per_second * usage.seconds
                + self.per_million_input_tokens * (usage.input_tokens + cached) / _MILLION
                + self.per_million_output_tokens * usage.output_tokens / _MILLION)


@dataclass(frozen=True)
class Entry:
    """One way to serve a capability: a provider, a model and how to call it."""

    capability: str
    provider: str
    model: str
    version: str | None = None
    deployment: str | None = None
    timeout_s: float = 60.0
    attempts: int = 3
    price: Price = field(default_factory=Price)
    params: Mapping[str, Any] = field(default_factory=dict)
    image_input: str | None = None
    max_side: int | None = None
    size_multiple: int = 1

    @property
    def offline(self) -> bool:
        return self.provider == "offline"


@dataclass(frozen=True)
class Retry:
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0


@dataclass(frozen=True)
class Registry:
    entries: Mapping[str, tuple[Entry, ...]]
    retry: Retry = field(default_factory=Retry)
    source: str = "<memory>"

    @classmethod
    def load(cls, path: str | Path | None = None) -> Registry:
        """Read ``path``, else ``$SOUNDMOSAIC_REGISTRY``, else the packaged ``registry.toml``."""
        path = Path(path or os.environ.get("SOUNDMOSAIC_REGISTRY") or DEFAULT_PATH)
        try:
            text = path.read_text()
        except OSError as exc:
            raise RegistryError(f"cannot read the registry file {path}: {exc.strerror}") from exc
        return cls.parse(text, source=str(path))

    @classmethod
    def parse(cls, text: str, source: str = "<memory>") -> Registry:
        try:
            # Prices must be exact: every TOML float becomes a Decimal.
            doc = tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(f"{source}: not valid TOML: {exc}") from exc
        unknown = sorted(set(doc) - set(CAPABILITIES) - {"retry"})
        if unknown:
            raise RegistryError(f"{source}: unknown capability {', '.join(unknown)}; "
                                f"known: retry, {', '.join(CAPABILITIES)}")
        entries: dict[str, tuple[Entry, ...]] = {}
        for capability in CAPABILITIES:
            raw = doc.get(capability, [])
            if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
                raise RegistryError(f"{source}: {capability} must be an array of tables ([[{capability}]])")
            listed = tuple(_entry(capability, e, f"{source}: [[{capability}]] entry {i + 1}")
                           for i, e in enumerate(raw))
            for entry in listed[:-1]:
                if entry.offline:
                    raise RegistryError(f"{source}: [[{capability}]]: offline must be the last entry")
            if capability in SERVED and not (listed and listed[-1].offline):
                # The offline engine is always there, listed or not.
                listed += (Entry(capability, "offline", OFFLINE_MODELS[capability], attempts=1),)
            if listed:
                entries[capability] = listed
        return cls(entries=entries, retry=_retry(doc.get("retry", {}), source), source=source)

    def select(self, capability: str, env: Mapping[str, str]) -> Entry:
        """The entry that serves ``capability`` with this environment (see the module docstring)."""
        listed = self.entries.get(capability)
        if not listed:
            raise ProviderError("registry", capability, f"{self.source} lists no provider for {capability}")
        forced_var = f"SOUNDMOSAIC_PROVIDER_{capability.upper()}"
        forced = env.get(forced_var, "").strip().lower()
        if forced:
            match = next((e for e in listed if e.provider == forced), None)
            if match is None:
                raise ProviderError(forced, capability,
                                    f"{forced_var}={forced} but {self.source} lists no {forced} entry for "
                                    f"{capability} (listed: {', '.join(e.provider for e in listed)})")
            key = KEY_ENV[forced]
            # Forcing Pollinations is its opt-in; forcing a keyed provider needs its key.
            if key and forced != "pollinations" and not env.get(key):
                raise ProviderError(forced, capability, f"{forced_var}={forced} but {key} is not set")
            return match
        for entry in listed:
            if eligible(entry.provider, env):
                return entry
        raise ProviderError("registry", capability, f"no eligible provider for {capability} in {self.source}")


def eligible(provider: str, env: Mapping[str, str]) -> bool:
    key = KEY_ENV[provider]
    if key is None:
        return True
    if provider == "pollinations":
        return env.get(key, "").strip().lower() in ("1", "true", "yes", "on")
    return bool(env.get(key))


def _retry(raw: Any, source: str) -> Retry:
    where = f"{source}: [retry]"
    if not isinstance(raw, dict):
        raise RegistryError(f"{where} must be a table")
    unknown = sorted(set(raw) - _RETRY_KEYS)
    if unknown:
        raise RegistryError(f"{where}: unknown key {', '.join(unknown)} "
                            f"(allowed: {', '.join(sorted(_RETRY_KEYS))})")
    retry = Retry(**{k: float(_number(raw[k], f"{where} {k}")) for k in raw})
    if retry.backoff_max_s < retry.backoff_s:
        raise RegistryError(f"{where}: backoff_max_s is below backoff_s")
    return retry


def _entry(capability: str, raw: dict[str, Any], where: str) -> Entry:
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        raise RegistryError(f"{where}: unknown key {', '.join(unknown)} "
                            f"(allowed: {', '.join(sorted(_ENTRY_KEYS))})")
    provider = raw.get("provider")
    if provider not in PROVIDERS:
        raise RegistryError(f"{where}: provider must be one of {', '.join(PROVIDERS)}, got {provider!r}")
    deployment = _text(raw, "deployment", where)
    model = _text(raw, "model", where) or deployment
    if not model:
        raise RegistryError(f"{where}: model is required")
    version = _text(raw, "version", where)
    if provider != "replicate" and (version or deployment):
        raise RegistryError(f"{where}: version and deployment are Replicate settings, not {provider}")
    if provider == "replicate":
        if version and deployment:
            raise RegistryError(f"{where}: give a version or a deployment, not both")
        ref = deployment or model
        if not _REF.match(ref):
            raise RegistryError(f"{where}: Replicate {'deployment' if deployment else 'model'} must be "
                                f"'owner/name', got {ref!r}")
        if version and not _VERSION.match(version):
            raise RegistryError(f"{where}: version must be a 64-hex Replicate version id, got {version!r}")
    timeout_s = float(_number(raw.get("timeout_s", 60), f"{where} timeout_s"))
    attempts = raw.get("attempts", 1 if provider == "offline" else 3)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 10:
        raise RegistryError(f"{where}: attempts must be an integer from 1 to 10, got {attempts!r}")
    if timeout_s <= 0:
        raise RegistryError(f"{where}: timeout_s must be positive, got {timeout_s}")
    prices = {k: _number(raw.get(k, 0), f"{where} {k}") for k in _PRICE_KEYS}
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise RegistryError(f"{where}: params must be a table")
    max_side = raw.get("max_side")
    size_multiple = raw.get("size_multiple", 1)
    for name, value in (("max_side", max_side), ("size_multiple", size_multiple)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise RegistryError(f"{where}: {name} must be a positive integer, got {value!r}")
    return Entry(
        capability=capability, provider=provider, model=model, version=version, deployment=deployment,
        timeout_s=timeout_s, attempts=attempts,
        price=Price(*(prices[k] for k in _PRICE_KEYS)),
        params={k: _plain(v) for k, v in params.items()},
        image_input=_text(raw, "image_input", where), max_side=max_side, size_multiple=size_multiple,
    )


def _text(raw: dict[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise RegistryError(f"{where}: {key} must be a non-empty string, got {value!r}")
    return value


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise RegistryError(f"{where} must be a number, got {value!r}")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise RegistryError(f"{where} must be a finite number >= 0, got {value}")
    return number


def _plain(value: Any) -> Any:
    """Model inputs go out as JSON: decimals from the TOML reader become floats again."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
