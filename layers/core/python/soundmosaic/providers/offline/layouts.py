"""Composition families of the offline artwork renderer (numpy + Pillow).

Each layout takes a ``Canvas`` (size, palette roles, random generator, flags) and returns a float
RGB array in [0, 1] of shape (height, width, 3). Shapes are antialiased either by a distance
ramp one pixel wide (numpy) or by drawing at twice the size and shrinking (Pillow).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

F32 = np.float32


@dataclass
class Canvas:
    width: int
    height: int
    roles: dict[str, np.ndarray]  # bg, bg2, primary, secondary, accent: float RGB
    rng: np.random.Generator
    minimal: bool = False

    @property
    def size(self) -> int:
        return min(self.width, self.height)

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel-centre coordinates as broadcastable (1, W) and (H, 1) arrays."""
        return (np.arange(self.width, dtype=F32)[None, :] + 0.5,
                np.arange(self.height, dtype=F32)[:, None] + 0.5)

    def colours(self) -> list[np.ndarray]:
        return [self.roles[k] for k in ("primary", "secondary", "accent")]


def fill(c: Canvas, colour: np.ndarray) -> np.ndarray:
    return np.broadcast_to(colour.astype(F32), (c.height, c.width, 3)).copy()


def mix(base: np.ndarray, colour: np.ndarray | float, alpha: np.ndarray) -> np.ndarray:
    """Alpha-blend ``colour`` (an RGB triple or an image) over ``base`` in place."""
    a = alpha[..., None] if alpha.ndim == 2 else alpha
    base += (colour - base) * a
    return base


def vertical(c: Canvas, top: np.ndarray, bottom: np.ndarray, curve: float = 1.0) -> np.ndarray:
    t = np.linspace(0, 1, c.height, dtype=F32)[:, None, None] ** curve
    return np.broadcast_to(top * (1 - t) + bottom * t, (c.height, c.width, 3)).astype(F32)


def ramp(t: np.ndarray, colours: list[np.ndarray]) -> np.ndarray:
    """Map values in [0, 1] onto a colour gradient through ``colours``."""
    stops = np.linspace(0, 1, len(colours))
    table = np.stack(colours)
    return np.stack([np.interp(t, stops, table[:, i]).astype(F32) for i in range(3)], axis=-1)


def disc(c: Canvas, cx: float, cy: float, r: float) -> np.ndarray:
    x, y = c.grid()
    d = np.sqrt((x - cx) ** 2 + (y - cy) ** 2)
    return np.clip(r - d + 0.5, 0, 1)


def glow(c: Canvas, cx: float, cy: float, r: float) -> np.ndarray:
    x, y = c.grid()
    return np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (r * r)).astype(F32)


def noise(c: Canvas, octaves: int = 4, cells: int = 3) -> np.ndarray:
    """Fractal value noise in [0, 1]: random grids upsampled bicubically, halving amplitude."""
    out = np.zeros((c.height, c.width), F32)
    amp, total = 1.0, 0.0
    aspect = c.width / c.height
    for o in range(octaves):
        n = cells * 2 ** o
        grid = c.rng.random((n + 1, max(2, round(n * aspect) + 1))).astype(F32)
        layer = Image.fromarray(grid, "F").resize((c.width, c.height), Image.Resampling.BICUBIC)
        out += amp * np.asarray(layer)
        total += amp
        amp *= 0.5
    out -= out.min()
    return out / max(float(out.max()), 1e-6)


def ridge(c: Canvas, base: float, amp: float) -> np.ndarray:
    """A hilly horizon line y(x) in pixels: two sines plus a little 1-D noise."""
    x = np.linspace(0, 1, c.width, dtype=F32)
    f1, f2 = c.rng.uniform(1.0, 3.0), c.rng.uniform(4.0, 9.0)
    p1, p2 = c.rng.uniform(0, 2 * np.pi, 2)
    knots = c.rng.standard_normal(12).astype(F32)
    wobble = np.interp(x, np.linspace(0, 1, 12), knots)
    return (base + amp * (0.6 * np.sin(2 * np.pi * f1 * x + p1) + 0.3 * np.sin(2 * np.pi * f2 * x + p2)
                          + 0.25 * wobble)).astype(F32)


