"""Offline vision engine: a reference image described from measurements of its pixels.

``describe(image, question)`` reports what can honestly be measured without a vision model:
the dominant colours (names and hex), brightness, contrast, saturation, warm or cool hues, where
the visual weight sits, edge density and texture, size and aspect. It cannot recognise objects,
people or text, and says so first. The question is not answered (nor echoed: it is user text).

Large images are checked against the decompression-bomb limit from their header, then decoded
at reduced size (JPEG draft mode) and shrunk to at most 256 px before measuring.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from soundmosaic.providers.offline.images import open_image, to_rgb

ENGINE = "Offline engine measurement (SoundMosaic pixel statistics, not a vision model)"
WORK_SIDE = 256
NAMED = {
    "black": "#000000", "charcoal": "#36454f", "dark grey": "#555555", "grey": "#808080",
    "light grey": "#c8c8c8", "white": "#ffffff", "off-white": "#f3efe6", "cream": "#fffdd0",
    "beige": "#e8dcc0", "sand": "#c2b280", "tan": "#d2b48c", "khaki": "#a39b6b", "brown": "#7b4a24",
    "dark brown": "#3e2414", "rust": "#b7410e", "red": "#ff0000", "crimson": "#c8102e",
    "dark red": "#7f0000", "burgundy": "#6d0f2b", "pink": "#ff8fb3", "hot pink": "#ff1d8e",
    "light pink": "#ffd1dc", "salmon": "#fa8072", "coral": "#ff7f50", "peach": "#ffcba4",
    "orange": "#ff8000", "amber": "#ffbf00", "gold": "#d4af37", "yellow": "#ffff00",
    "mustard": "#d6a419", "olive": "#7a7a1f", "lime": "#9acd32", "green": "#1fa31f",
    "bright green": "#00ff00", "dark green": "#0b4d1c", "mint": "#98e6b4", "sage": "#9caf88",
    "teal": "#008080", "turquoise": "#35d0c4", "cyan": "#00ffff", "sky blue": "#87ceeb",
    "steel blue": "#4682b4", "blue": "#0000ff", "royal blue": "#2e5bd8", "navy": "#0a1a4a",
    "indigo": "#3f1a7a", "purple": "#7b1f9c", "violet": "#9b59d6", "lavender": "#c4b0e8",
    "magenta": "#ff00ff", "plum": "#8e4585",
}
ASPECTS = {"1:1": 1.0, "5:4": 1.25, "4:3": 4 / 3, "3:2": 1.5, "16:10": 1.6, "16:9": 16 / 9, "2:1": 2.0,
           "21:9": 21 / 9, "4:5": 0.8, "3:4": 0.75, "2:3": 2 / 3, "9:16": 9 / 16}


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] (..., 3) -> CIE L*a*b* (D65)."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def _hex_rgb(h: str) -> np.ndarray:
    return np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64) / 255


_NAMES = list(NAMED)
_NAMED_LAB = _lab(np.stack([_hex_rgb(NAMED[n]) for n in _NAMES]))


def colour_name(rgb: np.ndarray) -> str:
    """The nearest named colour (CIE76 distance in Lab)."""
    d = np.linalg.norm(_NAMED_LAB - _lab(np.asarray(rgb, dtype=np.float64)), axis=1)
    return _NAMES[int(np.argmin(d))]


def _hex(rgb: np.ndarray) -> str:
    r, g, b = (round(float(v) * 255) for v in np.clip(rgb, 0, 1))
    return f"#{r:02x}{g:02x}{b:02x}"


def dominant_colours(rgb: np.ndarray, mask: np.ndarray, k: int = 5) -> list[tuple[np.ndarray, float]]:
    """Up to ``k`` (colour, share) by median-cut quantisation, near-duplicates merged (ΔE < 12)."""
    img = Image.fromarray((rgb * 255 + 0.5).astype(np.uint8), "RGB")
    q = img.quantize(colors=10, method=Image.Quantize.MEDIANCUT)
    idx = np.asarray(q)[mask]
    table = np.array((q.getpalette() or [])[: 3 * 10], dtype=np.float64).reshape(-1, 3) / 255
    counts = np.bincount(idx.ravel(), minlength=len(table))[: len(table)].astype(np.float64)
    share = counts / max(1.0, counts.sum())
    merged: list[list] = []  # [colour sum weighted, weight, lab]
    for i in np.argsort(-share):
        if share[i] <= 0:
            continue
        lab = _lab(table[i])
        for m in merged:
            if np.linalg.norm(m[2] - lab) < 12:
                m[0] = m[0] + table[i] * share[i]
                m[1] += share[i]
                break
        else:
            merged.append([table[i] * share[i], share[i], lab])
    out = [(m[0] / m[1], float(m[1])) for m in merged]
    out.sort(key=lambda cs: -cs[1])
    return [cs for cs in out if cs[1] >= 0.02][:k] or out[:1]


def _aspect(w: int, h: int) -> str:
    ratio = w / h
    name, value = min(ASPECTS.items(), key=lambda kv: abs(np.log(kv[1] / ratio)))
    shape = "square" if abs(ratio - 1) < 0.03 else ("landscape" if ratio > 1 else "portrait")
    if abs(np.log(value / ratio)) < 0.03:
        return f"{shape} ({name})" if shape != "square" else "square (1:1)"
    return f"{shape} ({ratio:.2f}:1)"


def _level(value: float, words: tuple[tuple[float, str], ...]) -> str:
    for limit, word in words:
        if value < limit:
            return word
    return words[-1][1]


def measure(image: bytes) -> dict:
    """The numbers behind the description (also handy for tests and the studio)."""
    img, (width, height) = open_image(image, draft=(2 * WORK_SIDE, 2 * WORK_SIDE))
    frames = int(getattr(img, "n_frames", 1) or 1)
    mode = img.mode
    img.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BOX)
    rgb, alpha = to_rgb(img)
    mask = np.ones(rgb.shape[:2], bool) if alpha is None else alpha > 0.5
    transparent = 0.0 if alpha is None else float((alpha <= 0.5).mean())
    result: dict = {"width": width, "height": height, "mode": mode, "frames": frames,
                    "aspect": _aspect(width, height), "transparent_share": round(transparent, 3)}
    if not mask.any():
        result["empty"] = True
        return result
    px = rgb[mask]
    lab = _lab(rgb.astype(np.float64))
    luma = lab[..., 0][mask] / 100  # perceived lightness L*, so pure red reads as medium, not dark
    mx, mn = px.max(axis=1), px.min(axis=1)
    sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0)
    hue = _hue(px, mx, mn)
    chromatic = (sat > 0.2) & (mx > 0.15)
    warm = chromatic & ((hue < 70) | (hue >= 330))
    cool = chromatic & (hue >= 150) & (hue < 270)

    grey = lab[..., 0] / 100
    gx = np.abs(np.diff(grey, axis=1))[:-1, :]
    gy = np.abs(np.diff(grey, axis=0))[:, :-1]
    grad = np.hypot(gx, gy)
    inner = mask[:-1, :-1]
    edges = float((grad[inner] > 0.08).mean()) if inner.any() else 0.0
    fine = float(np.median(grad[inner])) if inner.any() else 0.0

    # Visual weight: how far a pixel's colour is from the typical (median) colour, plus local detail.
    weight = np.linalg.norm(lab - np.median(lab[mask], axis=0), axis=-1) / 100
    weight[:-1, :-1] += grad
    weight = weight * mask
    uniform = float(weight.sum()) < 0.005 * float(mask.sum())
    total = float(weight.sum()) or 1.0
    ys, xs = np.mgrid[0:grey.shape[0], 0:grey.shape[1]]
    cx = float((weight * (xs + 0.5)).sum() / total / grey.shape[1])
    cy = float((weight * (ys + 0.5)).sum() / total / grey.shape[0])
    spread = float(np.sqrt((weight * (((xs + 0.5) / grey.shape[1] - cx) ** 2
                                      + ((ys + 0.5) / grey.shape[0] - cy) ** 2)).sum() / total))
    symmetry = float(np.abs(rgb - rgb[:, ::-1]).mean())

    result.update({
        "colours": [{"name": colour_name(c), "hex": _hex(c), "share": round(s, 3)}
                    for c, s in dominant_colours(rgb, mask)],
        "brightness": round(float(luma.mean()), 3),
        "contrast": round(float(luma.std()), 3),
        "dynamic_range": round(float(np.percentile(luma, 95) - np.percentile(luma, 5)), 3),
        "saturation": round(float(sat.mean()), 3),
        "warm_share": round(float(warm.sum() / max(1, chromatic.sum())), 3),
        "cool_share": round(float(cool.sum() / max(1, chromatic.sum())), 3),
        "chromatic_share": round(float(chromatic.mean()), 3),
        "uniform": uniform,
        "weight_centre": (round(cx, 3), round(cy, 3)),
        "weight_spread": round(spread, 3),
        "mirror_difference": round(symmetry, 3),
        "edge_density": round(edges, 3),
        "fine_texture": round(fine, 4),
    })
    return result


def _hue(px: np.ndarray, mx: np.ndarray, mn: np.ndarray) -> np.ndarray:
    r, g, b = px[:, 0], px[:, 1], px[:, 2]
    d = np.maximum(mx - mn, 1e-6)
    h = np.where(mx == r, ((g - b) / d) % 6, np.where(mx == g, (b - r) / d + 2, (r - g) / d + 4))
    return h * 60


def _where(cx: float, cy: float) -> str:
    col = "left" if cx < 0.42 else ("right" if cx > 0.58 else "centre")
    row = "upper" if cy < 0.42 else ("lower" if cy > 0.58 else "middle")
    if col == "centre" and row == "middle":
        return "the centre"
    if col == "centre":
        return f"the {row} centre"
    return f"the {'' if row == 'middle' else row + ' '}{col}" + (" side" if row == "middle" else "")


def describe(image: bytes, question: str = "") -> str:
    """A plain-text description of ``image`` measured from its pixels; ValueError if unreadable."""
    m = measure(image)
    frames = f", first of {m['frames']} frames" if m["frames"] > 1 else ""
    clear = f", {round(100 * m['transparent_share'])}% transparent" if m["transparent_share"] else ""
    lines = [f"{ENGINE}: it measures colour, light and composition and cannot recognise objects, "
             "people or text.",
             f"Image: {m['width']}x{m['height']} px, {m['aspect']}, {m['mode']}{frames}{clear}."]
    if m.get("empty"):
        lines.append("Every pixel is transparent: there is nothing to measure.")
        return "\n".join(lines)
    colours = ", ".join(f"{c['name']} {c['hex']} ({round(100 * c['share'])}%)" for c in m["colours"])
    lines.append(f"Dominant colours: {colours}.")
    brightness = _level(m["brightness"], ((0.18, "very dark"), (0.38, "dark"), (0.62, "medium brightness"),
                                          (0.82, "bright"), (2, "very bright")))
    contrast = _level(m["contrast"], ((0.08, "very low contrast"), (0.16, "low contrast"),
                                      (0.26, "moderate contrast"), (2, "high contrast")))
    lines.append(f"Light: {brightness} (mean lightness L* {round(100 * m['brightness'])}%), {contrast} "
                 f"(RMS {round(100 * m['contrast'])}%, 5-95% range {round(100 * m['dynamic_range'])}%).")
    if m["chromatic_share"] < 0.05:
        temperature = "nearly no colour (greyscale or neutral)"
    elif m["warm_share"] > 1.5 * m["cool_share"]:
        temperature = "warm"
    elif m["cool_share"] > 1.5 * m["warm_share"]:
        temperature = "cool"
    else:
        temperature = "balanced warm and cool"
    saturation = _level(m["saturation"], ((0.08, "unsaturated"), (0.25, "muted"),
                                          (0.5, "moderately saturated"), (2, "vivid")))
    shares = (f" (of the coloured pixels {round(100 * m['warm_share'])}% warm hues, "
              f"{round(100 * m['cool_share'])}% cool)") if m["chromatic_share"] >= 0.05 else ""
    lines.append(f"Colour: {saturation} (mean saturation {round(100 * m['saturation'])}%), "
                 f"{temperature}{shares}.")
    spread = "concentrated" if m["weight_spread"] < 0.22 else ("spread out" if m["weight_spread"] > 0.32
                                                               else "moderately spread")
    symmetric = "; nearly left-right symmetric" if m["mirror_difference"] < 0.04 else ""
    if m["uniform"]:
        lines.append("Composition: a uniform field with no focal point.")
    else:
        where = _where(*m["weight_centre"])
        lines.append(f"Composition: the visual weight sits in {where}, {spread}{symmetric}.")
    texture = _level(m["edge_density"], ((0.02, "smooth, few edges"), (0.08, "some edges and detail"),
                                         (0.2, "detailed"), (2, "busy, highly textured")))
    grain = ", fine grain or noise throughout" if m["fine_texture"] > 0.03 else ""
    lines.append(f"Texture: {texture} ({round(100 * m['edge_density'])}% edge pixels){grain}.")
    lines.append("Palette: " + " ".join(c["hex"] for c in m["colours"]) + ".")
    if isinstance(question, str) and question.strip():
        lines.append("A question was asked; this engine cannot answer free-form questions beyond the "
                     "measurements above.")
    return "\n".join(lines)
