"""The ``stories_make`` workflow's steps: per song a story, then its collages; then the contact
sheet and ``stories.json`` (docs/stories.md).

S3 layout in the media bucket (every key under the artist's prefix)::

    artists/<a>/stories/<album_id>/album.json                 the cleaned album, cover/photo keys
    artists/<a>/stories/<album_id>/songs/<NN>/story.json      one story (or its failure)
    artists/<a>/stories/<album_id>/songs/<NN>/square.png      2048 x 2048 collage
    artists/<a>/stories/<album_id>/songs/<NN>/story.png       1152 x 2048 (9:16) collage
    artists/<a>/stories/<album_id>/songs/<NN>/collage.json    how they were made
    artists/<a>/stories/<album_id>/contact-sheet.png + stories.json

A song whose step fails is recorded and the others go on; the job fails only when no song got
its story. Collages come from ModelMosaic's ``image`` capability (Flux on Replicate, or a
collage fine-tune registered as the first ``[[image]]`` entry of ``$SOUNDMOSAIC_STORIES_REGISTRY``)
with the fixed ``STYLE`` prompt, or from the offline renderer (``collage``).

Environment variables
---------------------
SOUNDMOSAIC_STORIES_REGISTRY
    A registry file for this room's ModelMosaic (default: the platform's).
SOUNDMOSAIC_STORIES_SCALE
    Scale of both collage formats, 0.1 to 1 (default 1: 2048 x 2048 and 1152 x 2048); previews
    and tests use less.
"""

from __future__ import annotations

import io
import os
import re
from typing import Any

from PIL import Image

from soundmosaic.platform import clock
from soundmosaic.platform.jobs import JobStore, reason_from_error
from soundmosaic.providers import ImageRequest, ModelMosaic
from soundmosaic.stories import collage, lyrics, story
from soundmosaic.studio import artwork
from soundmosaic.studio.dna import DnaStore
from soundmosaic.studio.store import Media, StudioNotFound

FORMATS = {"square": collage.SQUARE, "story": collage.STORY}


def formats() -> dict[str, tuple[int, int]]:
    """The collage formats at ``$SOUNDMOSAIC_STORIES_SCALE``."""
    scale = float(os.environ.get("SOUNDMOSAIC_STORIES_SCALE") or 1)
    if not 0.1 <= scale <= 1:
        raise ValueError(f"SOUNDMOSAIC_STORIES_SCALE must be 0.1..1, not {scale}")
    return {name: (round(w * scale / 8) * 8, round(h * scale / 8) * 8) for name, (w, h) in FORMATS.items()}
STYLE = ("paper collage artwork, torn paper edges, cut-out photographs, halftone print texture, "
         "film grain, hand-set magazine letters, layered scrapbook composition, muted risograph colours")
MAX_IMAGE_BYTES = artwork.MAX_REFERENCE_BYTES
_ID = re.compile(r"^[0-9a-f]{24}$")


class NoStories(RuntimeError):
    """Every song of the album failed: the job fails with their reasons."""


def mosaic() -> ModelMosaic:
    """ModelMosaic for this room: the stories registry when one is set (a collage fine-tune)."""
    return ModelMosaic.from_env(registry=os.environ.get("SOUNDMOSAIC_STORIES_REGISTRY") or None)


def prefix(artist_id: str, album_id: str) -> str:
    if not isinstance(album_id, str) or not _ID.match(album_id):
        raise StudioNotFound(f"no album {str(album_id)[:40]!r}")
    return f"artists/{artist_id}/stories/{album_id}/"


def song_key(artist_id: str, album_id: str, index: int, name: str) -> str:
    return f"{prefix(artist_id, album_id)}songs/{index:02d}/{name}"


def album_record(artist_id: str, album_id: str) -> dict[str, Any]:
    value: dict[str, Any] = Media().get_json(prefix(artist_id, album_id) + "album.json",
                                             f"no album {album_id}")
    return value


def _plan(record: dict[str, Any]) -> story.Plan:
    return story.plan(lyrics.album(record["album"]))


def _progress(artist_id: str, job_id: str, total: int, stage: str, done: float) -> None:
    JobStore().advance(artist_id, job_id, stage, 5 + int(85 * min(done, total) / max(total, 1)))


def write_story(models: ModelMosaic, artist_id: str, job_id: str, album_id: str,
                index: int) -> dict[str, Any]:
    record = album_record(artist_id, album_id)
    total = len(record["album"]["songs"])
    told = story.write(models, _plan(record), index)
    Media().put_json(song_key(artist_id, album_id, index, "story.json"), {**told, "status": "ok"})
    _progress(artist_id, job_id, total, f"song {index + 1}/{total}: story", index + 0.5)
    return {"index": index, "status": "ok"}


