"""ModelMosaic: every model call goes through a capability, a registry and an adapter.

>>> from soundmosaic.providers import ModelMosaic, ImageRequest
>>> mosaic = ModelMosaic.from_env()            # registry.toml (or $SOUNDMOSAIC_REGISTRY) + keys
>>> result = mosaic.image(ImageRequest(prompt="neon rain", seed=7, width=512, height=512))
>>> result.provider, result.offline, result.record.cost_usd     # doctest: +SKIP

With no key configured the offline engines serve text (track names), vision, image and video.
See docs/studio.md for the contract and ``registry`` for selection and its environment variables.
Importing this package imports no vendor client.
"""

from soundmosaic.providers.mosaic import ModelMosaic
from soundmosaic.providers.registry import Entry, Price, Registry, RegistryError
from soundmosaic.providers.types import (
    CallRecord,
    ImageRequest,
    ImageResult,
    ProviderError,
    ProviderRefused,
    ProviderTimeout,
    TextRequest,
    TextResult,
    VideoRequest,
    VideoResult,
    VisionRequest,
    VisionResult,
)

__all__ = [
    "CallRecord",
    "Entry",
    "ImageRequest",
    "ImageResult",
    "ModelMosaic",
    "Price",
    "ProviderError",
    "ProviderRefused",
    "ProviderTimeout",
    "Registry",
    "RegistryError",
    "TextRequest",
    "TextResult",
    "VideoRequest",
    "VideoResult",
    "VisionRequest",
    "VisionResult",
]
