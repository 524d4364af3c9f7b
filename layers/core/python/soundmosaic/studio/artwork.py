"""Cover artwork: candidates from a brief, refinement, the pick, and the contact sheet.

An *artwork* is one generation request: its brief, the final prompt sent to the image model and
``count`` candidates (``c01``...), each with its own seed. A refinement is a new artwork whose
``parent`` is a candidate: an edited prompt with the parent's seed kept (one candidate), or
``variation`` seeds next to the parent's. Before generating, reference images are described by
the ``vision`` capability and the artist's artistDNA style (palette, fonts, moods, the prompts of
artworks they picked) is folded into the prompt and the request data, to stay on-style.

Environment variables
---------------------
SOUNDMOSAIC_ARTWORK_SIZE
    Side of the square candidates in pixels (default 1024).
SOUNDMOSAIC_FONT
    A TrueType font for contact-sheet captions (default: DejaVu Sans where installed, else
    Pillow's built-in font).
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from soundmosaic.platform import clock
from soundmosaic.platform.paging import new_id
from soundmosaic.providers import ImageRequest, ModelMosaic, ProviderError, ProviderRefused, VisionRequest
from soundmosaic.studio import store
from soundmosaic.studio.briefs import Brief
from soundmosaic.studio.dna import DnaStore
from soundmosaic.studio.store import Media, StudioNotFound

MAX_COUNT = 8
MAX_REFERENCES = 4
MAX_REFERENCE_BYTES = 20 * 1024 * 1024
REFERENCE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
MAX_SEED = 2**31 - 1
THUMB = 256
MAX_FINAL_PROMPT = 4000
QUESTION = ("Describe this reference image for an album-cover artist: subject, composition, "
            "colour palette, light, texture and mood, in two or three sentences.")
FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf")


def size() -> int:
    return int(os.environ.get("SOUNDMOSAIC_ARTWORK_SIZE") or 1024)


def cost_text(value: Decimal) -> str:
    return format(value.normalize() if value else Decimal(0), "f")


# -- planning -----------------------------------------------------------------------------------


def plan_seeds(count: int, seed: int | None = None, parent_seed: int | None = None,
               variation: bool = False) -> list[int]:
    """One seed per candidate: the parent's own (kept: one candidate), seeds next to the
    parent's (variation), ``seed``, ``seed + 1``... (given), or random ones."""
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be 1-{MAX_COUNT}")
    if parent_seed is not None:
        if not variation:
            return [parent_seed]
        return [(parent_seed + k) % (MAX_SEED + 1) for k in range(1, count + 1)]
    if seed is not None:
        return [(seed + k) % (MAX_SEED + 1) for k in range(count)]
    return [secrets.randbelow(MAX_SEED + 1) for _ in range(count)]


def create(artist_id: str, brief: Brief, seeds: list[int], reference_keys: list[str],
           job_id: str, parent: dict[str, Any] | None = None, variation: bool = False,
           artwork_id: str | None = None) -> str:
    """Store a new artwork's brief.json (no candidates yet); returns its id."""
    artwork_id = artwork_id or new_id()
    Media().put_json(store.artwork_prefix(artist_id, artwork_id) + "brief.json", {
        "artwork_id": artwork_id, "artist_id": artist_id, "created_at": clock.iso(), "job_id": job_id,
        "brief": brief.as_dict(), "prompt": brief.prompt, "seeds": seeds,
        "reference_keys": reference_keys, "references": None, "final_prompt": None,
        "parent": parent, "variation": variation, "status": "queued", "candidates": [], "errors": [],
    })
    return artwork_id


def record(artist_id: str, artwork_id: str) -> dict[str, Any]:
    store.check_id(artwork_id, "artwork")
    key = store.artwork_prefix(artist_id, artwork_id) + "brief.json"
    value: dict[str, Any] = Media().get_json(key, f"no artwork {artwork_id}")
    return value


def candidate(artist_id: str, artwork_id: str, candidate_id: str) -> dict[str, Any]:
    store.check_id(artwork_id, "artwork")
    store.check_candidate(candidate_id)
    key = store.candidate_key(artist_id, artwork_id, candidate_id, "json")
    value: dict[str, Any] = Media().get_json(key, f"no candidate {candidate_id} in artwork {artwork_id}")
    return value


# -- style and prompt ---------------------------------------------------------------------------


