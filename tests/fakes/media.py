"""Real media for the fakes to serve: small images made with Pillow, MP4s made with ffmpeg."""

from __future__ import annotations

import functools
import hashlib
import io
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
                 "mp4": "video/mp4"}


def image(width: int, height: int, seed: int = 0, prompt: str = "", fmt: str = "png") -> bytes:
    """A picture that depends on seed and prompt: a two-colour split with a disc, in ``fmt``."""
    digest = hashlib.sha256(f"{seed}:{prompt}".encode()).digest()
    picture = Image.new("RGB", (width, height), tuple(digest[0:3]))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, height // 2, width, height), fill=tuple(digest[3:6]))
    r = max(1, min(width, height) // 4)
    draw.ellipse((width // 2 - r, height // 2 - r, width // 2 + r, height // 2 + r), fill=tuple(digest[6:9]))
    out = io.BytesIO()
    picture.save(out, format=_FORMATS[fmt])
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def mp4(width: int = 720, height: int = 480, fps: int = 8, seconds: float = 1.0) -> bytes:
    """An H.264 MP4 of ffmpeg's test pattern (cached: ffmpeg takes a moment)."""
    with tempfile.TemporaryDirectory(prefix="fake-mp4-") as tmp:
        out = Path(tmp) / "clip.mp4"
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
             "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
             "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast", "-y", str(out)],
            check=True, capture_output=True, timeout=120)
        return out.read_bytes()
