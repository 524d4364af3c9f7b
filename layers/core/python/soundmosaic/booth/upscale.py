"""Super-resolution for the booth: the offline upscaler and the provider path.

The offline engine is honest about what it is: Lanczos resampling followed by an unsharp mask
(``engine = "offline-lanczos-unsharp-v1"``). It adds no detail that was not in the source; it only
gives a sharp-looking 1080p video and a print-sized image. The provider path sends the image to
the registry's ``upscale`` capability (Real-ESRGAN on Replicate) through ModelMosaic.
See docs/booth.md, "Engines".
"""

from __future__ import annotations

import cv2
import numpy as np

ENGINE = "offline-lanczos-unsharp-v1"  # the registry's offline upscale entry
# Unsharp mask: radius (Gaussian sigma in output pixels) and amount; mild, to avoid halos.
SIGMA, AMOUNT = 1.2, 0.6


def video_filter(height: int = 1080) -> str:
    """The ffmpeg filter that brings a clip to ``height`` lines (even width): Lanczos + unsharp."""
    return f"scale=-2:{height}:flags=lanczos,unsharp=5:5:{AMOUNT:g}:5:5:0"


def upscale_image(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """``rgb`` resized so its long side is ``long_side`` (Lanczos), then unsharp-masked."""
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    big = cv2.resize(rgb, size, interpolation=cv2.INTER_LANCZOS4 if scale > 1 else cv2.INTER_AREA)
    if scale <= 1:
        return np.asarray(big, np.uint8)
    blurred = cv2.GaussianBlur(big, (0, 0), SIGMA * scale / 2)
    return np.asarray(cv2.addWeighted(big, 1 + AMOUNT, blurred, -AMOUNT, 0), np.uint8)


def upscale_with_provider(png: bytes, scale: int = 4) -> tuple[bytes, str]:
    """(upscaled PNG, engine) through ModelMosaic's ``upscale`` capability (the registry's first
    entry whose key is set; the offline entry answers with ``upscale_image``)."""
    from soundmosaic.providers.mosaic import ModelMosaic
    from soundmosaic.providers.types import UpscaleRequest

    mosaic = ModelMosaic.from_env()
    try:
        result = mosaic.upscale(UpscaleRequest(png, scale))
    finally:
        mosaic.close()
    return result.data, f"{result.provider}:{result.model}"
