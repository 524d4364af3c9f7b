"""The offline collage renderer and the listener collage, at small sizes (the 2048 and 9:16
formats are exercised end to end by the integration test and the bench). Hostile input tried:
a truncated PNG, bytes that are no image, a PNG whose header claims 100,000 x 100,000 pixels (a
decompression bomb), an out-of-range size, four or six listener songs, a valence of 3."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from soundmosaic.stories import collage, listener
from soundmosaic.studio.briefs import BriefError


def _png(colour_a=(200, 40, 30), colour_b=(20, 30, 120), side=200) -> bytes:
    yy, xx = np.mgrid[0:side, 0:side]
    img = np.where(((xx - side / 2) ** 2 + (yy - side / 2) ** 2 < (side / 3) ** 2)[..., None],
                   np.array(colour_a), np.array(colour_b))
    out = io.BytesIO()
    Image.fromarray(img.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


COVER = _png()
BRIEF = collage.Brief("Harbour Lights", "I left the harbour lights behind", "melancholic",
                      ("moon", "river", "rain", "crown"), -0.3, seed=7)


def _bomb() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def test_a_collage_is_composed_from_the_cover_with_its_palette_layout_and_type():
    png, facts = collage.render(COVER, BRIEF, (256, 320), photos=[_png((240, 240, 240), (10, 10, 10))])
    image = Image.open(io.BytesIO(png))
    assert image.size == (256, 320) and image.format == "PNG"
    assert facts["engine"] == "offline:offline-collage-v1" and facts["layout"] == "stack"
    palette = [tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) for h in facts["palette"]]
    assert any(r > 150 and g < 90 for r, g, _ in palette)  # the cover's red is in the palette
    assert any(b > 90 and r < 60 for r, _, b in palette)  # and its blue
    shapes = {p["shape"] for p in facts["pieces"]}
    assert {"circle", "strip"} & shapes and "segment" in shapes  # motif shapes and a segmented photo
    assert {p["source"] for p in facts["pieces"]} == {"cover", "photo"}
    pixels = np.asarray(image.convert("RGB"), np.float32)
    assert pixels.std() > 20  # a composition, not a flat fill
    again, _ = collage.render(COVER, BRIEF, (256, 320), photos=[_png((240, 240, 240), (10, 10, 10))])
    assert again == png  # same inputs and seed, same picture


def test_the_layout_follows_the_mood():
    assert collage.layout_for("energetic") == "diagonal"
    assert collage.layout_for("playful") == "scatter"
    assert collage.layout_for("hopeful") == "grid"
    _, facts = collage.render(COVER, collage.Brief("T", "a line", "euphoric", (), 0.6, 1), (160, 160))
    assert facts["layout"] == "scatter"


def test_torn_edges_and_halftone_are_real_pixels():
    rng = np.random.default_rng(3)
    square = collage.shape_mask("rect", 120, 120, rng)
    ragged = collage.torn(square, rng, amount=4)
    assert 0 < (ragged ^ square).sum() < square.sum() * 0.3  # the edge moved, the piece stayed
    grey = np.full((40, 40, 3), 60, np.float32)
    dots = collage.halftone(grey, np.array([0, 0, 0]), np.array([255, 255, 255]), cell=8)
    ink = (dots[..., 0] == 0).mean()
    assert 0.3 < ink < 0.95  # dark grey becomes mostly-ink dots, not a solid fill


@pytest.mark.parametrize(("data", "reason"), [
    (COVER[: len(COVER) // 2], "corrupt or truncated"),
    (b"<svg onload=alert(1)>", "not a readable image"),
    (_bomb(), "decompression bomb"),
])
def test_a_bad_cover_is_refused_with_the_reason(data, reason):
    with pytest.raises(ValueError, match=f"cover: .*{reason}"):
        collage.render(data, BRIEF, (128, 128))


def test_sizes_are_bounded():
    with pytest.raises(ValueError, match=r"64\.\.4096"):
        collage.render(COVER, BRIEF, (10_000, 10_000))


def test_the_listener_collage_takes_five_songs_and_reads_their_moods():
    songs = listener.five([{"title": "A", "mood": "heartbroken"},
                           {"title": "B", "valence": 0.9, "energy": 0.8},
                           {"title": "C", "valence": 0.2, "energy": 0.9}, {"title": "D"},
                           {"title": "E", "valence": 0.3, "energy": 0.2}])
    assert [s["mood"] for s in songs] == ["melancholic", "euphoric", "angry", "calm", "melancholic"]
    png, facts = listener.render(songs, {1: COVER}, size=(180, 320))
    assert Image.open(io.BytesIO(png)).size == (180, 320)
    assert [s["cover"] for s in facts["songs"]] == [False, True, False, False, False]
    with pytest.raises(BriefError, match="exactly 5 songs, got 4"):
        listener.five([{"title": "x"}] * 4)
    with pytest.raises(BriefError, match=r"song 2 valence must be 0\.\.1"):
        listener.five([{"title": "x"}, {"title": "y", "valence": 3}, {"title": "z"}, {"title": "w"},
                       {"title": "v"}])
