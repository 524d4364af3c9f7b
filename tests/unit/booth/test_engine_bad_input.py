"""Hostile and unusable input for the booth engines: each gets a clear, typed error before
any expensive work, and nothing is written. Tried: a photo without a face, with two faces,
with a face too small, a corrupt (truncated) JPEG, a non-image, images whose headers claim
8000 x 8000 and 20000 x 20000 pixels, a file over the byte cap, a clip longer than 15 s, a
clip over 4K, a corrupt clip, and an HLS playlist named .mp4 that would make ffmpeg open a
local file."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from soundmosaic.booth import background, clips, faceswap
from soundmosaic.booth.errors import BadMedia, BoothError, ClipTooLong, FaceTooSmall, NoFace, TwoFaces
from soundmosaic_local import booth_eval

from tests.unit.booth.engine_support import WORK, lavfi_clip, template, vision


def jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_a_photo_without_a_face() -> None:
    import skimage.data

    with pytest.raises(NoFace, match="no face"):
        faceswap.participant(jpeg(skimage.data.coffee()), vision())


def test_a_photo_with_two_faces() -> None:
    grace = booth_eval.grace_hopper()
    astronaut = cv2.resize(booth_eval.astronaut(), (int(512 * 600 / 512), 600))
    with pytest.raises(TwoFaces, match="one person at a time") as caught:
        faceswap.participant(jpeg(np.hstack([grace, astronaut])), vision())
    assert caught.value.code == "two_faces"


def test_a_face_too_small() -> None:
    tiny = cv2.resize(booth_eval.grace_hopper(), (128, 150), interpolation=cv2.INTER_AREA)
    canvas = np.full((600, 800, 3), 90, np.uint8)
    canvas[200:350, 300:428] = tiny  # a face about 50 px across
    with pytest.raises(FaceTooSmall, match="come closer"):
        faceswap.participant(jpeg(canvas), vision())


@pytest.mark.parametrize(
    "data",
    [
        booth_eval.grace_hopper_path().read_bytes()[:4000],  # a truncated JPEG
        b"%PDF-1.4 not a photo at all",
        b"",
    ],
    ids=["truncated-jpeg", "not-an-image", "empty"],
)
def test_a_corrupt_or_foreign_photo(data: bytes) -> None:
    with pytest.raises(BadMedia):
        faceswap.participant(data, vision())


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose (valid, CRC-correct) header claims ``width`` x ``height``."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    with pytest.raises(BadMedia, match="8000x8000"):  # 64 MP: over our cap
        faceswap.read_photo(png_claiming(8000, 8000))
    with pytest.raises(BadMedia, match="decompression bomb"):  # 400 MP: Pillow's own guard first
        faceswap.read_photo(png_claiming(20000, 20000))


def test_a_file_over_the_byte_cap_is_refused_before_decoding() -> None:
    with pytest.raises(BadMedia, match="MiB"):
        faceswap.read_photo(b"\xff" * (faceswap.MAX_PHOTO_BYTES + 1))


def test_a_clip_longer_than_15_seconds(tmp_path: Path) -> None:
    long = lavfi_clip(tmp_path / "long.mp4", 16.5)
    with pytest.raises(ClipTooLong, match=r"16\.\d s long; at most 15 s"):
        clips.probe(long)
    out = tmp_path / "out"
    with pytest.raises(ClipTooLong):
        faceswap.swap_video(booth_eval.grace_hopper_path(), long, out, vision=vision())
    assert not out.exists()  # refused before anything was written


def test_a_clip_over_4k(tmp_path: Path) -> None:
    big = lavfi_clip(tmp_path / "big.mp4", 0.2, size="4096x2304")
    with pytest.raises(BadMedia, match="4096x2304"):
        clips.probe(big)


def test_a_corrupt_clip(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(template().path.read_bytes()[:1500])
    with pytest.raises(BadMedia):
        background.replace_background(broken, template().path, tmp_path / "bg.mp4", vision=vision())


def test_a_playlist_posing_as_a_clip_opens_nothing(tmp_path: Path) -> None:
    playlist = tmp_path / "clip.mp4"
    playlist.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
    )
    with pytest.raises(BadMedia):
        clips.probe(playlist)


def test_every_engine_error_is_a_value_error_with_a_code() -> None:
    for kind in (NoFace, TwoFaces, FaceTooSmall, BadMedia, ClipTooLong):
        assert issubclass(kind, BoothError) and issubclass(kind, ValueError) and kind.code != BoothError.code
    assert WORK.exists()


def test_a_template_without_any_face_leaves_no_video(tmp_path: Path) -> None:
    pattern = lavfi_clip(tmp_path / "pattern.mp4", 0.6, size="96x96")
    out = tmp_path / "out"
    with pytest.raises(NoFace, match="no face to replace in any frame"):
        faceswap.swap_video(booth_eval.grace_hopper_path(), pattern, out, vision=vision(), height=None)
    assert list(out.iterdir()) == []