def _sources(artist_id: str, record: dict[str, Any]) -> tuple[bytes, list[bytes], list[bytes]]:
    media = Media()
    cover = media.get_bytes(record["cover_key"], "the cover is gone", limit=MAX_IMAGE_BYTES)
    photos = [media.get_bytes(k, "a photo is gone", limit=MAX_IMAGE_BYTES) for k in record["photo_keys"]]
    picked = [a["media_key"] for a in reversed(DnaStore().get(artist_id)["artworks"])
              if a["media_key"].startswith(f"artists/{artist_id}/studio/")][:2]
    artworks = []
    for key in picked:
        try:
            artworks.append(media.get_bytes(key, "gone", limit=MAX_IMAGE_BYTES))
        except (StudioNotFound, ValueError):
            continue  # a picked artwork deleted since: the collage goes on without it
    return cover, photos, artworks


def render_collages(models: ModelMosaic, artist_id: str, job_id: str, album_id: str,
                    index: int) -> dict[str, Any]:
    record = album_record(artist_id, album_id)
    total = len(record["album"]["songs"])
    media = Media()
    told = media.get_json(song_key(artist_id, album_id, index, "story.json"), "run the story step first")
    line = told["quotes"][0] if told["quotes"] else record["album"]["songs"][index]["lyrics"].splitlines()[0]
    brief = collage.Brief(told["title"], line, told["mood"], tuple(told["motifs"]), told["sentiment"],
                          seed=int(album_id[-8:], 16) + index)
    entry = models.entry("image")
    made: dict[str, Any] = {"engine": collage.ENGINE if entry.offline else f"{entry.provider}:{entry.model}",
                            "offline": entry.offline, "formats": {}}
    cover, photos, artworks = _sources(artist_id, record)
    for name, size in formats().items():
        if entry.offline:
            png, facts = collage.render(cover, brief, size, photos, artworks)
        else:
            prompt = (f"{STYLE}. A collage for the song \"{told['title']}\": {told['mood']} mood, motifs "
                      f"{', '.join(told['motifs'][:5])}; the lyric line \"{line[:160]}\" set in "
                      "cut-out letters")
            result = models.image(ImageRequest(prompt=prompt, seed=brief.seed, width=size[0], height=size[1]))
            png = result.png
            facts = {"prompt": prompt, "seed": result.seed, "cost_usd": str(result.record.cost_usd)}
        media.put_bytes(song_key(artist_id, album_id, index, f"{name}.png"), png, "image/png")
        made["formats"][name] = {"width": size[0], "height": size[1], **facts}
    media.put_json(song_key(artist_id, album_id, index, "collage.json"), made)
    _progress(artist_id, job_id, total, f"song {index + 1}/{total}: collage", index + 1)
    return {"index": index, "status": "ok"}


def record_failure(artist_id: str, job_id: str, album_id: str, index: int, error: dict[str, Any]) -> None:
    record = album_record(artist_id, album_id)
    total = len(record["album"]["songs"])
    key = song_key(artist_id, album_id, index, "story.json")
    media = Media()
    try:
        told = media.get_json(key, "none")
    except StudioNotFound:
        told = {"index": index, "title": record["album"]["songs"][index]["title"]}
    media.put_json(key, {**told, "status": "failed", "error": reason_from_error(error)})
    _progress(artist_id, job_id, total, f"song {index + 1}/{total}: failed", index + 1)


def finish(artist_id: str, job_id: str, album_id: str) -> dict[str, Any]:
    """``stories.json`` (one story per song, in order) and the contact sheet of the collages."""
    media = Media()
    record = album_record(artist_id, album_id)
    stories, tiles = [], []
    for index, song in enumerate(record["album"]["songs"]):
        try:
            told = media.get_json(song_key(artist_id, album_id, index, "story.json"), "missing")
        except StudioNotFound:
            told = {"index": index, "title": song["title"], "status": "failed",
                    "error": "the song reported nothing"}
        stories.append(told)
        try:
            png = media.get_bytes(song_key(artist_id, album_id, index, "square.png"), "missing")
            tiles.append(artwork.Tile(f"{index + 1}. {song['title']}", told.get("mood", ""), _thumb(png)))
        except StudioNotFound:
            tiles.append(artwork.Tile(f"{index + 1}. {song['title']}",
                                      f"failed: {told.get('error', 'no collage')}", None))
    made = [s for s in stories if s.get("status") == "ok" and s.get("story")]
    base = prefix(artist_id, album_id)
    title = (f"{record['album']['title']} by {record['album']['artist_name']}: "
             f"{len(made)} of {len(stories)} songs")
    media.put_bytes(base + "contact-sheet.png", artwork.contact_sheet(title, tiles), "image/png")
    media.put_json(base + "stories.json",
                   {"album_id": album_id, "finished_at": clock.iso(), "stories": stories})
    if not made:
        reasons = "; ".join(f"{s['title']}: {s.get('error', '')}" for s in stories[:3])
        raise NoStories(f"no song got its story: {reasons}"[:1500])
    return {"album_id": album_id, "songs": len(stories), "stories": len(made),
            "failed": [s["index"] for s in stories if s.get("status") != "ok"],
            "contact_sheet_key": base + "contact-sheet.png", "stories_key": base + "stories.json"}


def _thumb(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        image.thumbnail((512, 512))
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
    return out.getvalue()
