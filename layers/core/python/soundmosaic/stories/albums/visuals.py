"""Cover and track images through the studio's artwork engines (ModelMosaic ``image``).

Every prompt ends with the same fixed part, the plan's ``visual_style`` (one hand across the
album), and, when the project names an artist, what their artistDNA says about their look
(palette, moods, fonts, the prompts of covers they picked: the studio's ``compose_prompt``).
The offline engine (the studio's procedural artwork renderer) draws the title and artist on
the cover; track images carry the track title.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image

from soundmosaic.providers import ImageRequest, ModelMosaic
from soundmosaic.studio.artwork import compose_prompt, cost_text
from soundmosaic.studio.briefs import Brief

COVER_SIDE = 1024
TRACK_SIDE = 768


@dataclass
class Picture:
    png: bytes
    prompt: str
    seed: int
    engine: str
    offline: bool
    cost_usd: str


def prompt_for(
    image_prompt: str, plan: dict[str, Any], style: dict[str, Any], title: str, artist_name: str, mood: str
) -> tuple[str, Brief]:
    brief = Brief.create(
        artist_name or "AlbumDreamer",
        plan["genre"],
        mood,
        None,
        f"{image_prompt}. Style: {plan['visual_style']}"[:1000],
        title,
    )
    return compose_prompt(brief, style, []), brief


def render(
    mosaic: ModelMosaic,
    image_prompt: str,
    plan: dict[str, Any],
    style: dict[str, Any],
    title: str,
    artist_name: str,
    mood: str,
    seed: int,
    side: int,
) -> Picture:
    prompt, brief = prompt_for(image_prompt, plan, style, title, artist_name, mood)
    data = {
        k: v
        for k, v in {
            "title": title,
            "artist_name": brief.artist_name,
            "genre": brief.genre,
            "mood": mood,
            "palette": style.get("palette", []),
            "fonts": style.get("fonts", []),
            "moods": style.get("moods", []),
        }.items()
        if v not in ("", [], None)
    }
    result = mosaic.image(ImageRequest(prompt=prompt, seed=seed, width=side, height=side, data=data))
    return Picture(
        _png(result.png),
        prompt,
        result.seed,
        f"{result.provider}:{result.model}",
        result.offline,
        cost_text(result.record.cost_usd),
    )


def _png(data: bytes) -> bytes:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return data
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
    return out.getvalue()