def style_of(artist_id: str) -> dict[str, Any]:
    """What the artistDNA says about the artist's look: style and recently picked prompts."""
    document = DnaStore().get(artist_id)
    picked = [a["prompt"] for a in reversed(document["artworks"]) if a.get("prompt")]
    return {**document["style"], "previous_prompts": list(dict.fromkeys(picked))[:3]}


def compose_prompt(brief: Brief, style: dict[str, Any], references: list[str]) -> str:
    """The final image prompt: the user's prompt first, then the brief, style and references."""
    parts = [brief.prompt]
    if brief.title:
        parts.append(f'Album cover artwork for "{brief.title}" by {brief.artist_name}')
    else:
        parts.append(f"Album cover artwork for {brief.artist_name}")
    music = ", ".join(p for p in (f"{brief.genre} music" if brief.genre else "",
                                  f"{brief.mood} mood" if brief.mood else "") if p)
    if music:
        parts.append(music)
    if style.get("palette"):
        parts.append("colour palette " + ", ".join(style["palette"][:8]))
    if style.get("moods"):
        parts.append("the artist's visual moods: " + ", ".join(style["moods"][:8]))
    if style.get("fonts"):
        parts.append("lettering in the spirit of " + ", ".join(style["fonts"][:4]))
    if style.get("notes"):
        parts.append(str(style["notes"])[:300])
    if style.get("previous_prompts"):
        parts.append("keep the look of the artist's chosen covers: "
                     + " | ".join(p[:200] for p in style["previous_prompts"]))
    for number, description in enumerate(references, start=1):
        parts.append(f"reference image {number}: {description[:400]}")
    return ". ".join(p.strip().rstrip(".") for p in parts if p.strip())[:MAX_FINAL_PROMPT]


def describe_references(mosaic: ModelMosaic, artist_id: str, keys: list[str]) -> list[dict[str, Any]]:
    """A description of each reference image (vision capability), downscaled before it leaves."""
    media = Media()
    described = []
    for key in keys:
        data = media.get_bytes(key, f"reference {key.rsplit('/', 1)[-1]} is gone",
                               limit=MAX_REFERENCE_BYTES)
        png = _downscaled_png(data, 1024, key.rsplit("/", 1)[-1])
        result = mosaic.vision(VisionRequest(image=png, content_type="image/png", question=QUESTION))
        described.append({"key": key, "description": result.text.strip()[:2000],
                          "provider": result.provider, "model": result.model, "offline": result.offline,
                          "cost_usd": cost_text(result.record.cost_usd)})
    return described


