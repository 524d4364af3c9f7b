"""The listener collage: one shareable 9:16 picture from a listener's top five songs.

Songs come from Spotify (``spotify``: top tracks, their audio features and cover art), from the
library, or typed in. A song's mood is its typed mood (read through the studio's mood
lexicons), else its audio features (valence and energy: happy-loud euphoric, happy-soft calm,
sad-loud angry, sad-soft melancholic), else calm. Each song becomes a torn piece of its cover
(or, without one, a paper swatch in its mood's palette) with its title set on a slip; the
ground's palette blends the five moods. Owned by the stories room (docs/stories.md).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image

from soundmosaic.providers.offline import lexicon, palettes
from soundmosaic.stories import collage
from soundmosaic.studio.briefs import BriefError, clean

SIZE = (1080, 1920)
COUNT = 5


def mood_of(song: Mapping[str, Any]) -> str:
    typed = str(song.get("mood") or "")
    found = lexicon.find(typed, lexicon.MOODS, lexicon.MOOD_ALIASES) if typed else None
    if found:
        return found.name
    valence, energy = song.get("valence"), song.get("energy")
    if isinstance(valence, int | float) and isinstance(energy, int | float):
        if valence >= 0.5:
            return "euphoric" if energy >= 0.5 else "calm"
        return "angry" if energy >= 0.6 else "melancholic"
    return "calm"


def five(songs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Exactly five songs, cleaned (title required; artist, mood, valence/energy in 0..1)."""
    if len(songs) != COUNT:
        raise BriefError(f"a listener collage takes exactly {COUNT} songs, got {len(songs)}")
    out = []
    for i, song in enumerate(songs):
        where = f"song {i + 1}"
        entry: dict[str, Any] = {"title": clean(song.get("title"), f"{where} title", 120, required=True),
                 "artist": clean(song.get("artist", ""), f"{where} artist", 120)}
        for name in ("valence", "energy"):
            value = song.get(name)
            if value is not None and (not isinstance(value, int | float) or not 0 <= value <= 1):
                raise BriefError(f"{where} {name} must be 0..1")
            entry[name] = value
        entry["mood"] = mood_of({**song, "mood": clean(song.get("mood", ""), f"{where} mood", 60)})
        out.append(entry)
    return out


def _swatch(mood: str, seed: int) -> bytes:
    colours = palettes.MOOD.get(mood) or palettes.MOOD["calm"]
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colours], np.float32)
    yy, xx = np.mgrid[0:256, 0:256].astype(np.float32) / 255
    rng = np.random.default_rng(seed)
    mix = (np.clip(xx * rng.uniform(0.3, 1) + yy * rng.uniform(0.3, 1), 0, 2) / 2)[..., None]
    img = rgb[1] * (1 - mix) + rgb[3] * mix
    cx, cy, r = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.3)
    img[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rgb[4]
    out = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def render(songs: list[dict[str, Any]], covers: Mapping[int, bytes], size: tuple[int, int] = SIZE,
           seed: int = 5) -> tuple[bytes, dict[str, Any]]:
    """(PNG, facts) of the collage of five cleaned songs (``five``); ``covers`` by song index."""
    rng = np.random.default_rng(seed)
    w, h = size
    pictures = [collage.load(covers[i], f"cover of song {i + 1}") if i in covers else
                collage.load(_swatch(s["mood"], seed + i), "swatch") for i, s in enumerate(songs)]
    palette = collage.palette_of(_strip(pictures))
    canvas = collage.paper((w, h), 0.6 * palette[-1] + 0.4 * np.array([240, 232, 214]), rng).convert("RGBA")
    side = int(w * 0.5)
    spots = [(0.3, 0.17), (0.72, 0.3), (0.32, 0.47), (0.7, 0.63), (0.38, 0.8)]
    for i, (song, picture) in enumerate(zip(songs, pictures, strict=True)):
        shape = ("rect", "circle", "blob", "rect", "circle")[i]
        treatment = "halftone" if song["mood"] in ("melancholic", "dark") else "colour"
        piece = collage.cutout(picture, (side, side), shape, treatment, palette, rng)
        cx, cy = int(spots[i][0] * w), int(spots[i][1] * h)
        collage._shadowed_paste(canvas, piece, (cx, cy), float(rng.uniform(-14, 14)))
        label = collage.slip(f"{i + 1}. {song['title'][:40]}", int(w * 0.04), rng, palette)
        canvas.alpha_composite(label, (max(0, min(w - label.width, cx - label.width // 2)),
                                       min(h - label.height, cy + side // 2 - label.height // 2)))
    heading = collage.slip("MY TOP 5", int(w * 0.07), rng, palette)
    canvas.alpha_composite(heading, (int(w * 0.05), int(h * 0.02)))
    pixels = np.asarray(canvas.convert("RGB"), np.float32)
    pixels += rng.normal(0, 8, pixels.shape[:2]).astype(np.float32)[..., None]
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "PNG", compress_level=3)
    return out.getvalue(), {"engine": collage.ENGINE, "width": w, "height": h,
                            "songs": [{"title": s["title"], "artist": s["artist"], "mood": s["mood"],
                                       "cover": i in covers} for i, s in enumerate(songs)]}


def _strip(pictures: list[Image.Image]) -> Image.Image:
    """The five pictures side by side, for one palette."""
    strip = Image.new("RGB", (64 * len(pictures), 64))
    for i, picture in enumerate(pictures):
        strip.paste(picture.resize((64, 64)), (64 * i, 0))
    return strip
