"""The offline artwork renderer (soundmosaic.providers.offline.artwork). Nothing here measures time."""

from __future__ import annotations

import io
import unicodedata

import numpy as np
import pytest
from PIL import Image
from soundmosaic.providers.offline import artwork, palettes
from soundmosaic.providers.offline.layouts import LAYOUTS

BRIEF = {"artist_name": "Nova Reyes", "genre": "rock", "mood": ""}
PALETTE = ["#ff6b35", "#004e89", "#1a936f", "#f7c59f", "#2e294e"]


def pixels(png: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.mode == "RGB"
    return np.asarray(img, dtype=np.float32)


def palette_distance(img: np.ndarray, hexes: list[str]) -> float:
    """Mean distance (0-255 RGB) from each pixel to the nearest of ``hexes``."""
    cols = np.stack([c for c in (palettes.parse_hex(h) for h in hexes) if c is not None]) * 255
    return float(np.linalg.norm(img[:, :, None, :] - cols[None, None], axis=-1).min(axis=-1).mean())


def test_contract_size_is_a_valid_png_that_says_it_is_offline() -> None:
    png = artwork.render("neon city at night", {**BRIEF, "title": "Midnight Circuit"}, 1024, 1024, seed=7)
    img = Image.open(io.BytesIO(png))
    img.verify()
    img = Image.open(io.BytesIO(png))
    assert img.size == (1024, 1024)
    assert "offline artwork engine" in img.info["Software"]
    assert "offline engine" in img.info["Description"]
    assert float(pixels(png).std()) > 10  # a picture, not a flat fill


@pytest.mark.parametrize("size", [(320, 180), (200, 500), (16, 16), (777, 333)])
def test_other_sizes(size: tuple[int, int]) -> None:
    png = artwork.render("", {"title": "A Title That Is Rather Long For A Tiny Cover", "artist_name": "X"},
                         *size, seed=1)
    assert Image.open(io.BytesIO(png)).size == size


def test_same_seed_same_bytes() -> None:
    a = artwork.render("ocean", BRIEF, 256, 256, seed=5)
    assert a == artwork.render("ocean", BRIEF, 256, 256, seed=5)


def test_seeds_look_clearly_different() -> None:
    imgs = [pixels(artwork.render("", BRIEF, 192, 192, seed=s)) for s in range(8)]
    distances = [float(np.abs(imgs[i] - imgs[j]).mean()) for i in range(8) for j in range(i + 1, 8)]
    assert min(distances) > 15  # mean absolute difference per channel, out of 255
    layouts = {artwork.plan("", BRIEF, s).layout for s in range(8)}
    assert len(layouts) >= 4


def test_every_layout_renders_something_distinct() -> None:
    rng = np.random.default_rng(0)
    roles = {k: rng.random(3).astype(np.float32) for k in ("bg", "bg2", "primary", "secondary", "accent")}
    from soundmosaic.providers.offline.layouts import Canvas

    out = {}
    for name, layout in LAYOUTS.items():
        img = layout(Canvas(160, 120, roles, np.random.default_rng(3)))
        assert img.shape == (120, 160, 3) and float(img.min()) >= 0 and float(img.max()) <= 1
        assert float(img.std()) > 0.02, name
        out[name] = img
    names = list(out)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert float(np.abs(out[a] - out[b]).mean()) > 0.02, (a, b)


def test_the_artists_palette_is_used() -> None:
    with_palette, without = [], []
    for seed in range(6):
        base = artwork.render("", BRIEF, 160, 160, seed)
        own = artwork.render("", {**BRIEF, "palette": PALETTE}, 160, 160, seed)
        with_palette.append(palette_distance(pixels(own), PALETTE))
        without.append(palette_distance(pixels(base), PALETTE))
        assert artwork.plan("", {**BRIEF, "palette": PALETTE}, seed).palette_source == "the artist's palette"
    assert np.mean(with_palette) < 0.7 * np.mean(without)
    assert sum(w < wo for w, wo in zip(with_palette, without, strict=True)) >= 5


def test_one_artist_colour_joins_the_built_in_palette() -> None:
    p = artwork.plan("", {**BRIEF, "palette": ["#00ff00", "not-a-colour", 7]}, seed=3)
    assert "#00ff00" in p.palette and len(p.palette) == 5
    assert "artist's colours" in p.palette_source


def test_title_and_artist_are_drawn_and_fit() -> None:
    for seed in range(4):
        plain = pixels(artwork.render("", BRIEF, 320, 320, seed))
        titled = pixels(artwork.render("", {**BRIEF, "title": "Glass Harbour"}, 320, 320, seed))
        changed = np.abs(titled - plain).max(axis=2) > 24
        assert 0.01 < changed.mean() < 0.5  # lettering, not a new picture
        ys, xs = np.nonzero(changed)
        # Inside the frame with a margin (the shadow may spread a little past the 7% margin).
        assert xs.min() > 320 * 0.02 and xs.max() < 320 * 0.98
        assert ys.min() > 320 * 0.02 and ys.max() < 320 * 0.98


def test_text_is_fitted_by_shrinking_and_wrapping() -> None:
    path = artwork._font_path("bold", np.random.default_rng(0))
    font, lines = artwork.fit_text("Everything I Know About Harbours I Learned From the Lighthouse", path,
                                   max_w=300, max_h=200, max_lines=3, size=80, min_size=10)
    assert 1 < len(lines) <= 3
    assert all(font.getlength(line) <= 300 for line in lines)
    font, lines = artwork.fit_text("Supercalifragilisticexpialidocious" * 4, path, max_w=100, max_h=40,
                                   max_lines=2, size=40, min_size=12)
    assert all(font.getlength(line) <= 100 for line in lines) and lines[-1].endswith("…")


def test_hostile_text_is_cleaned() -> None:
    title = "\x00\x1b[31mRed\u202e\tLight\n" + "x" * 10_000
    clean = artwork.clean_text(title, 80)
    assert len(clean) <= 80 and clean.startswith("[31mRed Light")
    assert not any(unicodedata.category(ch)[0] == "C" for ch in clean)
    assert artwork.clean_text(None, 80) == "" and artwork.clean_text(123, 80) == ""
    png = artwork.render("x" * 50_000, {"title": title, "artist_name": ["list"], "palette": "#fff",
                                        "genre": {"a": 1}}, 128, 128, seed=2)
    assert Image.open(io.BytesIO(png)).size == (128, 128)


def test_prompt_words_steer_palette_and_motif() -> None:
    plans = [artwork.plan("a calm ocean at dawn", BRIEF, s) for s in range(12)]
    assert all(p.palette_source == "prompt word 'ocean'" for p in plans)
    assert sum(p.layout in ("waves", "aurora") for p in plans) >= 7
    night = [artwork.plan("stars over the night", {}, s) for s in range(12)]
    assert sum(p.layout == "stars" for p in night) >= 7
    assert all(p.theme == "dark" for p in night if p.layout == "stars")
    assert "minimal" in artwork.plan("minimal", {}, 1).flags
    # Minimal covers have no film grain: their flat areas are flat.
    flat = pixels(artwork.render("minimal", {"genre": "pop"}, 128, 128, seed=4))
    grainy = pixels(artwork.render("", {"genre": "pop"}, 128, 128, seed=4))
    assert len(np.unique(flat.reshape(-1, 3), axis=0)) < len(np.unique(grainy.reshape(-1, 3), axis=0))


def test_mood_and_genre_palettes_follow_the_brief() -> None:
    p = artwork.plan("", {"mood": "melancholic"}, seed=0)
    assert p.palette_source == "melancholic mood"
    # Hue-jittered by a few degrees only: every colour stays close to the mood's.
    for got, want in zip(sorted(p.palette), sorted(palettes.MOOD["melancholic"]), strict=True):
        a, b = palettes.parse_hex(got), palettes.parse_hex(want)
        assert a is not None and b is not None and np.abs(a - b).max() < 0.25


@pytest.mark.parametrize("size", [(0, 100), (100, 5000), (3000, 3000), (100.5, 100)])
def test_bad_sizes_raise(size: tuple[int, int]) -> None:
    with pytest.raises(ValueError):
        artwork.render("", {}, size[0], size[1], seed=1)