def below(c: Canvas, line: np.ndarray) -> np.ndarray:
    _, y = c.grid()
    return np.clip(y - line[None, :] + 0.5, 0, 1)


def _shrink(img: Image.Image, c: Canvas) -> np.ndarray:
    return np.asarray(img.resize((c.width, c.height), Image.Resampling.BOX), dtype=F32) / 255.0


def _rgb8(colour: np.ndarray) -> tuple[int, int, int]:
    r, g, b = (round(float(v) * 255) for v in np.clip(colour, 0, 1))
    return r, g, b


# --- the families --------------------------------------------------------------------------------

def orb(c: Canvas) -> np.ndarray:
    """A sun or moon over a gradient sky; sometimes striped (synthwave), sometimes over a grid floor."""
    r = c.roles
    img = vertical(c, r["bg"], r["bg2"], curve=c.rng.uniform(0.6, 1.6))
    cx = c.width * c.rng.uniform(0.35, 0.65)
    cy = c.height * c.rng.uniform(0.32, 0.5)
    rad = c.size * c.rng.uniform(0.18, 0.3 if not c.minimal else 0.24)
    if not c.minimal:
        mix(img, r["accent"], glow(c, cx, cy, rad * 1.9) * 0.55)
    shape = disc(c, cx, cy, rad)
    _, y = c.grid()
    if c.rng.random() < 0.6:  # horizontal cuts in the lower half that widen towards the bottom
        t = np.clip((y - cy) / rad, 0, 1)
        band = ((y - cy) / (rad * 0.16)) % 1.0
        keep = (y <= cy) | (band < 0.9 - 0.5 * t)
        shape = shape * keep.astype(F32)
    tint = np.clip((y - (cy - rad)) / (2 * rad), 0, 1)
    face = ramp(np.broadcast_to(tint, (c.height, c.width)), [r["accent"], r["primary"], r["secondary"]])
    mix(img, face, shape)
    if c.rng.random() < 0.5 and not c.minimal:  # perspective grid floor
        horizon = cy + rad * c.rng.uniform(0.3, 0.9)
        x, _ = c.grid()
        depth = np.maximum(y - horizon, 0) + 1.0
        floor = np.clip(y - horizon + 0.5, 0, 1) * np.ones_like(x)
        mix(img, r["bg"] * 0.6, floor)
        u = ((x - c.width / 2) / depth * 12) % 1.0
        v = (np.log(depth) * 4) % 1.0
        lines = (np.minimum(u, 1 - u) < 0.04) | (np.minimum(v, 1 - v) < 0.06)
        mix(img, r["primary"], lines * floor * np.clip(depth / (c.height * 0.3), 0.2, 1.0))
    return img


def waves(c: Canvas) -> np.ndarray:
    """Layered ridges or swells receding into fog, with an optional low sun."""
    r = c.roles
    img = vertical(c, r["bg2"], r["accent"] * 0.35 + r["bg2"] * 0.65)
    if c.rng.random() < 0.6:
        cx, cy = c.width * c.rng.uniform(0.2, 0.8), c.height * c.rng.uniform(0.25, 0.45)
        rad = c.size * c.rng.uniform(0.07, 0.14)
        mix(img, r["accent"], glow(c, cx, cy, rad * 3) * 0.5)
        mix(img, r["accent"], disc(c, cx, cy, rad))
    layers = 3 if c.minimal else int(c.rng.integers(4, 8))
    fog = img[int(c.height * 0.55)].mean(axis=0)
    colours = [r["primary"], r["secondary"], r["bg"]]
    for i in range(layers):
        depth = i / max(1, layers - 1)
        colour = ramp(np.array([depth], F32), [fog * 0.5 + colours[0] * 0.5, *colours])[0]
        base = c.height * (0.42 + 0.5 * depth)
        line = ridge(c, base, c.height * c.rng.uniform(0.03, 0.09) * (1 + depth))
        mix(img, colour, below(c, line))
    return img


