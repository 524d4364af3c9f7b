"""Offline artwork engine: procedural album-cover candidates rendered with numpy and Pillow.

``render(prompt, data, width, height, seed)`` returns PNG bytes. ``plan()`` makes the choices
first, and they are written into the PNG's text chunks ("Software", "Description") so a file
says it came from the offline engine and how:

- palette: the artist's own hex colours (``data["palette"]``) when given, else a prompt word's
  palette ("ocean", "neon", "night", "sunset", "forest", "fire", "ice", "retro"...), else the
  mood's or the genre's, hue-jittered a little per seed; sorted by luminance into roles
  (background, second background, primary, secondary, accent) for a dark or a light cover;
- layout family (``layouts.LAYOUTS``), picked by seed, mostly among the prompt word's motifs
  when there are any ("ocean" -> waves, "night" -> stars, "city" -> skyline...); "minimal" asks
  for fewer elements and no grain;
- finishing: light leak, vignette, film grain;
- typography: ``data["title"]`` and ``data["artist_name"]`` in a DejaVu or Liberation face that
  suits the genre, shrunk and wrapped until it fits, coloured against what lies behind it.

The composition depends on seed, prompt, genre and mood only, so adding a title or a palette
to the same seed changes the lettering or the colours and nothing else.
"""

from __future__ import annotations

import colorsys
import io
import itertools
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from PIL.PngImagePlugin import PngInfo

from soundmosaic.providers.offline import lexicon, palettes
from soundmosaic.providers.offline.layouts import F32, LAYOUTS, Canvas, mix

ENGINE = "SoundMosaic offline artwork engine (procedural, numpy + Pillow)"
MIN_SIDE, MAX_SIDE, MAX_PIXELS = 16, 4096, 2048 * 2048
# Film grain barely deflates: level 1 is three times faster than 3 for files about 3% larger.
PNG_COMPRESS_LEVEL = 1
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONTS = {
    "bold": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
    "condensed": ("DejaVuSansCondensed-Bold.ttf", "LiberationSansNarrow-Bold.ttf"),
    "serif": ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf"),
    "light": ("DejaVuSans-ExtraLight.ttf", "LiberationSans-Regular.ttf"),
    "mono": ("DejaVuSansMono-Bold.ttf", "LiberationMono-Regular.ttf"),
}
GENRE_FONTS = {
    "classical": ("serif",), "jazz": ("serif", "light"), "folk": ("serif",),
    "country": ("serif", "condensed"), "electronic": ("mono", "light", "condensed"),
    "hiphop": ("condensed", "bold"), "rock": ("condensed", "bold"), "metal": ("condensed", "serif"),
    "pop": ("bold", "light"), "ambient": ("light", "serif"), "lofi": ("mono", "serif"),
    "rnb": ("serif", "light"), "latin": ("bold", "condensed"),
}
DARK_ONLY = frozenset({"stars", "skyline"})
PLACES = (("bottom", "left"), ("top", "left"), ("bottom", "center"), ("top", "center"), ("center", "center"))


@dataclass
class Plan:
    """What a render will do; all of it follows from the inputs and the seed."""

    layout: str
    palette: list[str]  # hex, as used
    palette_source: str
    theme: str  # "dark" or "light"
    font_style: str
    place: tuple[str, str]
    flags: set[str] = field(default_factory=set)
    roles: dict[str, np.ndarray] = field(default_factory=dict, repr=False)


def _rng(seed: int, prompt: str, data: dict) -> np.random.Generator:
    key = "|".join([prompt[:2000], str(data.get("genre") or "")[:200], str(data.get("mood") or "")[:200]])
    return np.random.default_rng([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF, zlib.crc32(key.encode())])


def _jitter(colours: list[np.ndarray], degrees: float) -> list[np.ndarray]:
    out = []
    for c in colours:
        h, lum, s = colorsys.rgb_to_hls(*(float(v) for v in c))
        out.append(np.array(colorsys.hls_to_rgb((h + degrees / 360) % 1.0, lum, s), F32))
    return out


def _fill_to_five(colours: list[np.ndarray]) -> list[np.ndarray]:
    """Add midpoints between luminance neighbours until there are five colours."""
    out = sorted(colours, key=palettes.luminance)
    while len(out) < 5:
        gaps = [palettes.luminance(b) - palettes.luminance(a) for a, b in itertools.pairwise(out)]
        i = int(np.argmax(gaps)) if gaps else 0
        mid = (out[i] + out[min(i + 1, len(out) - 1)]) / 2 if len(out) > 1 else out[0] * 0.5
        out.insert(i + 1, mid.astype(F32))
    return out


