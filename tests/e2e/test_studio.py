"""The asset studio in headless Chromium against a real local stack (docs/studio.md).

One scenario walks the studio as a user does, with the offline engines: names from a brief (one
of them already used, so it is flagged and not pickable) and a pick; artwork candidates (a
prompt suggestion taken, a reference image uploaded and described) and a pick; a 3-second video
loop from it that plays in the page; a small batch from a pasted CSV with its contact sheet;
the artistDNA with the picks in its history, a diff and a style edit; no sideways scrolling at
phone width. The tests assert on what it saw, and on what the API recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import Browser, Stack

pytestmark = pytest.mark.e2e

BRIEF = {"artist_name": "Nova Lights", "genre": "synthwave", "mood": "nostalgic", "themes": ["night", "city"]}
SEED, COUNT = 1234, 6
CSV = ("title,artist_name,genre,mood,prompt\n"
       "Low Tide,Nova Lights,ambient,calm,still water at dawn\n"
       'High Noon,Nova Lights,rock,energetic,"a desert road, white sun"\n')


@pytest.fixture(scope="module")
def used_name(stack: Stack) -> str:
    """The first name the brief gets (same seed, same offline names), already picked."""
    with stack.api() as api:
        names = api.post("/studio/names", json={**BRIEF, "count": COUNT, "seed": SEED})
        names.raise_for_status()
        first = names.json()["candidates"][0]
        api.post("/studio/names/pick", json={"name": first["name"], "brief": BRIEF}).raise_for_status()
    return str(first["name"])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small reference image: a warm gradient, bright at the top."""
    path = tmp_path_factory.mktemp("reference") / "sunset.png"
    image = Image.new("RGB", (64, 64))
    image.putdata([(255 - y, 120 - y, 40 + x) for y in range(64) for x in range(64)])
    image.save(path)
    return path


@pytest.fixture(scope="module")
def studio(browser: Browser, used_name: str, reference: Path) -> dict[str, Any]:
    return browser.run(
        "studio", timeout=420, timeoutS=240,
        artist=BRIEF["artist_name"], genre=BRIEF["genre"], mood=BRIEF["mood"], themes=BRIEF["themes"],
        count=COUNT, seed=SEED, prompt="a car on an empty coastal road at night, neo", title="Night Drive",
        seconds=3, palette=["#ff3366", "#1b1f3a"], csv=CSV, reference=str(reference),
        badCsv="title,artist_name,genre,mood,prompt\nLow Tide,Nova Lights,ambient,calm,\n",
    )


def test_names_are_flagged_and_one_is_picked(studio: dict[str, Any], used_name: str) -> None:
    assert studio["studioNav"] == ["Names", "Artwork", "Batch", "Video loop", "artistDNA"]
    names = {n["name"]: n for n in studio["names"]}
    assert len(names) == COUNT
    assert names[used_name]["flags"] == ["You already used this name"]
    assert not names[used_name]["pickable"]
    assert "offline engine" in studio["namesEngine"]
    assert studio["pickedName"] != used_name
    assert f"“{studio['pickedName']}” is in your artistDNA as version 2" in studio["namePicked"]


def test_artwork_candidates_from_a_suggested_prompt_and_a_pick(studio: dict[str, Any]) -> None:
    assert studio["rememberedArtist"] == BRIEF["artist_name"]  # the brief carries over
    assert any("neon grid horizon" in s for s in studio["suggestions"])  # from the genre
    assert studio["completion"] == "→ neon grid horizon"
    assert studio["prompt"] == "a car on an empty coastal road at night, neon grid horizon"
    assert studio["artworkProgress"].startswith("Making artwork")
    assert "/studio/artwork/" in studio["artworkUrl"]
    assert len(studio["references"]) == 1 and studio["references"][0]  # the vision engine described it
    assert len(studio["candidates"]) == 2
    for candidate in studio["candidates"]:
        assert candidate["offline"] and candidate["width"] > 0  # the image loaded
        assert candidate["caption"].startswith("seed ") and "offline" in candidate["caption"]
    assert "in your artistDNA as version 3" in studio["artworkPicked"]


def test_a_video_loop_plays_in_the_page(studio: dict[str, Any]) -> None:
    video = studio["video"]
    assert video["error"] is None and not video["paused"]
    assert video["loop"] and video["muted"] and video["controls"]
    assert abs(video["duration"] - 3) < 0.2
    assert (video["width"], video["height"]) == (1920, 1080)
    mp4 = httpx.get(studio["videoDownload"], timeout=30)
    assert mp4.status_code == 200 and mp4.content[4:8] == b"ftyp"


def test_a_batch_from_a_pasted_csv(studio: dict[str, Any]) -> None:
    assert studio["batchBad"] == "CSV: 1 item, 1 with problems"
    assert studio["batchStartDisabled"]
    assert studio["batchItems"] == ["Low Tide made Open the candidate", "High Noon made Open the candidate"]


def test_the_artist_dna_shows_the_picks(studio: dict[str, Any], stack: Stack) -> None:
    history = studio["history"]
    assert history[0].startswith("video loop ")
    assert history[1] == "picked artwork c01 for Night Drive"
    assert history[2] == f"picked name '{studio['pickedName']}'"
    assert studio["pickedName"] in studio["dnaNames"]
    assert studio["dnaVideos"] == 1
    assert [op for op, _ in studio["diff"]] == ["added"] and studio["diff"][0][1] == "/videos/0"
    assert studio["historyAfterStyle"][0] == "style updated"
    assert studio["swatches"] == ["red", "deep blue"]
    with stack.api() as api:
        dna = api.get("/studio/dna").json()
    assert dna["style"]["palette"] == ["#ff3366", "#1b1f3a"] and dna["style"]["moods"] == ["nocturnal"]
    assert [a["candidate_id"] for a in dna["artworks"]] == ["c01"]
    assert len(dna["videos"]) == 1 and dna["videos"][0]["seconds"] == 3


def test_studio_pages_fit_a_phone(studio: dict[str, Any]) -> None:
    assert studio["overflow"] == {"names": 0, "artwork": 0, "dna": 0}
