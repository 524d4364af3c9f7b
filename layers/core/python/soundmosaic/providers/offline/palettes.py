"""Colour palettes for the offline artwork renderer: per mood, per genre, per prompt word.

A palette is five colours; the renderer sorts them by luminance and gives them roles
(background, second background, primary, secondary, accent). An artist's own palette (hex
colours from their artistDNA style) wins over every built-in one.
"""

from __future__ import annotations

import re

import numpy as np

MOOD = {
    "euphoric": ("#2b1055", "#d53a9d", "#ff8e3c", "#ffd23f", "#fff1d0"),
    "melancholic": ("#0f1c2e", "#2e4a62", "#5f7d95", "#a7bccb", "#e4ecf2"),
    "dark": ("#07070a", "#1c1626", "#4a1020", "#8c1c2c", "#c9c1b6"),
    "calm": ("#e9e4d8", "#c9d6c3", "#8fb0a0", "#5d7f86", "#2f4550"),
    "energetic": ("#111111", "#e4252b", "#ff7a00", "#ffd400", "#f5f5f0"),
    "angry": ("#0b0b0b", "#3a0a0a", "#b3121b", "#ff3b1f", "#f2e6d9"),
    "romantic": ("#2a0f1e", "#7a1f3d", "#d1495b", "#f4a5ae", "#fde8e9"),
    "dreamy": ("#2d2a5a", "#7b6fc4", "#c3a6e8", "#f3c6e8", "#fdf6ff"),
    "nostalgic": ("#2b2118", "#c0652a", "#e8a33d", "#3f7f7a", "#f1e3c6"),
    "mysterious": ("#0a0f1f", "#1f2a52", "#4b2a6b", "#2f8f8a", "#d7c98f"),
    "hopeful": ("#1e3a5f", "#4f86c6", "#f6c177", "#f7e3a1", "#fdfaf0"),
    "playful": ("#fef6e4", "#f582ae", "#8bd3dd", "#f3d2c1", "#001858"),
}

GENRE = {
    "electronic": ("#0b0d2a", "#1b1f5e", "#00e5ff", "#ff2bd6", "#f8f32b"),
    "hiphop": ("#0d0d0d", "#262626", "#d4af37", "#c1121f", "#f0ead6"),
    "lofi": ("#2e2a3b", "#6c5b7b", "#f8b195", "#c6d8af", "#fbe9d0"),
    "rock": ("#101010", "#2b2b2b", "#c0392b", "#e8dcc2", "#f5f1e6"),
    "pop": ("#ffe3f1", "#ff6fb5", "#6c8cff", "#ffd166", "#22114d"),
    "jazz": ("#0e1a2b", "#1f3b5a", "#c8963e", "#e9dcc0", "#8a2e2e"),
    "folk": ("#2f2a1f", "#6b4f2c", "#a7743c", "#7f8c5a", "#efe4cc"),
    "rnb": ("#1a0b14", "#4a1530", "#a4343a", "#d9a35b", "#f5e1c8"),
    "metal": ("#050505", "#1a1a1a", "#5c5c5c", "#9b1111", "#d8d8d8"),
    "ambient": ("#0d2230", "#1f4e5f", "#5e9ea0", "#b7d3d6", "#f0f6f6"),
    "country": ("#2b2a33", "#3d5a80", "#b5652b", "#d9b382", "#f4ecd8"),
    "classical": ("#0f0f0f", "#3b2f2f", "#a67c2e", "#e6d5b8", "#faf7f0"),
    "latin": ("#1b1035", "#ff5e5b", "#00b8a9", "#ffd23f", "#fff8e7"),
}

# Prompt words: (palette, motif layouts, flags). Palettes here are also used by name.
WORDS: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...], tuple[str, ...]]] = {}
_OCEAN = ("#021526", "#03346e", "#0f8b8d", "#6ec6ca", "#e2f4f1")
_NEON = ("#05010f", "#1a0533", "#ff00a0", "#00f0ff", "#faff00")
_NIGHT = ("#02030a", "#0b1533", "#243b6b", "#8ea6d8", "#f4f1de")
_SUNSET = ("#1d0b2e", "#7b2869", "#e8505b", "#f9a03f", "#fde2a7")
_FOREST = ("#0b1d12", "#1f3d2b", "#4e7d4f", "#a3b86c", "#e9e4c8")
_FIRE = ("#120402", "#5a0f05", "#c4270e", "#ff7b00", "#ffd56b")
_ICE = ("#0c1b2a", "#3c6e8f", "#9ccbe0", "#dff3fb", "#ffffff")
_RETRO = ("#2a1b12", "#d35400", "#f39c12", "#16a085", "#fdf2d0")
for words, palette, motifs, flags in (
    ("ocean sea water waves wave tide beach underwater surf", _OCEAN, ("waves", "aurora"), ()),
    ("neon cyber cyberpunk synth synthwave vaporwave laser arcade", _NEON, ("orb", "rings", "truchet"), ()),
    ("night midnight moon stars star space galaxy cosmic nebula", _NIGHT, ("stars",), ()),
    ("sunset sun summer desert dusk golden", _SUNSET, ("orb", "waves"), ()),
    ("forest nature garden leaf leaves mountain mountains hills", _FOREST, ("waves", "contours"), ()),
    ("fire flame flames burn burning heat lava", _FIRE, ("contours", "aurora"), ()),
    ("ice winter snow frost frozen cold glacier", _ICE, ("waves", "contours"), ()),
    ("retro vintage seventies eighties 70s 80s analog", _RETRO, ("geometric", "orb"), ("grain",)),
    ("city urban street streets skyline downtown", None, ("skyline",), ()),
    ("minimal minimalist clean simple", None, ("geometric", "rings", "orb"), ("minimal",)),
    ("geometric bauhaus shapes abstract", None, ("geometric", "truchet"), ()),
    ("map topographic terrain marble", None, ("contours",), ()),
    ("aurora dream dreamy haze glow", None, ("aurora",), ()),
    ("pattern tiles maze", None, ("truchet",), ()),
):
    for w in words.split():
        WORDS[w] = (palette, motifs, flags)

HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def parse_hex(value: object) -> np.ndarray | None:
    """'#ff8800' / 'f80' -> float RGB in [0, 1]; anything else -> None."""
    if not isinstance(value, str):
        return None
    m = HEX.match(value.strip())
    if not m:
        return None
    h = m.group(1)
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float32) / 255.0


def to_hex(rgb: np.ndarray) -> str:
    r, g, b = (round(float(c) * 255) for c in np.clip(rgb, 0, 1))
    return f"#{r:02x}{g:02x}{b:02x}"


def luminance(rgb: np.ndarray) -> float:
    return float(rgb[0] * 0.2126 + rgb[1] * 0.7152 + rgb[2] * 0.0722)


def user_palette(values: object, limit: int = 8) -> list[np.ndarray]:
    """The valid hex colours of an artist's palette (first ``limit``), in order."""
    if not isinstance(values, list | tuple):
        return []
    out = [c for c in (parse_hex(v) for v in values[:64]) if c is not None]
    return out[:limit]