def plan(prompt: str, data: dict, seed: int) -> Plan:
    """Choose palette, layout, theme, font and text placement for a render."""
    rng = _rng(seed, prompt, data)
    words = re.findall(r"[a-z0-9]+", prompt[:2000].casefold())
    word_palette, motifs, flags = None, [], set()
    for w in words:
        if w in palettes.WORDS:
            pal, mot, fl = palettes.WORDS[w]
            if pal is not None and word_palette is None:
                word_palette = (w, pal)
            motifs += [m for m in mot if m not in motifs]
            flags |= set(fl)
    genre = lexicon.find(str(data.get("genre") or "")[:200], lexicon.GENRES, lexicon.GENRE_ALIASES)
    mood = lexicon.find(str(data.get("mood") or "")[:200], lexicon.MOODS, lexicon.MOOD_ALIASES)

    built_in: list[tuple[str, tuple[str, ...]]] = []
    if word_palette:
        built_in.append((f"prompt word '{word_palette[0]}'", word_palette[1]))
    else:
        if mood:
            built_in.append((f"{mood.name} mood", palettes.MOOD[mood.name]))
        if genre:
            built_in.append((f"{genre.name} genre", palettes.GENRE[genre.name]))
        if not built_in:
            names = sorted(palettes.MOOD)
            pick = names[int(rng.integers(len(names)))]
            built_in.append((f"{pick} mood (no genre or mood given)", palettes.MOOD[pick]))
    source, hexes = built_in[int(rng.integers(len(built_in)))]
    base = _jitter([c for c in (palettes.parse_hex(h) for h in hexes) if c is not None], rng.uniform(-12, 12))
    user = palettes.user_palette(data.get("palette"))
    if len(user) >= 3:
        if len(user) > 5:
            user = [user[i] for i in sorted(rng.choice(len(user), 5, replace=False))]
        colours, source = _fill_to_five(user), "the artist's palette"
    elif user:  # one or two artist colours lead; the built-in palette fills the rest
        colours = sorted(base, key=palettes.luminance)
        for c in user:
            colours[int(np.argmin([np.abs(c - b).sum() for b in colours]))] = c
        source = f"the artist's colours with the {source} palette"
    else:
        colours = base
    ordered = sorted(colours, key=palettes.luminance)
    families = sorted(LAYOUTS)
    if motifs and rng.random() < 0.8:
        layout = motifs[int(rng.integers(len(motifs)))]
    else:
        layout = families[int(rng.integers(len(families)))]
    # A light cover needs a paper-like lightest colour (a saturated one, neon yellow, glares), and
    # night skies and lit cities only read on a dark ground.
    paper = colorsys.rgb_to_hls(*(float(v) for v in ordered[-1]))[1] >= 0.72
    theme = "light" if paper and layout not in DARK_ONLY and rng.random() < 0.35 else "dark"
    if theme == "light":
        ordered = ordered[::-1]
    rest = ordered[2:]
    perm = rng.permutation(3) if rng.random() < 0.5 else np.array([0, 1, 2])
    roles = {"bg": ordered[0], "bg2": ordered[1], "primary": rest[perm[0]], "secondary": rest[perm[1]],
             "accent": rest[perm[2]]}
    styles = GENRE_FONTS.get(genre.name if genre else "", tuple(FONTS))
    font_style = styles[int(rng.integers(len(styles)))]
    place = PLACES[int(rng.integers(len(PLACES)))]
    return Plan(layout, [palettes.to_hex(c) for c in colours], source, theme, font_style, place, flags, roles)


# --- finishing ------------------------------------------------------------------------------------

