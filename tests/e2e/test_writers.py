"""The writers' room in headless Chromium against a real local stack (docs/writers.md, "Web").

One scenario walks it as a writer does: a new room, a small German script (Fountain) uploaded
and ingested, the archivist asked a question whose answer is in that script, its first citation
opened beside the chat, and a note linked to the episode and a character added and found again.
Offline (no key), so the archivist is the offline engine and says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Browser, Stack

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("fixtures") / "unter-uns-folge-12.fountain"


@pytest.fixture(scope="module")
def seen(browser: Browser, stack: Stack) -> dict[str, Any]:
    return browser.run("writers", timeout=420, room="E2E Unter Uns", script=str(SCRIPT),
                       question="Wer erbt das Café?",
                       note={"title": "Lenas Erbe", "body": "Jonas erfährt es erst am Bahnhof.",
                             "tags": "erbe, cliffhanger", "episodes": "12", "characters": "Lena, Jonas",
                             "search": "bahnhof"})


def test_the_script_is_ingested_and_fills_the_bible(seen: dict[str, Any]) -> None:
    [document] = seen["documents"]
    assert "unter-uns-folge-12.fountain" in document and "indexed" in document, document
    assert {"LENA", "JONAS"} <= {c.upper() for c in seen["characters"]}


def test_the_archivist_answers_from_the_script_and_its_citation_opens_the_scene(seen: dict[str, Any]) -> None:
    assert seen["texts"], "no reply was shown"
    assert seen["texts"][-1] == seen["answer"]
    assert "offline" in seen["engine"]
    assert seen["citations"] and seen["citations"][0].startswith("Ep. 12 · Sc. ")
    assert "vererbt mir das Café" in seen["sceneText"]


def test_a_note_is_added_and_found_again(seen: dict[str, Any]) -> None:
    assert seen["notes"] == ["Lenas Erbe"]
