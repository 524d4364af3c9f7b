"""AlbumDreamer in headless Chromium against a real local stack (docs/stories.md): a concept
planned by the offline director, a track retitled in the plan editor, the album generated with
the tracks' progress followed until the site link appears. The screenshot is docs/img/albums.png
when SOUNDMOSAIC_E2E_SCREENSHOTS=docs/img."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Browser, Stack

pytestmark = pytest.mark.e2e
DRIVER = Path(__file__).with_name("albums_driver.mjs")


def test_an_album_is_planned_edited_generated_and_its_site_linked(browser: Browser, stack: Stack):
    seen = browser.run(
        "albums",
        driver=DRIVER,
        timeout=420,
        timeoutMs=300_000,
        concept="Paper lanterns drifting over a flooded city at night",
        tracks=2,
        retitle="Lanterns on the Water",
    )
    assert seen["planned"] and seen["states"] == ["done", "done"] and seen["players"] == 2
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(seen["site"], timeout=60).content))
    index = archive.read("index.html").decode()
    assert "Lanterns on the Water" in index and index.count("<audio") == 2
    with stack.api() as api:
        albums = api.get("/albums").json()["items"]
    assert albums and albums[0]["status"] == "built"