def geometric(c: Canvas) -> np.ndarray:
    """Bauhaus-like shapes on a grid: circles, half and quarter discs, squares, triangles, bars."""
    r = c.roles
    k = 2
    w, h = c.width * k, c.height * k
    paper = Image.new("RGB", (w, h), _rgb8(r["bg"]))
    draw = ImageDraw.Draw(paper)
    cells = 1 if c.minimal else int(c.rng.integers(2, 5))
    margin = 0.08 * min(w, h)
    cw, ch = (w - 2 * margin) / cells, (h - 2 * margin) / cells
    palette = [*c.colours(), r["bg2"]]
    for i in range(cells):
        for j in range(cells):
            if cells > 1 and c.rng.random() < 0.2:
                continue
            x0, y0 = margin + i * cw, margin + j * ch
            x1, y1 = x0 + cw, y0 + ch
            colour = _rgb8(palette[int(c.rng.integers(len(palette)))])
            kind = int(c.rng.integers(6))
            pad = 0.06 * cw
            box = (x0 + pad, y0 + pad, x1 - pad, y1 - pad)
            if kind == 0:
                draw.ellipse(box, fill=colour)
            elif kind == 1:
                start = 90 * int(c.rng.integers(4))
                draw.pieslice(box, start, start + 180, fill=colour)
            elif kind == 2:
                corner = int(c.rng.integers(4))
                cx, cy = (x0, x1)[corner % 2], (y0, y1)[corner // 2]
                draw.pieslice((cx - cw, cy - ch, cx + cw, cy + ch), 0, 360, fill=colour)
            elif kind == 3:
                draw.rectangle(box, fill=colour)
            elif kind == 4:
                pts = [(box[0], box[3]), (box[2], box[3]), ((box[0] + box[2]) / 2, box[1])]
                if c.rng.random() < 0.5:
                    pts = [(box[0], box[1]), (box[2], box[1]), (box[0], box[3])]
                draw.polygon(pts, fill=colour)
            else:
                bars = int(c.rng.integers(3, 6))
                bh = (box[3] - box[1]) / (2 * bars - 1)
                for b in range(bars):
                    top = box[1] + 2 * b * bh
                    draw.rectangle((box[0], top, box[2], top + bh), fill=colour)
    if c.rng.random() < 0.5:  # one large accent circle overlapping the grid
        rad = min(w, h) * c.rng.uniform(0.12, 0.22)
        cx, cy = w * c.rng.uniform(0.25, 0.75), h * c.rng.uniform(0.25, 0.75)
        draw.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), fill=_rgb8(r["accent"]))
    return _shrink(paper, c)


def contours(c: Canvas) -> np.ndarray:
    """A topographic map: fractal noise cut into bands, each band a palette step, edges drawn."""
    r = c.roles
    field = noise(c, octaves=3 if c.minimal else 5, cells=int(c.rng.integers(2, 4)))
    levels = int(c.rng.integers(5, 9) if c.minimal else c.rng.integers(8, 15))
    step = np.floor(field * levels)
    colours = [r["bg"], r["bg2"], r["primary"], r["secondary"], r["accent"]]
    if c.rng.random() < 0.5:
        colours = colours[:2] + colours[2:][::-1]
    img = ramp(step / max(1, levels - 1), colours)
    edge = np.zeros(step.shape, bool)
    edge[:, 1:] |= step[:, 1:] != step[:, :-1]
    edge[1:, :] |= step[1:, :] != step[:-1, :]
    line = r["accent"] if c.rng.random() < 0.5 else r["bg"]
    mix(img, line, edge.astype(F32) * 0.85)
    return img


