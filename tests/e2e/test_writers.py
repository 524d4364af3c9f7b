"""The writers' room in headless Chromium against a real local stack (docs/writers-web.md).

Two walks as a writer does them, each with a new room and a small German script (Fountain)
uploaded and ingested:

- offline (the shared stack, no key): the archivist is the offline engine and says so; its answer
  cites the scene of the script that holds it, and the citation opens that scene beside the chat;
  a note linked to the episode and a character is added and found again by search;
- Claude (a stack of its own, pointed at the local fake Anthropic server with prompt-caching
  semantics, ``soundmosaic_local.fixtures.fake_anthropic``), the script with eight synthetic
  episodes: three questions in one session stream through the turn worker, the later ones read
  the room's prefix from the cache, and the metrics page shows the share read from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from soundmosaic_local.fixtures import writers_archive
from soundmosaic_local.fixtures.fake_anthropic import FakeAnthropicCache

from tests.e2e.conftest import Browser, Stack, running_stack

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("fixtures") / "unter-uns-folge-12.fountain"
NOTE = {"title": "Lenas Erbe", "body": "Jonas erfährt es erst am Bahnhof.", "tags": "erbe, cliffhanger",
        "episodes": "12", "characters": "Lena, Jonas", "search": "bahnhof"}


@pytest.fixture(scope="module")
def offline(browser: Browser) -> dict[str, Any]:
    return browser.run("writers", timeout=480, room="E2E Unter Uns", script=str(SCRIPT),
                       questions=["Wer erbt das Café?"], note=NOTE,
                       draft="Jonas erbt das Café. Lena wischt die Theke.", character="Jonas")


@pytest.fixture(scope="module")
def claude_stack(spa: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with FakeAnthropicCache() as fake, \
            running_stack(tmp_path_factory.mktemp("e2e-claude"), **fake.env()) as stack:
        yield stack


@pytest.fixture(scope="module")
def with_claude(browser: Browser, claude_stack: Stack,
                tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # A room prefix (system, bible, digest) above Claude's minimum cacheable length needs more
    # than one short script: eight synthetic episodes (Fountain, .fdx, .md) join it.
    archive = writers_archive.generate(episodes=8, seed=7).write(tmp_path_factory.mktemp("archive"))
    on_claude = Browser(claude_stack, browser.shots, browser.downloads)
    return on_claude.run("writers", timeout=600, room="E2E Unter Uns (Claude)", suffix="-claude",
                         script=[str(SCRIPT), *map(str, archive)],
                         questions=["Wer erbt das Café?", "Wohin geht Jonas?",
                                    "Wer hält Jonas am Bahnhof auf?"])


def test_the_script_is_ingested_and_fills_the_bible(offline: dict[str, Any]) -> None:
    [document] = offline["documents"]
    assert "unter-uns-folge-12.fountain" in document and "indexed" in document, document
    assert {"LENA", "JONAS", "PETRA"} <= {c.upper() for c in offline["characters"]}


def test_the_offline_archivist_answers_from_the_script_and_its_citation_opens_the_scene(
        offline: dict[str, Any]) -> None:
    [turn] = offline["turns"]
    assert turn["texts"] and "vererbt mir das Café" in turn["texts"][-1], turn
    assert "offline" in turn["engine"]
    assert turn["citations"] and turn["citations"][0].startswith("Ep. 12 · Sc. "), turn
    assert "vererbt mir das Café" in offline["sceneText"]


def test_a_note_is_added_and_found_again(offline: dict[str, Any]) -> None:
    assert offline["notes"] == ["Lenas Erbe"]


def test_the_creative_tools_check_a_draft_and_trace_an_arc(offline: dict[str, Any]) -> None:
    findings = offline["tools"]["findings"]
    assert len(findings) == 2, findings  # one finding per sentence of the draft
    assert any("Lena wischt die Theke" in f for f in findings)
    assert "Jonas" in offline["tools"]["arc"] and "Ep. 12" in offline["tools"]["arc"]


def test_claude_answers_stream_in_one_session_and_the_metrics_show_cache_reads(
        with_claude: dict[str, Any]) -> None:
    turns = with_claude["turns"]
    assert len(turns) == 3
    assert len(with_claude["documents"]) == 9 and all("indexed" in d for d in with_claude["documents"])
    for turn in turns:
        assert turn["texts"], turn
        assert "anthropic:" in turn["engine"], turn
    # the session's later questions read the room's prefix from the cache
    assert "from cache" in turns[1]["engine"] and "from cache" in turns[2]["engine"], turns
    assert with_claude["sceneText"]
    share = float(with_claude["cacheShare"].rstrip(" %"))
    assert 0 < share <= 100
