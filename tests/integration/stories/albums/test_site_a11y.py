"""The album website in Chromium: axe-core's WCAG 2.1 A/AA rules find nothing on the album page
and a track page, and the pages work with JavaScript off (headings, links, players, images).

The site is built by ``albums.site`` from a real offline plan and small real media (no stack
needed); the driver is ``tests/e2e/albums_driver.mjs`` (playwright-core + Debian's Chromium, with
axe-core from the web app's npm packages).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import wave
import zipfile
from pathlib import Path

from PIL import Image
from soundmosaic.stories.albums import director, site
from soundmosaic.stories.albums.plan import Constraints

DRIVER = Path(__file__).resolve().parents[3] / "e2e" / "albums_driver.mjs"


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 96), colour).save(out, "PNG")
    return out.getvalue()


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(22050)
        writer.writeframes(b"\x00\x10" * 22050)
    return out.getvalue()


def test_the_site_passes_axe_and_works_without_javascript(tmp_path):
    plan = director.offline_plan(
        "Paper boats racing down a rainy street", Constraints.create(tracks=2), seed=8
    )
    plan["tracks"][0]["lyrics"] = "Fold the page\nlet it sail"
    album = {
        "album_id": "b" * 24,
        "artist_name": "Juno & The Gutters",
        "concept": "c",
        "plan": plan,
        "engines": {"director": "offline"},
    }
    assets = site.Assets(
        cover_png=_png((40, 60, 90)),
        tracks={
            1: site.TrackAssets(_png((200, 80, 40)), _wav()),
            2: site.TrackAssets(_png((20, 120, 60)), _wav()),
        },
    )
    zipfile.ZipFile(io.BytesIO(site.build(album, assets))).extractall(tmp_path)
    pages = ["index.html", site.track_page(1, plan["tracks"][0]["title"])]
    done = subprocess.run(
        ["node", str(DRIVER), "site", json.dumps({"folder": str(tmp_path), "pages": pages})],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "CHROMIUM": os.environ.get("CHROMIUM", "/usr/bin/chromium")},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])["pages"]
    for name in pages:
        assert seen[name]["violations"] == [], name
        assert seen[name]["passes"] > 10 and seen[name]["errors"] == []
        assert seen[name]["withoutJs"]["headings"] == 1
    assert seen["index.html"]["withoutJs"] == {"headings": 1, "links": 3, "players": 2, "images": 1}
    assert seen[pages[1]]["withoutJs"]["players"] == 1 and seen[pages[1]]["withoutJs"]["images"] == 1