def _finish(img: np.ndarray, c: Canvas, flags: set[str]) -> np.ndarray:
    x, y = c.grid()
    minimal = "minimal" in flags
    if not minimal and c.rng.random() < 0.45:  # light leak from a corner, screen-blended
        cx, cy = c.width * c.rng.choice([-0.1, 1.1]), c.height * c.rng.choice([-0.1, 1.1])
        leak = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (0.5 * c.size) ** 2)[..., None]
        img = 1 - (1 - img) * (1 - leak * c.roles["accent"] * 0.45)
    strength = 0.06 if minimal else c.rng.uniform(0.08, 0.22)
    d2 = ((x - c.width / 2) / c.width) ** 2 + ((y - c.height / 2) / c.height) ** 2
    img = img * (1 - strength * np.clip(d2 * 2, 0, 1))[..., None]
    grain = 0.0 if minimal else (0.05 if "grain" in flags else c.rng.uniform(0.012, 0.03))
    grain *= min(1.0, c.size / 1024) ** 0.5  # the same texture at any size: a thumbnail averages grain away
    if grain:
        img = img + c.rng.standard_normal((c.height, c.width, 1), dtype=F32) * grain
    return np.clip(img, 0, 1)


# --- typography -----------------------------------------------------------------------------------

def clean_text(value: object, limit: int) -> str:
    """User text for a cover: no control characters, single spaces, at most ``limit`` characters."""
    if not isinstance(value, str):
        return ""
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in value[: limit * 4])
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _font_path(style: str, rng: np.random.Generator) -> Path | None:
    names = FONTS[style]
    for name in [names[int(rng.integers(len(names)))], *names]:
        for folder in FONT_DIRS:
            if (folder / name).exists():
                return folder / name
    return None


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size)


def _line_height(font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> float:
    if isinstance(font, ImageFont.FreeTypeFont):
        ascent, descent = font.getmetrics()
        return (ascent + descent) * 1.04
    return float(font.getbbox("Ag")[3]) * 1.2


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_w: float,
          by_char: bool = False) -> list[str] | None:
    """Greedy wrap; None when a single word is wider than ``max_w`` (unless ``by_char``)."""
    units = list(text) if by_char else text.split(" ")
    joiner = "" if by_char else " "
    lines: list[str] = []
    for unit in units:
        trial = f"{lines[-1]}{joiner}{unit}" if lines else unit
        if lines and font.getlength(trial) <= max_w:
            lines[-1] = trial
        elif font.getlength(unit) <= max_w:
            lines.append(unit.lstrip() if by_char else unit)
        elif by_char:
            lines.append(unit)
        else:
            return None
    return lines


