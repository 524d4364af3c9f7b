"""Safe decoding of untrusted image bytes for the offline engines.

The pixel count is checked from the header before any pixel is decoded (decompression bombs),
against Pillow's ``Image.MAX_IMAGE_PIXELS`` (read, never changed: other code shares it), and
every decoding failure becomes a ``ValueError`` with a clear message.
"""

from __future__ import annotations

import io
import struct
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's default, used when MAX_IMAGE_PIXELS is None


def max_pixels() -> int:
    return int(Image.MAX_IMAGE_PIXELS or DEFAULT_MAX_PIXELS)


def open_image(data: bytes, draft: tuple[int, int] | None = None) -> tuple[Image.Image, tuple[int, int]]:
    """(decoded image, size in the file's header). The first frame of an animation; ``draft`` lets
    JPEG decode at a reduced size (at least ``draft``)."""
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) == 0:
        raise ValueError("no image data: expected the bytes of a PNG, JPEG, WebP or similar image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(bytes(data)))
            w, h = img.size
            if w <= 0 or h <= 0:
                raise ValueError(f"image has an empty size {w}x{h}")
            if w * h > max_pixels():
                raise ValueError(f"image is {w}x{h} = {w * h} pixels, over the {max_pixels()} pixel limit "
                                 "(decompression bomb guard)")
            if draft:
                img.draft("RGB", draft)
            img.load()
    except ValueError:
        raise
    except UnidentifiedImageError as exc:
        raise ValueError("not a readable image: the format was not recognised") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"image too large (decompression bomb guard): {exc}") from exc
    except (OSError, SyntaxError, EOFError, struct.error) as exc:
        raise ValueError(f"corrupt or truncated image ({type(exc).__name__}: {exc})") from exc
    return img, (w, h)


def to_rgb(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """(RGB floats in [0, 1] of shape (h, w, 3), alpha in [0, 1] or None when fully opaque)."""
    alpha = None
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit and float greys: scale to [0, 1]
        grey = np.asarray(img, dtype=np.float32)
        top = float(grey.max()) if grey.size else 1.0
        scale = 65535.0 if top > 255 else 255.0
        grey = np.clip(grey / (top if img.mode == "F" and top > 0 else scale), 0, 1)
        return np.repeat(grey[..., None], 3, axis=2), None
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3]
        if float(alpha.min()) >= 1.0:
            alpha = None
        return rgba[..., :3], alpha
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0, None
