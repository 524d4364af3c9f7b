"""ModelMosaic: one object that serves text, vision, image and video through the registry.

It picks the registry entry for a capability (see ``registry``), calls that provider's adapter,
retries retryable errors with exponential backoff and jitter up to the entry's ``attempts``,
and keeps a ``CallRecord`` (latency, attempts, cost as Decimal, ok, error) of every call on the
instance and in the ``soundmosaic.providers`` log. A keyed provider that keeps failing raises:
there is no silent fallback to the offline engine.

Environment variables
---------------------
See ``soundmosaic.providers.registry`` (selection) and each adapter (base URLs). Nothing is
read after ``from_env``: the instance works on the snapshot it was given.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from soundmosaic.providers.adapters import Adapter, build
from soundmosaic.providers.keys import with_secret_keys
from soundmosaic.providers.registry import Entry, Registry
from soundmosaic.providers.types import (
    MUSIC_FORMATS,
    ZERO,
    CallRecord,
    ChatRequest,
    ChatResult,
    FaceSwapRequest,
    ImageRequest,
    ImageResult,
    MattingRequest,
    MediaResult,
    MusicReply,
    MusicRequest,
    MusicResult,
    ProviderError,
    Reply,
    TextRequest,
    TextResult,
    UpscaleRequest,
    VideoRequest,
    VideoResult,
    VisionRequest,
    VisionResult,
)

log = logging.getLogger("soundmosaic.providers")
T = TypeVar("T", str, bytes)


class ModelMosaic:
    """Serves the capabilities of a registry with the keys of an environment.

    Parameters
    ----------
    registry
        The loaded registry (``Registry.load()``).
    env
        Keys, base URLs and selection variables (default: a copy of ``os.environ``).
    sleep
        How to wait between attempts (tests pass a recorder to stay fast).
    backoff_s, backoff_max_s
        First backoff and its cap, in seconds (default: the registry's ``[retry]``).
    rng
        Source of jitter and of seeds for requests without one.
    """

    def __init__(self, registry: Registry, env: Mapping[str, str] | None = None, *,
                 sleep: Callable[[float], None] = time.sleep, backoff_s: float | None = None,
                 backoff_max_s: float | None = None, rng: random.Random | None = None) -> None:
        self.registry = registry
        self.env = dict(os.environ if env is None else env)
        self.records: list[CallRecord] = []
        self._sleep = sleep
        self._backoff_s = registry.retry.backoff_s if backoff_s is None else backoff_s
        self._backoff_max_s = registry.retry.backoff_max_s if backoff_max_s is None else backoff_max_s
        # Jitter and seeds need spread, not secrecy.
        self._rng = rng or random.Random()  # noqa: S311
        self._adapters: dict[str, Adapter] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, registry: str | Path | None = None,
                 **options: Any) -> ModelMosaic:
        """The registry file (``registry``, else ``$SOUNDMOSAIC_REGISTRY``, else the packaged one)
        and the keys in ``env`` (default ``os.environ``) plus those of the secret named in
        ``PROVIDER_KEYS_SECRET`` (see ``keys``); ``options`` as for the constructor."""
        env = with_secret_keys(os.environ if env is None else env)
        path = registry or env.get("SOUNDMOSAIC_REGISTRY") or None
        return cls(Registry.load(path), env, **options)

    # --- the four capabilities ----------------------------------------------------------------

    def text(self, request: TextRequest) -> TextResult:
        reply, entry, record = self._call("text", lambda a, e: a.text(e, request))
        return TextResult(reply.data, entry.provider, entry.model, entry.offline, record)

    def vision(self, request: VisionRequest) -> VisionResult:
        reply, entry, record = self._call("vision", lambda a, e: a.vision(e, request))
        return VisionResult(reply.data, entry.provider, entry.model, entry.offline, record)

    def image(self, request: ImageRequest) -> ImageResult:
        seeded = request if request.seed is not None else replace(request, seed=self._seed())
        assert seeded.seed is not None
        reply, entry, record = self._call("image", lambda a, e: a.image(e, seeded))
        return ImageResult(reply.data, seeded.seed, request.width, request.height, entry.provider,
                           entry.model, entry.offline, record)

    def video(self, request: VideoRequest) -> VideoResult:
        seeded = request if request.seed is not None else replace(request, seed=self._seed())
        reply, entry, record = self._call("video", lambda a, e: a.video(e, seeded))
        return VideoResult(reply.data, request.seconds, round(request.seconds * request.fps), request.fps,
                           request.width, request.height, entry.provider, entry.model, entry.offline,
                           record)

    def music(self, request: MusicRequest) -> MusicResult:
        """A new piece influenced by the request's references (see ``MusicRequest``)."""
        seeded = request if request.seed is not None else replace(request, seed=self._seed())
        assert seeded.seed is not None
        reply, entry, record = self._call("music", lambda a, e: a.music(e, seeded))
        assert isinstance(reply, MusicReply)
        return MusicResult(reply.data, MUSIC_FORMATS[request.format], request.seconds, reply.sample_rate,
                           entry.provider, entry.model, entry.offline, record, dict(reply.influence),
                           seeded.seed, reply.midi, dict(reply.details))

    # --- the booth's media capabilities (docs/booth.md, "Engines") -----------------------------

    def faceswap(self, request: FaceSwapRequest) -> MediaResult:
        """The request's face on the face of its video; an MP4 (H.264)."""
        reply, entry, record = self._call("faceswap", lambda a, e: a.faceswap(e, request))
        return MediaResult(reply.data, "video/mp4", entry.provider, entry.model, entry.offline, record)

    def upscale(self, request: UpscaleRequest) -> MediaResult:
        """The request's image, ``scale`` times larger; a PNG."""
        reply, entry, record = self._call("upscale", lambda a, e: a.upscale(e, request))
        return MediaResult(reply.data, "image/png", entry.provider, entry.model, entry.offline, record)

    def matting(self, request: MattingRequest) -> MediaResult:
        """The person alpha matte of the request's video; an MP4 of grey frames."""
        reply, entry, record = self._call("matting", lambda a, e: a.matting(e, request))
        return MediaResult(reply.data, "video/mp4", entry.provider, entry.model, entry.offline, record)

    def chat(self, request: ChatRequest, on_text: Callable[[str], None] = lambda _: None) -> ChatResult:
        """A streamed Claude conversation laid out for prompt caching (see ``ChatRequest``).
        A retried attempt starts over: ``on_text`` then sees the text again from the start."""
        reply, entry, record = self._call("chat", lambda a, e: a.chat(e, request, on_text))
        return ChatResult(reply.data, reply.stop_reason, reply.usage, entry.provider, entry.model, record)

    # --- selection, for callers that show which engine will answer -----------------------------

    def entry(self, capability: str) -> Entry:
        """The registry entry that serves ``capability`` now (raises if a forced one has no key)."""
        return self.registry.select(capability, self.env)

    def close(self) -> None:
        for adapter in self._adapters.values():
            adapter.close()
        self._adapters.clear()

    # --- the call loop ----------------------------------------------------------------------------

    def _call(self, capability: str,
              invoke: Callable[[Adapter, Entry], Reply[T]]) -> tuple[Reply[T], Entry, CallRecord]:
        entry = self.entry(capability)
        started = time.perf_counter()
        spent = ZERO  # what failed attempts still cost
        attempt = 0
        while True:
            attempt += 1
            try:
                reply = invoke(self._adapter(entry.provider), entry)
            except ProviderError as exc:
                spent += exc.cost_usd
                if exc.retryable and attempt < entry.attempts:
                    delay = self._backoff(attempt, exc.retry_after)
                    log.warning("%s %s %s attempt %d/%d failed, retrying in %.2f s: %s", capability,
                                entry.provider, entry.model, attempt, entry.attempts, delay, exc.message)
                    self._sleep(delay)
                    continue
                self._record(entry, started, attempt, spent, exc)
                raise
            except Exception as exc:
                # An adapter bug or an engine crash: recorded, then raised as it is.
                self._record(entry, started, attempt, spent, exc)
                raise
            return reply, entry, self._record(entry, started, attempt, spent + entry.price.cost(reply.usage))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with equal jitter; a vendor's Retry-After wins when longer."""
        ceiling = min(self._backoff_max_s, self._backoff_s * 2 ** (attempt - 1))
        delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self._backoff_max_s))
        return delay

    def _record(self, entry: Entry, started: float, attempts: int, cost: Decimal,
                error: Exception | None = None) -> CallRecord:
        record = CallRecord(
            capability=entry.capability, provider=entry.provider, model=entry.model,
            latency_ms=round((time.perf_counter() - started) * 1000, 3), attempts=attempts, cost_usd=cost,
            ok=error is None, error=None if error is None else _describe(error),
        )
        self.records.append(record)
        log.log(logging.INFO if record.ok else logging.WARNING,
                "%s %s %s %s in %.0f ms, %d attempt(s), $%s%s", record.capability, record.provider,
                record.model, "ok" if record.ok else "failed", record.latency_ms, record.attempts,
                record.cost_usd, f": {record.error}" if record.error else "")
        return record

    def _adapter(self, provider: str) -> Adapter:
        with self._lock:  # studio calls from threads; build each client once
            if provider not in self._adapters:
                self._adapters[provider] = build(provider, self.env)
            return self._adapters[provider]

    def _seed(self) -> int:
        return self._rng.randrange(2**31)


def _describe(error: Exception) -> str:
    if isinstance(error, ProviderError):
        return str(error)
    return f"{type(error).__name__}: {error}"