def aurora(c: Canvas) -> np.ndarray:
    """A soft mesh gradient of palette blobs, sometimes crossed by a ribbon of light.

    Each blob's weight is a softmax of its closeness, so a blob's own colour fills its region and
    neighbours meet in smooth seams instead of averaging into mud.
    """
    r = c.roles
    x, y = c.grid()
    palette = [r["bg2"], *c.colours()]
    logits, colours = [np.full((c.height, c.width), -1.0, F32)], [r["bg"]]
    for _ in range(3 if c.minimal else int(c.rng.integers(4, 7))):
        cx, cy = c.width * c.rng.uniform(-0.1, 1.1), c.height * c.rng.uniform(-0.1, 1.1)
        rad = c.size * c.rng.uniform(0.25, 0.55)
        logits.append((-((x - cx) ** 2 + (y - cy) ** 2) / (rad * rad)).astype(F32))
        colours.append(palette[int(c.rng.integers(len(palette)))])
    stack = np.stack(logits) / 0.3
    stack -= stack.max(axis=0)
    weights = np.exp(stack)
    weights /= weights.sum(axis=0)
    img = np.einsum("khw,kc->hwc", weights, np.stack(colours).astype(F32))
    if c.rng.random() < 0.6:
        xs = np.linspace(0, 1, c.width, dtype=F32)
        centre = c.height * (c.rng.uniform(0.3, 0.6) + 0.12 * np.sin(2 * np.pi * (xs * c.rng.uniform(0.7, 1.6)
                                                                                  + c.rng.random())))
        width = c.height * c.rng.uniform(0.05, 0.12) * (1 + 0.5 * np.sin(2 * np.pi * xs * 2.3))
        band = np.exp(-((y - centre[None, :]) / width[None, :]) ** 2)
        streaks = 0.85 + 0.15 * np.sin(xs * c.rng.uniform(20, 50))[None, :]
        img = img + (band * streaks)[..., None] * r["accent"] * 0.5
    return np.clip(img, 0, 1)


def rings(c: Canvas) -> np.ndarray:
    """Concentric rings in palette colours, or the interference of two ripples (op-art)."""
    r = c.roles
    x, y = c.grid()
    cx, cy = c.width * c.rng.uniform(0.3, 0.7), c.height * c.rng.uniform(0.3, 0.7)
    d = np.sqrt((x - cx) ** 2 + (y - cy) ** 2)
    wavelength = c.size * (c.rng.uniform(0.06, 0.1) if c.minimal else c.rng.uniform(0.02, 0.06))
    if c.rng.random() < 0.5:
        colours = [r["bg"], r["primary"], r["bg2"], r["secondary"], r["accent"]][: 3 if c.minimal else 5]
        pos = d / wavelength
        idx = np.floor(pos).astype(np.int64) % len(colours)
        img = np.stack(colours)[idx]
        frac = pos - np.floor(pos)  # blend one pixel at each ring edge
        edge = np.clip((frac - 1) * wavelength + 1, 0, 1)
        nxt = np.stack(colours)[(idx + 1) % len(colours)]
        img = img + (nxt - img) * edge[..., None]
        outside = np.clip(d - c.size * c.rng.uniform(0.3, 0.48), 0, 1)
        return mix(img.astype(F32), r["bg"], outside)
    dx, dy = c.rng.uniform(-0.25, 0.25, 2) * c.size
    d2 = np.sqrt((x - cx - dx) ** 2 + (y - cy - dy) ** 2)
    v = (np.sin(2 * np.pi * d / wavelength) + np.sin(2 * np.pi * d2 / wavelength)) / 4 + 0.5
    return ramp(v, [r["bg"], r["bg2"], r["primary"], r["accent"]])


def stars(c: Canvas) -> np.ndarray:
    """A night sky: gradient, stars with glow, a moon or crescent, mountains on the horizon."""
    r = c.roles
    img = vertical(c, r["bg"], r["bg2"], curve=0.8)
    horizon = c.height * c.rng.uniform(0.62, 0.82)
    mix(img, r["accent"], glow(c, c.width / 2, horizon, c.size * 0.6) * 0.25)
    n = int(c.width * c.height / (6000 if c.minimal else 1400))
    sx = c.rng.integers(0, c.width, n)
    sy = c.rng.integers(0, c.height, n)
    light = np.zeros((c.height, c.width), F32)
    np.add.at(light, (sy, sx), c.rng.random(n).astype(F32) ** 3)
    blurred = Image.fromarray(light * 255).convert("L").filter(ImageFilter.GaussianBlur(2))
    halo = np.asarray(blurred, F32) / 255
    sparkle = np.clip(light + halo * 3, 0, 1)
    img = img + sparkle[..., None] * (r["accent"] * 0.4 + 0.6)
    cx, cy = c.width * c.rng.uniform(0.2, 0.8), c.height * c.rng.uniform(0.15, 0.4)
    rad = c.size * c.rng.uniform(0.06, 0.12)
    mix(img, r["accent"], glow(c, cx, cy, rad * 2.5) * 0.35)
    moon = disc(c, cx, cy, rad)
    if c.rng.random() < 0.5:
        moon = moon * (1 - disc(c, cx + rad * 0.45, cy - rad * 0.2, rad * 0.95))
    mix(img, r["accent"] * 0.85 + 0.15, moon)
    for i, colour in enumerate((r["primary"], r["bg"])):
        line = ridge(c, horizon + i * c.height * 0.08, c.height * c.rng.uniform(0.03, 0.08))
        mix(img, colour, below(c, line))
    return np.clip(img, 0, 1)


