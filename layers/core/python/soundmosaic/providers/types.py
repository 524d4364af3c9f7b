"""ModelMosaic's requests, results, call records and errors.

No vendor imports here: studio code and the API import these names without pulling in a vendor
client. Money is ``Decimal`` (USD), never float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Generic, TypeVar

CAPABILITIES = ("text", "vision", "image", "video", "music", "faceswap", "upscale", "matting", "embed",
                "separate", "transcribe", "midi", "chat")
# The capabilities ModelMosaic serves end to end today; the registry may list the others.
SERVED = ("text", "vision", "image", "video", "faceswap", "upscale", "matting")

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


@dataclass(frozen=True)
class FaceSwapRequest:
    """The face of ``face`` (a photo: JPEG/PNG bytes) put on the face in ``video`` (MP4 bytes)."""

    face: bytes
    video: bytes
    face_content_type: str = "image/jpeg"

    def __post_init__(self) -> None:
        if not self.face or not self.video:
            raise ValueError("FaceSwapRequest needs a face photo and a target video")


@dataclass(frozen=True)
class UpscaleRequest:
    """``image`` (PNG bytes) made ``scale`` times larger (super-resolution where the model can)."""

    image: bytes
    scale: int = 4

    def __post_init__(self) -> None:
        if not self.image or not 2 <= self.scale <= 8:
            raise ValueError(f"UpscaleRequest needs a PNG and a scale of 2 to 8, got {self.scale}")


@dataclass(frozen=True)
class MattingRequest:
    """The person alpha matte of ``video`` (MP4 bytes), as an MP4 of grey frames (white: person)."""

    video: bytes

    def __post_init__(self) -> None:
        if not self.video:
            raise ValueError("MattingRequest.video is empty")


@dataclass(frozen=True)
class MediaResult:
    """A media capability's answer (faceswap, upscale, matting): bytes of ``content_type``."""

    data: bytes
    content_type: str
    provider: str
    model: str
    offline: bool
    record: CallRecord


Note = tuple[float, float, int, int]  # (start_s, end_s, MIDI pitch, velocity 1..127)
MUSIC_FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg"}


@dataclass(frozen=True)
class MusicReference:
    """One reference piece: its symbolic content (one note list per part, e.g. per melodic stem),
    tempo and key (``"A minor"``; ``None``: estimated from the notes) and its influence ``weight``
    (exact; relative to the other references). ``audio`` is an optional excerpt (WAV/MP3 bytes)
    that audio models use for melody conditioning."""

    work_id: str
    weight: Fraction
    parts: tuple[tuple[Note, ...], ...]
    tempo_bpm: float
    key: str | None = None
    audio: bytes | None = None
    audio_content_type: str = "audio/wav"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", Fraction(self.weight))
        object.__setattr__(self, "parts", tuple(tuple(tuple(n) for n in part) for part in self.parts))
        if not self.work_id:
            raise ValueError("MusicReference.work_id is empty")
        if self.weight < 0:
            raise ValueError(f"weight of {self.work_id} is negative")
        if not 20 <= self.tempo_bpm <= 300:
            raise ValueError(f"tempo of {self.work_id} must be 20..300 bpm, got {self.tempo_bpm}")


@dataclass(frozen=True)
class MusicRequest:
    """A new piece of ``seconds`` influenced by ``references`` (their weights share
    ``1 - catalog_weight``) and by the engine's training catalog (``catalog_weight``).
    ``conditioning``: one WAV clip of every reference's audio, each its share of the clip's length
    by weight (``conditioning_plan``: ``(work_id, seconds)`` in order), for audio models' melody
    conditioning; it takes the place of the references' own ``audio``."""

    references: tuple[MusicReference, ...]
    prompt: str = ""
    catalog_weight: Fraction = Fraction(15, 100)
    seconds: float = 30.0
    seed: int | None = None
    format: str = "wav"
    conditioning: bytes | None = None
    conditioning_plan: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "references", tuple(self.references))
        object.__setattr__(self, "catalog_weight", Fraction(self.catalog_weight))
        if not self.references:
            raise ValueError("MusicRequest needs at least one reference")
        ids = [r.work_id for r in self.references]
        if len(set(ids)) != len(ids):
            raise ValueError("MusicRequest: a reference work is listed twice")
        if sum((r.weight for r in self.references), Fraction(0)) <= 0:
            raise ValueError("MusicRequest: the reference weights sum to zero")
        if not 0 <= self.catalog_weight < 1:
            raise ValueError(f"catalog_weight must be in [0, 1), got {self.catalog_weight}")
        if not 1 <= self.seconds <= 600:
            raise ValueError(f"seconds must be 1..600, got {self.seconds}")
        if self.format not in MUSIC_FORMATS:
            raise ValueError(f"format must be one of {', '.join(MUSIC_FORMATS)}, got {self.format!r}")

    def reference_influence(self) -> dict[str, Fraction]:
        """Each reference's exact share of the whole influence (they sum to ``1 - catalog_weight``)."""
        total = sum((r.weight for r in self.references), Fraction(0))
        return {r.work_id: r.weight / total * (1 - self.catalog_weight) for r in self.references}


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


@dataclass(frozen=True)
class MusicResult:
    """The audio (``format`` of the request), and ``influence``: {work_id: exact weight} as used.

    The offline engine reports exactly the normalised weights it trained with (references and each
    catalog work); an audio model (MusicGen) reports the conditioning references' weights and one
    entry for its training data with the requested catalog share: its internal influence cannot be
    measured. ``midi`` is the generated score where the engine is symbolic."""

    audio: bytes
    content_type: str
    seconds: float
    sample_rate: int
    provider: str
    model: str
    offline: bool
    record: CallRecord
    influence: dict[str, Fraction]
    seed: int
    midi: bytes | None = None
    details: dict[str, Any] = field(default_factory=dict)


# --- what an adapter hands back to ModelMosaic ----------------------------------------------

@dataclass(frozen=True)
class Usage:
    """What a call consumed, priced by the registry entry (``Price.cost``)."""

    calls: int = 1
    seconds: Decimal = ZERO  # Replicate's metrics.predict_time
    input_tokens: int = 0  # Anthropic: the uncached input only (after the last cache breakpoint)
    output_tokens: int = 0
    # Anthropic prompt caching (``chat``): writes cost 1.25x (5-minute TTL) or 2x (1-hour TTL)
    # the input price, reads 0.1x.
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0


T = TypeVar("T", str, bytes)


@dataclass(frozen=True)
class Reply(Generic[T]):
    """An adapter's answer: the payload (text, PNG or MP4 bytes) and its usage."""

    data: T
    usage: Usage = field(default_factory=Usage)
    stop_reason: str | None = None  # chat: why the model stopped (end_turn, max_tokens ...)


@dataclass(frozen=True)
class MusicReply(Reply[bytes]):
    """A music adapter's answer: the audio in ``data`` plus what only the engine knows."""

    sample_rate: int = 44100
    influence: dict[str, Fraction] = field(default_factory=dict)
    midi: bytes | None = None
    details: dict[str, Any] = field(default_factory=dict)


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


@dataclass(frozen=True)
class ChatRequest:
    """A Messages API conversation as the caller laid it out for prompt caching: ``system``
    blocks and ``messages`` go out as they are (``cache_control`` included)."""

    system: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    max_tokens: int = 1024


@dataclass(frozen=True)
class ChatResult:
    text: str
    stop_reason: str | None
    usage: Usage
    provider: str
    model: str
    record: CallRecord
