"""The album's static website, zipped: publishable to Netlify as it is, or opened from disk.

``build(album, assets)`` returns the zip's bytes. Inside: ``index.html`` (cover, description,
tracklist with an ``<audio>`` player per track), ``tracks/NN-slug.html`` (image, story, lyrics
when there are any, the player, previous/next), ``media/`` (JPEG images, MP3 audio),
``styles.css``, ``album.json`` (the data the pages were built from) and ``netlify.toml``. The
pages are plain HTML5: no script at all (the players are the browser's own controls), every
image has alt text, every player a label, headings in order, a skip link, a contrast ratio the
axe check accepts. Everything from the plan is HTML-escaped: a title is data, never markup.
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

NETLIFY_TOML = """# Netlify: publish this folder as it is (no build step).
[build]
  publish = "."

[[headers]]
  for = "/*"
  [headers.values]
    X-Content-Type-Options = "nosniff"
    Referrer-Policy = "same-origin"
    Content-Security-Policy = "default-src 'self'; script-src 'none'; object-src 'none'"

[[headers]]
  for = "/media/*"
  [headers.values]
    Cache-Control = "public, max-age=31536000, immutable"
"""

STYLES = """:root { color-scheme: light; --ink: #1b1b1f; --paper: #fbfaf7; --accent: #7a2e0e; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.6 system-ui, sans-serif; color: var(--ink); background: var(--paper); }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
header, main, footer { max-width: 52rem; margin: 0 auto; padding: 1rem; }
.cover, .art { width: 100%; height: auto; border-radius: 4px; }
ol.tracks { padding-left: 1.5rem; }
ol.tracks li { margin: 1rem 0; }
audio { width: 100%; }
.meta { color: #4a4a52; font-size: .9rem; }
pre.lyrics { white-space: pre-wrap; font: inherit; }
nav.pager { display: flex; justify-content: space-between; gap: 1rem; }
"""


@dataclass
class TrackAssets:
    image_png: bytes | None = None
    audio_wav: bytes | None = None


@dataclass
class Assets:
    cover_png: bytes | None = None
    tracks: dict[int, TrackAssets] = field(default_factory=dict)


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40] or "track"


def track_page(number: int, title: str) -> str:
    return f"tracks/{number:02d}-{slug(title)}.html"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str, root: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{_e(title)}</title>\n<link rel="stylesheet" href="{root}styles.css">\n</head>\n'
        f'<body>\n<a class="skip" href="#main">Skip to content</a>\n{body}\n</body>\n</html>\n'
    )


def jpeg(png: bytes, side: int) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        picture = image.convert("RGB")
    picture.thumbnail((side, side))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def mp3(wav: bytes) -> bytes:
    return subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "wav",
            "-i",
            "-",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "160k",
            "-f",
            "mp3",
            "-",
        ],
        input=wav,
        capture_output=True,
        check=True,
        timeout=300,
    ).stdout


def pages(album: dict[str, Any], have_cover: bool, images: set[int], audio: set[int]) -> dict[str, str]:
    """Every HTML page of the site by its path (no media)."""
    plan, artist = album["plan"], album.get("artist_name") or "AlbumDreamer"
    tracks = plan["tracks"]
    items = []
    for number, track in enumerate(tracks, start=1):
        player = (
            f'<audio controls preload="none" src="media/{number:02d}.mp3" '
            f'aria-label="Play {_e(track["title"])}"></audio>'
            if number in audio
            else '<p class="meta">No audio for this track yet.</p>'
        )
        sc = track["soundscape"]
        items.append(
            f'<li><h3><a href="{track_page(number, track["title"])}">{_e(track["title"])}</a></h3>\n'
            f'<p class="meta">{_e(sc["mood"])} &middot; {_e(sc["tempo_bpm"])} BPM &middot; '
            f"{_e(sc['key'])} &middot; {track['seconds']} s</p>\n{player}</li>"
        )
    cover = (
        f'<img class="cover" src="media/cover.jpg" alt="Cover of {_e(plan["title"])}" '
        f'width="1024" height="1024">'
        if have_cover
        else ""
    )
    index = (
        f"<header><h1>{_e(plan['title'])}</h1><p>by {_e(artist)}</p></header>\n"
        f'<main id="main">\n{cover}\n<h2>About the album</h2>\n<p>{_e(plan["description"])}</p>\n'
        f'<h2>Tracklist</h2>\n<ol class="tracks">\n' + "\n".join(items) + "\n</ol>\n</main>\n"
        f'<footer><p class="meta">Made with SoundMosaic AlbumDreamer '
        f"({_e(album.get('engines', {}).get('director', ''))}).</p></footer>"
    )
    out = {"index.html": _page(f"{plan['title']} by {artist}", index, "")}
    for number, track in enumerate(tracks, start=1):
        image = (
            f'<img class="art" src="../media/{number:02d}.jpg" alt="Artwork for {_e(track["title"])}" '
            f'width="768" height="768">'
            if number in images
            else ""
        )
        player = (
            f'<audio controls preload="none" src="../media/{number:02d}.mp3" '
            f'aria-label="Play {_e(track["title"])}"></audio>'
            if number in audio
            else ""
        )
        lyrics = (
            f'<h2>Lyrics</h2>\n<pre class="lyrics">{_e(track["lyrics"])}</pre>' if track.get("lyrics") else ""
        )
        prev_link = (
            f'<a href="../{track_page(number - 1, tracks[number - 2]["title"])}" rel="prev">'
            f"Previous: {_e(tracks[number - 2]['title'])}</a>"
            if number > 1
            else "<span></span>"
        )
        next_link = (
            f'<a href="../{track_page(number + 1, tracks[number]["title"])}" rel="next">'
            f"Next: {_e(tracks[number]['title'])}</a>"
            if number < len(tracks)
            else "<span></span>"
        )
        sc = track["soundscape"]
        body = (
            f'<header><p><a href="../index.html">{_e(plan["title"])}</a></p>'
            f"<h1>{number}. {_e(track['title'])}</h1></header>\n"
            f'<main id="main">\n{image}\n{player}\n<h2>The story</h2>\n<p>{_e(track["description"])}</p>\n'
            f"<h2>Soundscape</h2>\n<p>{_e(', '.join(sc['instrumentation']))}; {_e(sc['mood'])}; "
            f"{_e(sc['tempo_bpm'])} BPM in {_e(sc['key'])}.</p>\n{lyrics}\n"
            f'<nav class="pager" aria-label="Tracks">{prev_link}{next_link}</nav>\n</main>'
        )
        out[track_page(number, track["title"])] = _page(f"{track['title']} - {plan['title']}", body, "../")
    return out


def build(album: dict[str, Any], assets: Assets) -> bytes:
    """The site as a zip (deterministic order; media stored, not deflated: they are compressed)."""
    images = {n for n, t in assets.tracks.items() if t.image_png}
    audio = {n for n, t in assets.tracks.items() if t.audio_wav}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in pages(album, assets.cover_png is not None, images, audio).items():
            archive.writestr(path, text)
        archive.writestr("styles.css", STYLES)
        archive.writestr("netlify.toml", NETLIFY_TOML)
        archive.writestr("album.json", json.dumps(album, indent=1, ensure_ascii=False))
        if assets.cover_png:
            archive.writestr("media/cover.jpg", jpeg(assets.cover_png, 1024), zipfile.ZIP_STORED)
        for number in sorted(assets.tracks):
            track = assets.tracks[number]
            if track.image_png:
                archive.writestr(f"media/{number:02d}.jpg", jpeg(track.image_png, 768), zipfile.ZIP_STORED)
            if track.audio_wav:
                archive.writestr(f"media/{number:02d}.mp3", mp3(track.audio_wav), zipfile.ZIP_STORED)
    return buffer.getvalue()
