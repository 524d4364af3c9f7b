"""The offline collage renderer: a real paper collage composed from the release's own pictures.

Sources are cut from the album cover, the artist's uploaded photos and the studio's picked
artwork (bytes in; untrusted: decoded through ``providers.offline.images.open_image``, which
refuses corrupt files and decompression bombs with a ``ValueError``). Each cut-out is
**segmented** (foreground: pixels far from the picture's border colour, largest region) or
**shape-masked** (circle, strip, blob, rectangle; the shape comes from the song's motifs: a moon
or an eye is a circle, a road or a river a strip, rain or a cloud a blob). Edges are **torn**
(the mask's boundary displaced by fractal noise) with a paper rim and a soft shadow; some pieces
are **halftoned** (duotone dots in a palette colour). The ground is a **paper texture** (tinted
noise and fibres), the **palette comes from the cover** (k-means on its pixels), a **lyric line
is hand-set** word by word on paper slips in mixed typefaces, and **grain** covers all.

The **layout** follows the story: energetic and angry moods cut along a diagonal, melancholic,
calm and nostalgic ones stack around a large centre piece, playful, euphoric and dreamy ones
scatter, the rest sit on a torn grid; the number of pieces grows with the motifs. Same inputs
and seed, same picture. Owned by the stories room (docs/stories.md).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy import ndimage

from soundmosaic.providers.offline import lexicon
from soundmosaic.providers.offline.images import open_image

ENGINE = "offline:offline-collage-v1"
SQUARE = (2048, 2048)
STORY = (1152, 2048)  # 9:16
MAX_SOURCES = 8
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Italic.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
CIRCLE_MOTIFS = lexicon.words("moon sun eye light star orb planet mirror clock heart face ring coin lamp")
STRIP_MOTIFS = lexicon.words("road river highway street line train rail wire thread ribbon bridge "
                         "horizon tide wave")
BLOB_MOTIFS = lexicon.words("rain cloud sea ocean water smoke fog storm tear dream ghost fire flame")
LAYOUTS = {"energetic": "diagonal", "angry": "diagonal", "dark": "diagonal", "melancholic": "stack",
           "calm": "stack", "nostalgic": "stack", "playful": "scatter", "euphoric": "scatter",
           "dreamy": "scatter"}


@dataclass(frozen=True)
class Brief:
    """What one collage shows (from the song's story facts)."""

    title: str
    line: str
    mood: str = "calm"
    motifs: tuple[str, ...] = ()
    sentiment: float = 0.0
    seed: int = 0
    extra_words: tuple[str, ...] = field(default=())  # labels: the motifs by default


def layout_for(mood: str) -> str:
    return LAYOUTS.get(mood, "grid")


def palette_of(image: Image.Image, k: int = 5) -> np.ndarray:
    """``k`` colours (uint8 RGB rows, darkest first) of an image by k-means on its pixels."""
    small = np.asarray(image.convert("RGB").resize((48, 48), Image.Resampling.BILINEAR), dtype=np.float32)
    pixels = small.reshape(-1, 3)
    order = np.argsort(pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32))
    centres = pixels[order[np.linspace(0, len(order) - 1, k).astype(int)]].copy()
    for _ in range(10):
        nearest = np.argmin(((pixels[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        for c in range(k):
            members = pixels[nearest == c]
            if len(members):
                centres[c] = members.mean(0)
    centres = centres[np.argsort(centres @ np.array([0.299, 0.587, 0.114], dtype=np.float32))]
    return np.clip(centres, 0, 255).astype(np.uint8)


def load(data: bytes, name: str, longest: int = 1400) -> Image.Image:
    """An untrusted picture, decoded safely and bounded to ``longest`` pixels a side."""
    try:
        img, _ = open_image(data, draft=(longest, longest))
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from err
    img = img.convert("RGB")
    img.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return img


# -- textures and masks ------------------------------------------------------------------------------


def _noise(rng: np.random.Generator, h: int, w: int, octaves: int = 4, base: int = 4) -> np.ndarray:
    """Fractal value noise in [0, 1] of shape (h, w)."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = base * 2 ** o
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        layer = np.asarray(Image.fromarray(grid).resize((w, h), Image.Resampling.BICUBIC), np.float32)
        out += amp * layer
        total += amp
        amp /= 2
    out /= total
    return (out - out.min()) / max(float(np.ptp(out)), 1e-6)


def paper(size: tuple[int, int], tint: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """A sheet of tinted paper: mottled noise and fibres (drawn at half size: paper has no
    detail finer than the grain added at the end)."""
    full = size
    w, h = max(1, size[0] // 2), max(1, size[1] // 2)
    mottle = _noise(rng, h, w, octaves=5, base=3)[..., None]
    fine = rng.normal(0, 1, (h, w, 1)).astype(np.float32)
    base = tint.astype(np.float32)[None, None, :] * (0.9 + 0.12 * mottle) + 5 * fine
    sheet = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(sheet, "RGBA")
    for _ in range(int(w * h / 4000)):  # fibres
        x, y = float(rng.integers(0, w)), float(rng.integers(0, h))
        angle, length = float(rng.uniform(0, math.pi)), float(rng.uniform(4, 22))
        shade = int(rng.integers(0, 2)) * 255
        draw.line([(x, y), (x + length * math.cos(angle), y + length * math.sin(angle))],
                  fill=(shade, shade, shade, 28), width=1)
    return sheet.resize(full, Image.Resampling.BILINEAR)


def shape_mask(shape: str, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    if shape == "circle":
        r = min(w, h) * 0.46
        return ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r)
    if shape == "strip":
        return np.abs(yy - cy) <= h * 0.22
    if shape == "blob":
        angle = np.arctan2(yy - cy, xx - cx)
        wobble = sum(rng.uniform(0.05, 0.12) * np.sin(k * angle + rng.uniform(0, 6.3)) for k in (2, 3, 5))
        radius = min(w, h) * 0.42 * (1 + wobble)
        return np.hypot(xx - cx, yy - cy) <= radius
    margin = 0.06
    return (xx > w * margin) & (xx < w * (1 - margin)) & (yy > h * margin) & (yy < h * (1 - margin))


def segment(rgb: np.ndarray) -> np.ndarray | None:
    """The foreground of a picture: pixels far from its border colour, the largest region,
    holes filled. None when nothing stands out (then a shape is used instead)."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    distance = np.linalg.norm(rgb - np.median(border, axis=0), axis=-1)
    threshold = max(40.0, float(np.percentile(distance, 60)))
    fg = ndimage.binary_opening(distance > threshold, iterations=2)
    labels, count = ndimage.label(fg)
    if count == 0:
        return None
    sizes = ndimage.sum(fg, labels, range(1, count + 1))
    biggest = labels == (int(np.argmax(sizes)) + 1)
    share = biggest.mean()
    if not 0.08 <= share <= 0.85:
        return None
    return ndimage.binary_fill_holes(biggest)


def torn(mask: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """A mask whose edge is torn: the blurred mask (a smooth ramp ``amount`` pixels wide across
    the edge) thresholded against fractal noise, so the edge wanders in and out."""
    h, w = mask.shape
    # Pillow's blur (box passes) costs the same whatever the radius; scipy's grows with it.
    blurred = Image.fromarray(mask.astype(np.uint8) * 255).filter(ImageFilter.GaussianBlur(amount))
    ramp = np.asarray(blurred, np.float32) / 255
    rough = (_noise(rng, h, w, octaves=5, base=6) - 0.5) * 0.8
    return (ramp + rough) > 0.5


def halftone(rgb: np.ndarray, ink: np.ndarray, paper_rgb: np.ndarray, cell: int) -> np.ndarray:
    """Duotone dots: each cell a dot of ``ink`` whose area follows the cell's darkness."""
    h, w, _ = rgb.shape
    grey = rgb @ np.array([0.299, 0.587, 0.114], np.float32) / 255
    yy, xx = np.mgrid[0:h, 0:w]
    cy, cx = (yy // cell) * cell + cell / 2, (xx // cell) * cell + cell / 2
    small = np.asarray(Image.fromarray((grey * 255).astype(np.uint8)).resize(
        (max(1, w // cell + 1), max(1, h // cell + 1)), Image.Resampling.BOX), np.float32) / 255
    rows, cols = np.minimum(yy // cell, small.shape[0] - 1), np.minimum(xx // cell, small.shape[1] - 1)
    darkness = 1 - small[rows, cols]
    radius = cell * np.sqrt(darkness / np.pi)  # the dot covers the darkness share of its cell
    dot = np.hypot(yy - cy, xx - cx) <= radius
    return np.where(dot[..., None], ink[None, None, :], paper_rgb[None, None, :]).astype(np.float32)


# -- pieces and type --------------------------------------------------------------------------------------


def cutout(source: Image.Image, box: tuple[int, int], shape: str, treatment: str, palette: np.ndarray,
           rng: np.random.Generator) -> Image.Image:
    """One torn paper piece (RGBA) of ``box`` size cut from ``source``."""
    w, h = box
    sw, sh = source.size
    scale = max(w / sw, h / sh) * rng.uniform(1.0, 1.6)
    resized = source.resize((max(w, int(sw * scale)), max(h, int(sh * scale))), Image.Resampling.BILINEAR)
    x0 = int(rng.integers(0, resized.width - w + 1))
    y0 = int(rng.integers(0, resized.height - h + 1))
    rgb = np.asarray(resized.crop((x0, y0, x0 + w, y0 + h)), np.float32)
    mask = segment(rgb) if shape == "segment" else None
    if mask is None:
        mask = shape_mask("rect" if shape == "segment" else shape, w, h, rng)
    mask = torn(mask, rng, amount=max(3.0, min(w, h) * 0.025))
    cream = np.array([244, 238, 224], np.float32)
    if treatment == "halftone":
        rgb = halftone(rgb, palette[int(rng.integers(0, 2))].astype(np.float32), cream,
                       cell=max(5, min(w, h) // 48))
    elif treatment == "tint":
        grey = (rgb @ np.array([0.299, 0.587, 0.114], np.float32))[..., None] / 255
        rgb = grey * palette[-1].astype(np.float32) + (1 - grey) * palette[1].astype(np.float32)
    rim = torn(ndimage.binary_dilation(mask, iterations=max(2, min(w, h) // 90)), rng,
               amount=max(2.0, min(w, h) * 0.012))
    out = np.zeros((h, w, 4), np.float32)
    out[..., :3] = np.where(mask[..., None], rgb, cream)
    out[..., 3] = np.where(rim, 255, 0)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGBA")


def _font(points: int, index: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS[index % len(FONTS):] + FONTS[:index % len(FONTS)]:
        try:
            return ImageFont.truetype(path, points)
        except OSError:
            continue
    return ImageFont.load_default(points)


def slip(word: str, points: int, rng: np.random.Generator, palette: np.ndarray) -> Image.Image:
    """One hand-set word: a paper slip in a random face, ink and paper from the palette."""
    font = _font(points, int(rng.integers(0, len(FONTS))))
    left, top, right, bottom = (int(v) for v in font.getbbox(word))
    pad = max(4, points // 5)
    w, h = right - left + 2 * pad, bottom - top + 2 * pad
    dark = bool(rng.random() < 0.35)
    ground = tuple(int(c) for c in (palette[0] if dark else (244, 238, 224)))
    ink = tuple(int(c) for c in ((244, 238, 224) if dark else palette[0]))
    piece = Image.new("RGBA", (w, h), (*ground, 255))
    ImageDraw.Draw(piece).text((pad - left, pad - top), word, font=font, fill=(*ink, 255))
    return piece.rotate(float(rng.uniform(-6, 6)), expand=True, resample=Image.Resampling.BICUBIC)


def _shadowed_paste(canvas: Image.Image, piece: Image.Image, xy: tuple[int, int], angle: float) -> None:
    piece = piece.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    alpha = piece.getchannel("A")
    offset = max(3, piece.width // 60)
    shadow = Image.new("RGBA", piece.size, (0, 0, 0, 0))
    shadow.putalpha(alpha.point(lambda a: a * 0.45).filter(ImageFilter.GaussianBlur(offset)))
    x, y = xy[0] - piece.width // 2, xy[1] - piece.height // 2
    canvas.alpha_composite(shadow, (max(0, x + offset), max(0, y + offset)) if x + offset >= 0 else (0, 0))
    canvas.alpha_composite(piece, (x, y)) if x >= 0 and y >= 0 else _paste_clipped(canvas, piece, x, y)


def _paste_clipped(canvas: Image.Image, piece: Image.Image, x: int, y: int) -> None:
    left, top = max(0, -x), max(0, -y)
    cropped = piece.crop((left, top, piece.width, piece.height))
    canvas.alpha_composite(cropped, (max(0, x), max(0, y)))


def _slots(layout: str, size: tuple[int, int], count: int, rng: np.random.Generator
           ) -> list[tuple[int, int, int, int, float]]:
    """(cx, cy, w, h, angle) for each piece, biggest first."""
    w, h = size
    unit = min(w, h)
    slots: list[tuple[int, int, int, int, float]] = []
    if layout == "stack":
        slots.append((w // 2, int(h * 0.45), int(unit * 0.62), int(unit * 0.62), float(rng.uniform(-4, 4))))
        for i in range(count - 1):
            a = 2 * math.pi * i / max(1, count - 1) + rng.uniform(-0.3, 0.3)
            slots.append((int(w / 2 + math.cos(a) * w * 0.3), int(h * 0.45 + math.sin(a) * h * 0.28),
                          int(unit * 0.3), int(unit * 0.3), float(rng.uniform(-12, 12))))
    elif layout == "diagonal":
        for i in range(count):
            t = (i + 0.5) / count
            side = int(unit * rng.uniform(0.3, 0.45))
            slots.append((int(w * (0.12 + 0.76 * t)), int(h * (0.1 + 0.7 * t)), side,
                          int(side * rng.uniform(0.6, 1.1)), float(rng.uniform(-25, -10))))
    elif layout == "scatter":
        for _ in range(count):
            side = int(unit * rng.uniform(0.22, 0.42))
            slots.append((int(rng.uniform(0.15, 0.85) * w), int(rng.uniform(0.12, 0.78) * h), side,
                          int(side * rng.uniform(0.7, 1.3)), float(rng.uniform(-30, 30))))
    else:  # grid
        cols = 2
        rows = max(2, math.ceil(count / cols))
        for i in range(count):
            r, c = divmod(i, cols)
            slots.append((int(w * (0.27 + 0.46 * c)), int(h * (0.14 + 0.66 * (r + 0.5) / rows)),
                          int(w * 0.44), int(h * 0.66 / rows), float(rng.uniform(-3, 3))))
    slots.sort(key=lambda s: -s[2] * s[3])
    return slots


def render(cover: bytes, brief: Brief, size: tuple[int, int] = SQUARE, photos: Sequence[bytes] = (),
           artworks: Sequence[bytes] = ()) -> tuple[bytes, dict[str, object]]:
    """(PNG bytes, facts: layout, palette, pieces) of one collage."""
    w, h = size
    if not (64 <= w <= 4096 and 64 <= h <= 4096):
        raise ValueError(f"collage size must be 64..4096 a side, got {w}x{h}")
    sources = [load(cover, "cover")]
    sources += [load(p, f"photo {i + 1}") for i, p in enumerate(photos[:MAX_SOURCES])]
    sources += [load(a, f"artwork {i + 1}") for i, a in enumerate(artworks[:MAX_SOURCES])]
    rng = np.random.default_rng(brief.seed)
    palette = palette_of(sources[0])
    light = brief.sentiment >= -0.2 and brief.mood not in ("dark", "angry", "mysterious")
    tint = (0.55 * palette[-1] + 0.45 * np.array([240, 232, 214])) if light else (0.7 * palette[0] + 30)
    canvas = paper((w, h), tint, rng).convert("RGBA")
    layout = layout_for(brief.mood)
    count = int(min(9, 4 + len(brief.motifs) // 2))
    shapes = [_shape_of(m) for m in brief.motifs] or ["rect"]
    pieces = []
    for i, (cx, cy, pw, ph, angle) in enumerate(_slots(layout, (w, h), count, rng)):
        source_index = i % len(sources)
        shape = "segment" if source_index > 0 and i % 2 else shapes[i % len(shapes)]
        treatment = ("colour", "halftone", "tint")[int(rng.integers(0, 3))] if i else "colour"
        piece = cutout(sources[source_index], (max(32, pw), max(32, ph)), shape, treatment, palette, rng)
        _shadowed_paste(canvas, piece, (cx, cy), angle)
        pieces.append({"source": ("cover", "photo", "artwork")[0 if source_index == 0 else
                                                               (1 if source_index <= len(photos) else 2)],
                       "shape": shape, "treatment": treatment})
    _set_type(canvas, brief, palette, rng)
    pixels = np.asarray(canvas.convert("RGB"), np.float32)
    grain = rng.normal(0, 9, pixels.shape[:2]).astype(np.float32)[..., None]
    out = Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", compress_level=1)  # speed over size: a 2048 PNG at 6 takes seconds
    colours = ["#{:02x}{:02x}{:02x}".format(*(int(v) for v in c)) for c in palette]
    facts: dict[str, object] = {"engine": ENGINE, "layout": layout, "width": w, "height": h,
                                "palette": colours,
                                "pieces": pieces, "line": brief.line}
    return buffer.getvalue(), facts


def _shape_of(motif: str) -> str:
    if motif in CIRCLE_MOTIFS:
        return "circle"
    if motif in STRIP_MOTIFS:
        return "strip"
    if motif in BLOB_MOTIFS:
        return "blob"
    return "rect"


def _set_type(canvas: Image.Image, brief: Brief, palette: np.ndarray, rng: np.random.Generator) -> None:
    """The lyric line set word by word on slips along the lower part; the title and motif labels
    on tape at the top."""
    w, h = canvas.size
    points = max(14, int(min(w, h) * 0.045))
    x, y = int(w * 0.06), int(h * 0.8)
    for word in brief.line.split()[:18]:
        piece = slip(word, points + int(rng.integers(-points // 5, points // 4 + 1)), rng, palette)
        if x + piece.width > w * 0.94:
            x, y = int(w * 0.06), y + int(points * 1.5)
        if y + piece.height > h * 0.98:
            break
        canvas.alpha_composite(piece, (x, min(y + int(rng.integers(-4, 5)), h - piece.height)))
        x += piece.width + int(points * 0.15)
    title = slip(brief.title.upper()[:40], int(points * 0.8), rng, palette)
    canvas.alpha_composite(title, (int(w * 0.05), int(h * 0.04)))
    x = int(w * 0.05) + title.width + points // 2
    for word in (brief.extra_words or brief.motifs)[:3]:
        label = slip(word, int(points * 0.55), rng, palette)
        if x + label.width < w * 0.95:
            canvas.alpha_composite(label, (x, int(h * 0.045)))
            x += label.width + points // 3