def fit_text(text: str, path: Path | None, max_w: float, max_h: float, max_lines: int, size: int,
             min_size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, list[str]]:
    """The largest font size (down to ``min_size``) at which ``text`` wraps into the box."""
    size = max(size, min_size)
    while True:
        font = _font(path, size)
        lines = _wrap(text, font, max_w)
        if lines and len(lines) <= max_lines and _line_height(font) * len(lines) <= max_h:
            return font, lines
        if size == min_size:
            break
        size = max(min_size, int(size * 0.9))
    # Even the smallest size is too big: break inside words and cut the rest with an ellipsis.
    lines = _wrap(text, font, max_w, by_char=True) or [""]
    room = max(1, min(max_lines, int(max_h // _line_height(font))))
    if len(lines) > room:
        lines = lines[:room]
        last = lines[-1]
        while last and font.getlength(last + "…") > max_w:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return font, lines


def _draw_text(img: np.ndarray, p: Plan, title: str, artist: str, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    s = min(w, h)
    margin = 0.07 * s
    max_w = w - 2 * margin
    path = _font_path(p.font_style, rng)
    upper = p.font_style in ("bold", "condensed", "mono") and rng.random() < 0.6
    blocks: list[tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, list[str]]] = []
    if title:
        blocks.append(fit_text(title.upper() if upper else title, path, max_w, 0.3 * h, 3,
                               int(s * rng.uniform(0.09, 0.14)), max(8, int(s * 0.035))))
    if artist:
        size = int((blocks[0][0].size if blocks and hasattr(blocks[0][0], "size") else s * 0.1) * 0.42)
        face = _font_path("light" if p.font_style != "light" else "bold", rng)
        blocks.append(fit_text(artist.upper(), face, max_w, 0.12 * h, 2, max(size, int(s * 0.03)),
                               max(7, int(s * 0.025))))
    gap = 0.02 * s
    heights = [_line_height(f) * len(ls) for f, ls in blocks]
    block_h = sum(heights) + gap * (len(blocks) - 1)
    block_w = max(f.getlength(ln) for f, ls in blocks for ln in ls)
    luma = img @ np.array([0.2126, 0.7152, 0.0722], F32)

    def box(place: tuple[str, str]) -> tuple[float, float, np.ndarray]:
        top = {"top": margin, "bottom": h - margin - block_h, "center": (h - block_h) / 2}[place[0]]
        left = margin if place[1] == "left" else (w - block_w) / 2
        y0, x0 = int(max(0, top)), int(max(0, left))
        return top, left, luma[y0:max(int(top + block_h), y0 + 1), x0:max(int(left + block_w), x0 + 1)]

    # The planned place unless another is clearly calmer (less luminance variation behind the text).
    scores = {pl: float(box(pl)[2].std()) - (0.04 if pl == p.place else 0.0) for pl in PLACES}
    vertical, horizontal = min(PLACES, key=lambda pl: scores[pl])
    top, left, lum = box((vertical, horizontal))
    light_bg = float(lum.mean()) > 0.55
    by_light = sorted(p.roles.values(), key=palettes.luminance)
    ink = by_light[0] if light_bg else by_light[-1]
    if abs(palettes.luminance(ink) - float(lum.mean())) < 0.45:
        ink = np.array([0.05, 0.05, 0.06] if light_bg else [0.97, 0.96, 0.94], F32)
    shade = np.array([1.0, 1.0, 1.0] if light_bg else [0.0, 0.0, 0.0], F32)

    # Work only on the text block plus room for the scrim and the blurred shadow.
    room = 0.06 * s
    x0, y0 = max(0, int(left - room)), max(0, int(top - room))
    x1, y1 = min(w, int(left + block_w + room) + 1), min(h, int(top + block_h + room) + 1)
    area = img[y0:y1, x0:x1]
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(mask)
    y = top
    for (font, lines), height in zip(blocks, heights, strict=True):
        lh = height / len(lines)
        for ln in lines:
            lw = font.getlength(ln)
            x = left if horizontal == "left" else (w - lw) / 2
            draw.text((x - x0, y - y0), ln, font=font, fill=255, anchor="la")
            y += lh
        y += gap
    text_alpha = np.asarray(mask, F32) / 255
    if float(lum.std()) > 0.16:  # a busy background gets a soft scrim behind the lettering
        scrim = Image.new("L", mask.size, 0)
        pad = 0.03 * s
        rect = (left - pad - x0, top - pad - y0, left + block_w + pad - x0, top + block_h + pad - y0)
        ImageDraw.Draw(scrim).rounded_rectangle(rect, radius=pad, fill=120)
        mix(area, shade, np.asarray(scrim.filter(ImageFilter.GaussianBlur(pad / 2)), F32) / 255)
    shadow = np.asarray(mask.filter(ImageFilter.GaussianBlur(max(1.0, s * 0.006))), F32) / 255
    mix(area, shade, shadow * 0.45)
    mix(area, ink, text_alpha)
    return img


def render(prompt: str, data: dict, width: int, height: int, seed: int) -> bytes:
    """A PNG album-cover candidate of ``width`` x ``height`` for the brief in ``data``.

    ``data``: optional ``title``, ``artist_name``, ``genre``, ``mood``, ``palette`` (hex list).
    """
    if not all(isinstance(v, int) and MIN_SIDE <= v <= MAX_SIDE for v in (width, height)):
        raise ValueError(f"width and height must be integers from {MIN_SIDE} to {MAX_SIDE}, "
                         f"got {width!r}x{height!r}")
    if width * height > MAX_PIXELS:
        raise ValueError(f"{width}x{height} is more than {MAX_PIXELS} pixels")
    prompt = prompt if isinstance(prompt, str) else ""
    data = data if isinstance(data, dict) else {}
    p = plan(prompt, data, seed)
    rng = _rng(seed, prompt, data)
    rng = np.random.default_rng(rng.integers(0, 2**63, 2))  # a stream independent of the plan's
    canvas = Canvas(width, height, p.roles, rng, minimal="minimal" in p.flags)
    img = LAYOUTS[p.layout](canvas).astype(F32, copy=False)
    img = _finish(img, canvas, p.flags)
    title, artist = clean_text(data.get("title"), 80), clean_text(data.get("artist_name"), 60)
    if title or artist:
        text_rng = np.random.default_rng(seed & 0xFFFFFFFF)
        img = _draw_text(np.ascontiguousarray(img), p, title, artist, text_rng)
    pixels = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    info = PngInfo()
    info.add_text("Software", ENGINE)
    info.add_text("Description", f"offline engine: '{p.layout}' layout, {p.theme} {p.palette_source} palette "
                                 f"{' '.join(p.palette)}, seed {seed}")
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()
