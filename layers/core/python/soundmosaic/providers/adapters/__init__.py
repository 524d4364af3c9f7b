"""Adapters: one per vendor, all behind the same four methods.

An adapter turns a request into a vendor call for one registry ``Entry`` and hands back a
``Reply`` (payload + usage), or raises ``ProviderError`` / ``ProviderRefused`` /
``ProviderTimeout`` with ``retryable`` set as the vendor's answer warrants. Retries, cost and
records belong to ``ModelMosaic``, not here. Vendor clients are imported only when an adapter is
built, so importing ``soundmosaic.providers`` stays cheap (Lambda cold starts).
"""

from __future__ import annotations

import importlib
import io
import struct
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from soundmosaic.providers.types import (
    ChatRequest,
    FaceSwapRequest,
    ImageRequest,
    MattingRequest,
    MusicReply,
    MusicRequest,
    ProviderError,
    Reply,
    TextRequest,
    UpscaleRequest,
    VideoRequest,
    VisionRequest,
)

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry

_MODULES = {
    "replicate": ("soundmosaic.providers.adapters.replicate_models", "ReplicateAdapter"),
    "openai": ("soundmosaic.providers.adapters.openai_models", "OpenAIAdapter"),
    "anthropic": ("soundmosaic.providers.adapters.anthropic_models", "AnthropicAdapter"),
    "pollinations": ("soundmosaic.providers.adapters.pollinations", "PollinationsAdapter"),
    "offline": ("soundmosaic.providers.adapters.offline", "OfflineAdapter"),
}
_PNG = b"\x89PNG\r\n\x1a\n"


class Adapter:
    """The interface; a vendor overrides the capabilities it serves."""

    provider = "adapter"

    def text(self, entry: Entry, request: TextRequest) -> Reply[str]:
        raise self.unsupported(entry)

    def vision(self, entry: Entry, request: VisionRequest) -> Reply[str]:
        raise self.unsupported(entry)

    def image(self, entry: Entry, request: ImageRequest) -> Reply[bytes]:
        raise self.unsupported(entry)

    def video(self, entry: Entry, request: VideoRequest) -> Reply[bytes]:
        raise self.unsupported(entry)

    def music(self, entry: Entry, request: MusicRequest) -> MusicReply:
        raise self.unsupported(entry)

    def faceswap(self, entry: Entry, request: FaceSwapRequest) -> Reply[bytes]:
        raise self.unsupported(entry)

    def upscale(self, entry: Entry, request: UpscaleRequest) -> Reply[bytes]:
        raise self.unsupported(entry)

    def matting(self, entry: Entry, request: MattingRequest) -> Reply[bytes]:
        raise self.unsupported(entry)

    def chat(self, entry: Entry, request: ChatRequest, on_text: Callable[[str], None]) -> Reply[str]:
        """Stream a reply: ``on_text`` gets each piece as it arrives; the Reply holds the whole."""
        raise self.unsupported(entry)

    def close(self) -> None:
        """Release connections (clients keep them alive between calls)."""

    def unsupported(self, entry: Entry) -> ProviderError:
        return ProviderError(self.provider, entry.capability,
                             f"the {self.provider} adapter does not serve {entry.capability}")


def build(provider: str, env: Mapping[str, str]) -> Adapter:
    """The adapter for ``provider``, configured from ``env`` (keys, base URLs)."""
    module_name, class_name = _MODULES[provider]
    adapter: Adapter = getattr(importlib.import_module(module_name), class_name)(env)
    return adapter


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG header without decoding it; None if ``data`` is not a PNG."""
    if len(data) < 24 or not data.startswith(_PNG) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def as_png(data: bytes, width: int, height: int) -> bytes:
    """``data`` (any image Pillow reads) as a PNG of exactly ``width`` x ``height``.

    Vendors answer in WebP or JPEG, or at the nearest size they support; results are always
    PNGs of the requested size. A PNG of the right size passes through untouched.
    """
    if png_size(data) == (width, height):
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        converted = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if converted.size != (width, height):
        converted = converted.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    converted.save(out, format="PNG")
    return out.getvalue()


def status_error(provider: str, capability: str, status: int, message: str,
                 retry_after: str | None = None) -> ProviderError:
    """An HTTP error answer as a ProviderError: 408, 409, 429 and 5xx are worth another attempt."""
    retryable = status in (408, 409, 429) or status >= 500
    wait = None
    if retry_after and retry_after.strip().replace(".", "", 1).isdigit():
        wait = float(retry_after)
    detail = f"HTTP {status}: {message}" if message else f"HTTP {status}"
    return ProviderError(provider, capability, detail, retryable, status=status, retry_after=wait)


def data_url(data: bytes, content_type: str) -> str:
    import base64

    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