def skyline(c: Canvas) -> np.ndarray:
    """A city at dusk: gradient sky, two layers of towers, lit windows."""
    r = c.roles
    img = vertical(c, r["bg"], r["accent"] * 0.55 + r["bg2"] * 0.45, curve=1.4)
    if c.rng.random() < 0.6:
        cx, cy, rad = c.width * c.rng.uniform(0.25, 0.75), c.height * 0.55, c.size * c.rng.uniform(0.1, 0.2)
        mix(img, r["secondary"], disc(c, cx, cy, rad))
    k = 2
    w, h = c.width * k, c.height * k
    city = Image.new("L", (w, h), 0)
    lights = Image.new("L", (w, h), 0)
    layers = (Image.new("L", (w, h), 0), city)
    for depth, layer in enumerate(layers):
        draw, lamp = ImageDraw.Draw(layer), ImageDraw.Draw(lights)
        x = -c.rng.uniform(0, 0.05) * w
        while x < w:
            bw = w * c.rng.uniform(0.05, 0.12)
            top = h * (c.rng.uniform(0.35, 0.62) if depth else c.rng.uniform(0.3, 0.55))
            draw.rectangle((x, top, x + bw, h), fill=255)
            if depth and not c.minimal:
                win = max(2.0, w * 0.008)
                for wy in np.arange(top + 2 * win, h, 3 * win):
                    for wx in np.arange(x + win, x + bw - win, 2.5 * win):
                        if c.rng.random() < 0.28:
                            lamp.rectangle((wx, wy, wx + win, wy + 1.3 * win), fill=255)
            x += bw + w * c.rng.uniform(0.0, 0.02)
    back, front, lit = (_shrink(im, c) for im in (layers[0], city, lights))
    mix(img, r["bg"], back * 0.55)  # the far towers: the sky seen through haze
    mix(img, r["bg"], front)
    mix(img, r["accent"], lit * front)
    return img


def truchet(c: Canvas) -> np.ndarray:
    """Truchet tiles: quarter-circle arcs in random orientations that join into one maze of curves."""
    r = c.roles
    k = 2
    w, h = c.width * k, c.height * k
    tiles = int(c.rng.integers(4, 7) if c.minimal else c.rng.integers(7, 15))
    t = max(w, h) / tiles
    img = Image.new("RGB", (w, h), _rgb8(r["bg"]))
    draw = ImageDraw.Draw(img)
    thick = max(2, int(t * c.rng.uniform(0.12, 0.3)))
    colours = [_rgb8(col) for col in c.colours()]
    for i in range(int(np.ceil(w / t)) + 1):
        for j in range(int(np.ceil(h / t)) + 1):
            x0, y0 = i * t, j * t
            colour = colours[int(c.rng.integers(len(colours)))] if c.rng.random() < 0.3 else colours[0]
            if c.rng.random() < 0.5:
                corners = ((x0, y0, 0, 90), (x0 + t, y0 + t, 180, 270))
            else:
                corners = ((x0 + t, y0, 90, 180), (x0, y0 + t, 270, 360))
            for cx, cy, a0, a1 in corners:
                rad = t / 2 + thick / 2
                draw.arc((cx - rad, cy - rad, cx + rad, cy + rad), a0, a1, fill=colour, width=thick)
    return _shrink(img, c)


LAYOUTS: dict[str, Callable[[Canvas], np.ndarray]] = {
    "orb": orb, "waves": waves, "geometric": geometric, "contours": contours, "aurora": aurora,
    "rings": rings, "stars": stars, "skyline": skyline, "truchet": truchet,
}
