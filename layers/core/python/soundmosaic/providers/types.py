"""ModelMosaic's requests, results, call records and errors.

No vendor imports here: studio code and the API import these names without pulling in a vendor
client. Money is ``Decimal`` (USD), never float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

CAPABILITIES = ("text", "vision", "image", "video", "music", "faceswap", "upscale", "matting", "embed",
                "separate", "transcribe", "midi")
# The capabilities ModelMosaic serves end to end today; the registry may list the others.
SERVED = ("text", "vision", "image", "video")

ZERO = Decimal(0)


# --- requests -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TextRequest:
    """Text generation. ``task`` tells the offline engine what to write (``"track_names"``);
    LLM adapters send ``system`` + ``prompt`` as given (the caller builds the prompt)."""

    task: str = "free"
    prompt: str = ""
    system: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    max_tokens: int = 1024
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {self.max_tokens}")


@dataclass(frozen=True)
class ImageRequest:
    """One image. ``seed=None`` lets ModelMosaic pick one; the result says which."""

    prompt: str
    seed: int | None = None
    width: int = 1024
    height: int = 1024
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")


@dataclass(frozen=True)
class VisionRequest:
    """A question about an image (an empty question asks for a description)."""

    image: bytes
    content_type: str = "image/png"
    question: str = ""

    def __post_init__(self) -> None:
        if not self.image:
            raise ValueError("VisionRequest.image is empty")


@dataclass(frozen=True)
class VideoRequest:
    """A seamless loop of ``seconds`` animated from ``image`` (PNG bytes)."""

    image: bytes
    prompt: str = ""
    seconds: float = 10.0
    fps: int = 30
    width: int = 1920
    height: int = 1080
    seed: int | None = None

    def __post_init__(self) -> None:
        if not self.image:
            raise ValueError("VideoRequest.image is empty")
        if self.seconds <= 0 or self.fps < 1 or self.width < 2 or self.height < 2:
            raise ValueError(f"bad video shape: {self.seconds} s at {self.fps} fps, "
                             f"{self.width}x{self.height}")


# --- records and results ---------------------------------------------------------------------

@dataclass(frozen=True)
class CallRecord:
    """One capability call as ModelMosaic saw it, retries included."""

    capability: str
    provider: str
    model: str
    latency_ms: float
    attempts: int
    cost_usd: Decimal
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class TextResult:
    text: str
    provider: str
    model: str
    offline: bool
    record: CallRecord


@dataclass(frozen=True)
class VisionResult:
    text: str
    provider: str
    model: str
    offline: bool
    record: CallRecord


@dataclass(frozen=True)
class ImageResult:
    png: bytes
    seed: int
    width: int
    height: int
    provider: str
    model: str
    offline: bool
    record: CallRecord


@dataclass(frozen=True)
class VideoResult:
    mp4: bytes
    seconds: float
    frames: int
    fps: int
    width: int
    height: int
    provider: str
    model: str
    offline: bool
    record: CallRecord


# --- what an adapter hands back to ModelMosaic ----------------------------------------------

@dataclass(frozen=True)
class Usage:
    """What a call consumed, priced by the registry entry (``Price.cost``)."""

    calls: int = 1
    seconds: Decimal = ZERO  # Replicate's metrics.predict_time
    input_tokens: int = 0
    output_tokens: int = 0


T = TypeVar("T", str, bytes)


@dataclass(frozen=True)
class Reply(Generic[T]):
    """An adapter's answer: the payload (text, PNG or MP4 bytes) and its usage."""

    data: T
    usage: Usage = field(default_factory=Usage)


# --- errors ----------------------------------------------------------------------------------

class ProviderError(Exception):
    """A provider could not serve a call. ``retryable`` errors (timeouts, connection errors, 429,
    5xx) are retried by ModelMosaic up to the registry's ``attempts``."""

    def __init__(self, provider: str, capability: str, message: str, retryable: bool = False, *,
                 status: int | None = None, retry_after: float | None = None,
                 cost_usd: Decimal = ZERO) -> None:
        super().__init__(f"{provider} {capability}: {message}")
        self.provider = provider
        self.capability = capability
        self.message = message
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after  # seconds the vendor asked us to wait (Retry-After)
        self.cost_usd = cost_usd  # what the failed call still cost, when the vendor says


class ProviderRefused(ProviderError):
    """The model refused, or a safety filter flagged the input or output. Never retried."""

    def __init__(self, provider: str, capability: str, message: str, *, cost_usd: Decimal = ZERO) -> None:
        super().__init__(provider, capability, message, retryable=False, cost_usd=cost_usd)


class ProviderTimeout(ProviderError):
    """No answer within the registry entry's ``timeout_s``. Retryable."""

    def __init__(self, provider: str, capability: str, message: str) -> None:
        super().__init__(provider, capability, message, retryable=True)
