"""The stories room in headless Chromium against a real local stack (docs/stories.md).

One scenario (tests/e2e/stories_driver.mjs) makes an album as a user does, with the offline
engines: the cover uploaded, one song's lyrics from a .lrc file and one typed, the job followed
song by song, the stories with their quoted lines and links, both collages, the contact sheet, a
pick into the artistDNA; then a listener collage from five typed songs. Screenshots go to
``$SOUNDMOSAIC_E2E_SCREENSHOTS`` (``docs/img`` refreshes the docs' ones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.e2e.conftest import Browser, Stack

pytestmark = pytest.mark.e2e
# An artist of its own: the pick into the artistDNA would shift the versions the studio scenario
# expects of the shared e2e artist.
ARTIST = "e2e-stories"

DRIVER = Path(__file__).with_name("stories_driver.mjs")
ALBUM = {"title": "Paper Harbour", "artist_name": "Nova", "description": "An EP about leaving Lisbon.",
         "songs": [{"title": "Harbour Lights"},
                   {"title": "Home", "lyrics": "The river brought me home again\nThe harbour lights are "
                    "bright and warm\nWe are free, we are alive\nI love the morning sun"}]}
LRC = ("[ar:Nova]\n[00:01.00]I left the harbour lights behind\n[00:04.00]Marie was waving from the pier\n"
       "[00:08.00]The cold river took my paper crown\n[00:12.00]I cried in the rain, alone in Lisbon\n")


@pytest.fixture(scope="module")
def seen(browser: Browser, stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("stories")
    cover = folder / "cover.png"
    image = Image.new("RGB", (400, 400), (30, 40, 110))
    image.paste((220, 80, 40), (100, 100, 300, 300))
    image.save(cover)
    (folder / "harbour.lrc").write_text(LRC)
    return browser.run("stories", timeout=600, driver=DRIVER, token=stack.token_for(ARTIST), album=ALBUM,
                       cover=str(cover), lrc=str(folder / "harbour.lrc"))


def test_an_album_gets_linked_stories_and_collages(seen: dict[str, Any]) -> None:
    assert seen["storiesNav"] == ["New album", "Albums", "Listener collage"]
    assert any("song 1/2" in s or "song 2/2" in s for s in seen["stages"]), seen["stages"]
    assert seen["songs"] == ["1. Harbour Lights", "2. Home"]
    assert "I left the harbour lights behind" in seen["quotes"]  # from the .lrc, timestamps gone
    assert "“Harbour Lights”" in seen["story"] and seen["continues"] == ["Harbour Lights"]
    sizes = {(w, h) for _, w, h in seen["collages"]}
    assert sizes == {(2048, 2048), (1152, 2048)}
    assert seen["picked"].startswith("In artistDNA version")


def test_a_listener_collage_from_five_typed_songs(seen: dict[str, Any]) -> None:
    assert seen["listener"] == [1080, 1920]
    assert "Favourite 1 (melancholic)" in seen["listenerCaption"]