def _downscaled_png(data: bytes, side: int, name: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # DecompressionBombError for absurd sizes: Pillow's own limit
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise ValueError(f"reference {name} is not a readable PNG, JPEG or WebP image") from err
    picture.thumbnail((side, side))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


# -- generating ---------------------------------------------------------------------------------


@dataclass
class ItemOutcome:
    """What one artwork's generation made: the per-item report of a batch."""

    artwork_id: str
    title: str
    made: list[str]
    refused: list[dict[str, Any]]
    error: str | None = None

    @property
    def status(self) -> str:
        if self.made:
            return "ok" if not self.refused and not self.error else "partial"
        return "refused" if self.refused and not self.error else "failed"

    def as_dict(self) -> dict[str, Any]:
        return {"artwork_id": self.artwork_id, "title": self.title, "status": self.status,
                "made": self.made, "refused": self.refused, "error": self.error}


def generate(mosaic: ModelMosaic, artist_id: str, artwork_id: str) -> tuple[ItemOutcome, dict[str, bytes]]:
    """Make the artwork's missing candidates; returns the outcome and a thumbnail per candidate.

    A refusal (safety filter, NSFW flag) skips that candidate only; any other provider error
    stops the artwork (the provider is down: the next call would fail too) and keeps what was
    made. Re-running after a crash only makes the candidates that are still missing.
    """
    media = Media()
    art = record(artist_id, artwork_id)
    brief = Brief.from_dict(art["brief"])
    outcome = ItemOutcome(artwork_id, brief.title, [], [])
    thumbs: dict[str, bytes] = {}
    try:
        if art["references"] is None:
            art["references"] = describe_references(mosaic, artist_id, art["reference_keys"])
        style = style_of(artist_id)
        art["final_prompt"] = compose_prompt(brief, style, [r["description"] for r in art["references"]])
        art["style"] = style
    except ProviderError as err:
        outcome.error = f"describing the references failed: {err}"
    except ValueError as err:
        outcome.error = str(err)
    side = size()
    for number, seed in enumerate(art["seeds"], start=1):
        if outcome.error:
            break
        candidate_id = f"c{number:02d}"
        key = store.candidate_key(artist_id, artwork_id, candidate_id, "png")
        if media.size(store.candidate_key(artist_id, artwork_id, candidate_id, "json")) is not None:
            outcome.made.append(candidate_id)  # made before a retry
            thumbs[candidate_id] = _thumbnail(media.get_bytes(key, "candidate image is gone"))
            continue
        request = ImageRequest(prompt=art["final_prompt"], seed=seed, width=side, height=side,
                               data=_image_data(brief, art["style"], art["references"], art["parent"]))
        try:
            result = mosaic.image(request)
        except ProviderRefused as err:
            outcome.refused.append({"candidate_id": candidate_id, "seed": seed, "reason": str(err)[:500]})
            continue
        except ProviderError as err:
            outcome.error = str(err)[:1000]
            break
        png = _as_png(result.png)
        media.put_bytes(key, png, "image/png")
        media.put_json(store.candidate_key(artist_id, artwork_id, candidate_id, "json"), {
            "candidate_id": candidate_id, "artwork_id": artwork_id, "seed": result.seed,
            "provider": result.provider, "model": result.model, "offline": result.offline,
            "cost_usd": cost_text(result.record.cost_usd), "latency_ms": round(result.record.latency_ms),
            "prompt": art["final_prompt"], "user_prompt": art["prompt"], "title": brief.title,
            "width": result.width, "height": result.height, "created_at": clock.iso(),
        })
        outcome.made.append(candidate_id)
        thumbs[candidate_id] = _thumbnail(png)
    art.update(candidates=outcome.made, status=outcome.status,
               errors=([outcome.error] if outcome.error else []) + [r["reason"] for r in outcome.refused])
    media.put_json(store.artwork_prefix(artist_id, artwork_id) + "brief.json", art)
    return outcome, thumbs


def _image_data(brief: Brief, style: dict[str, Any], references: list[dict[str, Any]],
                parent: dict[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {"title": brief.title, "artist_name": brief.artist_name, "genre": brief.genre,
                            "mood": brief.mood, "themes": list(brief.themes),
                            "palette": style.get("palette", []), "fonts": style.get("fonts", []),
                            "moods": style.get("moods", []),
                            "references": [r["description"] for r in references]}
    if parent:
        data["parent"] = parent
    return {k: v for k, v in data.items() if v not in ("", [], None)}


def _as_png(data: bytes) -> bytes:
    """The candidate as PNG, whatever the vendor sent (and proof that it is an image)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return data
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
    return out.getvalue()


def _thumbnail(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        picture = image.convert("RGB")
    picture.thumbnail((THUMB, THUMB))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


# -- reading and picking ------------------------------------------------------------------------


def summary(media: Media, art: dict[str, Any]) -> dict[str, Any]:
    artist_id, artwork_id = art["artist_id"], art["artwork_id"]
    return {
        "artwork_id": artwork_id, "created_at": art["created_at"], "job_id": art.get("job_id"),
        "title": art["brief"].get("title", ""), "prompt": art["prompt"], "status": art["status"],
        "parent": art.get("parent"), "candidate_ids": art["candidates"],
        "thumbnail_url": media.url(store.candidate_key(artist_id, artwork_id, art["candidates"][0], "png"))
        if art["candidates"] else None,
    }


def details(artist_id: str, artwork_id: str) -> dict[str, Any]:
    """Brief, final prompt, reference descriptions and candidates with presigned URLs."""
    media = Media()
    art = record(artist_id, artwork_id)
    candidates = []
    for candidate_id in art["candidates"]:
        facts = candidate(artist_id, artwork_id, candidate_id)
        candidates.append({
            **{k: facts[k] for k in ("candidate_id", "seed", "provider", "model", "offline", "cost_usd",
                                     "width", "height")},
            "url": media.url(store.candidate_key(artist_id, artwork_id, candidate_id, "png")),
        })
    return {"artwork_id": artwork_id, "created_at": art["created_at"], "job_id": art.get("job_id"),
            "status": art["status"], "brief": art["brief"], "prompt": art["prompt"],
            "final_prompt": art["final_prompt"], "parent": art.get("parent"),
            "variation": art.get("variation", False),
            "references": [{"key": r["key"], "description": r["description"], "provider": r["provider"],
                            "model": r["model"], "offline": r["offline"]} for r in art["references"] or []],
            "errors": art.get("errors", []), "candidates": candidates}


def page(artist_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The artist's artworks, newest first (ids are time-ordered)."""
    media = Media()
    root = store.studio_prefix(artist_id) + "artwork/"
    ids = sorted((p[len(root):].rstrip("/") for p in media.keys(root, delimiter="/")), reverse=True)
    if cursor:
        store.check_id(cursor, "cursor")
        ids = [i for i in ids if i < cursor]
    chosen = ids[:limit]
    items = []
    for artwork_id in chosen:
        try:
            items.append(summary(media, record(artist_id, artwork_id)))
        except StudioNotFound:
            continue  # a folder without brief.json: being deleted or written right now
    return items, chosen[-1] if len(ids) > limit else None


def pick(artist_id: str, artwork_id: str, candidate_id: str) -> int:
    """Make a candidate the artist's choice: a new artistDNA version. Returns its number."""
    art = record(artist_id, artwork_id)
    if candidate_id not in art["candidates"]:
        raise StudioNotFound(f"no candidate {candidate_id} in artwork {artwork_id}")
    facts = candidate(artist_id, artwork_id, candidate_id)
    entry = {
        "artwork_id": artwork_id, "candidate_id": candidate_id, "title": art["brief"].get("title", ""),
        "prompt": art["prompt"], "final_prompt": facts["prompt"], "seed": facts["seed"],
        "provider": facts["provider"], "model": facts["model"], "offline": facts["offline"],
        "cost_usd": facts["cost_usd"],
        "media_key": store.candidate_key(artist_id, artwork_id, candidate_id, "png"),
        "references": [r["description"] for r in art["references"] or []],
        "chosen_at": clock.iso(),
    }
    if art.get("parent"):
        entry["parent"] = art["parent"]
    label = entry["title"] or artwork_id
    return DnaStore().update(artist_id, f"picked artwork {candidate_id} for {label}"[:300],
                             lambda doc: doc["artworks"].append(entry))


# -- contact sheet ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    caption: str
    note: str
    thumbnail: bytes | None  # PNG; None draws a placeholder (failed, refused)


def contact_sheet(title: str, tiles: list[Tile]) -> bytes:
    """A grid of thumbnails with captions, for reviewing a batch at a glance (PNG)."""
    count = max(1, len(tiles))
    columns = 4 if count <= 16 else 6 if count <= 48 else 10
    columns = min(columns, count)
    side = 256 if count <= 48 else 160
    pad, caption_h, header_h = 12, 44 if side > 200 else 38, 56
    rows = (count + columns - 1) // columns
    width = pad + columns * (side + pad)
    height = header_h + rows * (side + caption_h + pad) + pad
    sheet = Image.new("RGB", (width, height), (18, 18, 22))
    draw = ImageDraw.Draw(sheet)
    big, small = _font(20), _font(13 if side > 200 else 11)
    draw.text((pad, 16), _fit(draw, title, big, width - 2 * pad), fill=(240, 240, 240), font=big)
    for n, tile in enumerate(tiles):
        x = pad + (n % columns) * (side + pad)
        y = header_h + (n // columns) * (side + caption_h + pad)
        if tile.thumbnail:
            with Image.open(io.BytesIO(tile.thumbnail)) as image:
                thumb = ImageOps.fit(image.convert("RGB"), (side, side))
            sheet.paste(thumb, (x, y))
        else:
            draw.rectangle((x, y, x + side - 1, y + side - 1), fill=(58, 36, 40), outline=(150, 70, 80))
            draw.text((x + 10, y + side // 2 - 8), _fit(draw, tile.note, small, side - 20),
                      fill=(250, 200, 200), font=small)
        draw.text((x, y + side + 4), _fit(draw, tile.caption, small, side), fill=(235, 235, 235), font=small)
        draw.text((x, y + side + 4 + small.size + 3), _fit(draw, tile.note, small, side),
                  fill=(160, 160, 170), font=small)
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=True)
    return out.getvalue()


def _font(points: int) -> ImageFont.FreeTypeFont:
    for path in (os.environ.get("SOUNDMOSAIC_FONT"), *FONTS):
        if path and Path(path).is_file():
            return ImageFont.truetype(path, points)
    font = ImageFont.load_default(points)
    assert isinstance(font, ImageFont.FreeTypeFont), "Pillow was built without FreeType"
    return font


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """``text`` shortened with an ellipsis until it fits ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"
