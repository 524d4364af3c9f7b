"""Song generation and royalties in headless Chromium against a real local stack (docs/generation.md).

``soundmosaic up`` loads the demo catalog (16 songs rendered with FluidSynth) on its first start.
One scenario walks the flow as a user does: a project, ten of the demo songs dropped onto it
(uploaded, identified by their fingerprints, all matched), generation refused before that, a
10-second take generated with the offline engine and played in the page, another take, one kept
and published to the sandbox distributor. Then a statement naming the published ISRC is imported
and one of the ten songs' rights holders reads their statement and charts in the page. Last,
one song is matched by hand to an Apple Music song (the fake API) whose rights the platform
lacks, and a royalty admin follows the project page's link to the rights form, adds its holders,
and the song matches when checked again.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import UNKNOWN_APPLE_SONG, Browser, Stack

pytestmark = pytest.mark.e2e

SEED, SECONDS = 4242, 10
# An artist of its own: the ten songs must not join the library the other scenarios look at.
ARTIST = "e2e-generation"
TIMEOUT_S = 300


@pytest.fixture(scope="module")
def token(stack: Stack) -> str:
    return stack.token_for(ARTIST)


def demo_files(stack: Stack, token: str, folder: Path) -> list[Path]:
    """Ten demo songs under their catalog titles, once ``up`` has loaded the demo catalog."""
    deadline = time.monotonic() + 240
    with stack.api(token) as api:
        while time.monotonic() < deadline:
            found = api.get("/generation/catalog", params={"q": "ZZSMD2600016"}).json()["items"]
            if found:
                break
            time.sleep(2)
        else:
            pytest.fail("the demo catalog was not loaded within 4 minutes of `soundmosaic up`")
        files = []
        for n in range(1, 11):
            [entry] = api.get("/generation/catalog", params={"q": f"ZZSMD26{n:05d}"}).json()["items"]
            target = folder / f"{entry['title']}.wav"
            shutil.copyfile(stack.data / "demo-catalog" / f"demo-{n:02d}.wav", target)
            files.append(target)
    return files


@pytest.fixture(scope="module")
def generated(browser: Browser, stack: Stack, token: str,
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    files = demo_files(stack, token, tmp_path_factory.mktemp("ten-songs"))
    seen = browser.run("generation", timeout=TIMEOUT_S * 3, token=token, project="E2E Mosaic",
                       files=[str(f) for f in files], seed=SEED, seconds=SECONDS, title="Mosaic One",
                       genre="Electronic", timeoutS=TIMEOUT_S)
    return {**seen, "titles": sorted(f.stem for f in files)}


def test_ten_dropped_songs_are_identified_and_generation_waits_for_them(generated: dict[str, Any]) -> None:
    assert "exactly 10" in generated["refusalBefore"]
    assert generated["counter"] == "10 of 10 matched"
    assert sorted(s["title"] for s in generated["songs"]) == generated["titles"]
    for song in generated["songs"]:
        assert song["status"] == "matched", song
        assert "ZZSMD26" in song["match"], song  # the catalog entry's ISRC is shown


def test_a_take_is_generated_played_regenerated_and_kept(generated: dict[str, Any]) -> None:
    assert generated["played"]
    assert "offline" in generated["engine"].lower()
    assert generated["influence"] == 10  # one bar per reference song
    assert generated["takes"] == 2


def test_the_kept_take_is_published_to_the_sandbox(generated: dict[str, Any], stack: Stack,
                                                   token: str) -> None:
    assert "submitted" in generated["publication"].lower()
    names = " ".join(generated["packageFiles"])
    assert ".xml" in names and ".wav" in names and ".png" in names
    with stack.api(token) as api:
        [project] = [p for p in api.get("/generation/projects").json()["items"] if p["name"] == "E2E Mosaic"]
        detail = api.get(f"/generation/projects/{project['project_id']}").json()
    [kept] = [t for t in detail["takes"] if t["kept"]]
    assert kept["seed"] == SEED and kept["publication"]["isrc"]


def _import_statement(api: httpx.Client, isrc: str) -> None:
    text = ("track,territory,store,period,plays,amount,currency\n"
            f"{isrc},US,spotify,2026-10,4000,40.000000,USD\n"
            f"{isrc},DE,deezer,2026-11,1500,12.500000,EUR\n")
    upload = api.post("/royalties/statements/uploads", json={"filename": "e2e.csv", "size_bytes": len(text)})
    upload.raise_for_status()
    target = upload.json()
    httpx.put(target["url"], content=text.encode(), headers=target["headers"]).raise_for_status()
    started = api.post("/royalties/imports", json={"key": target["key"], "source": "e2e:2026"})
    started.raise_for_status()
    job_id = started.json()["job_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = api.get(f"/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            assert job["status"] == "succeeded", job
            return
        time.sleep(0.5)
    pytest.fail("the statement import did not finish")


def test_a_rights_holder_reads_their_statement_and_charts(generated: dict[str, Any], stack: Stack,
                                                          token: str, browser: Browser) -> None:
    with stack.api(token) as api:
        [project] = [p for p in api.get("/generation/projects").json()["items"] if p["name"] == "E2E Mosaic"]
        detail = api.get(f"/generation/projects/{project['project_id']}").json()
        [kept] = [t for t in detail["takes"] if t["kept"]]
        _import_statement(api, kept["publication"]["isrc"])
    weights = kept["provenance"]["holder_weights"]
    # one of the ten songs' rights holders (not "catalog", the training catalog's holder)
    holder = max((h for h in weights if h.startswith("holder:")), key=lambda h: float(weights[h]))
    seen = browser.run("royalties", token=stack.token_for(ARTIST, holder),
                       **{"from": "2026-01", "to": "2026-12"})
    assert "USD" in seen["totals"] and "EUR" in seen["totals"]
    assert len(seen["charts"]) >= 2, seen["charts"]


def test_a_royalty_admin_adds_the_rights_a_song_waits_for(generated: dict[str, Any], stack: Stack,
                                                          token: str, browser: Browser) -> None:
    recording_id = f"apple-music:{UNKNOWN_APPLE_SONG.song_id}"
    with stack.api(token) as api:
        [project] = [p for p in api.get("/generation/projects").json()["items"] if p["name"] == "E2E Mosaic"]
        path = f"/generation/projects/{project['project_id']}"
        song = api.get(path).json()["songs"][0]
        waiting = api.put(f"{path}/songs/{song['song_id']}/match", json={"recording_id": recording_id})
        assert waiting.json()["status"] == "needs_rights", waiting.text
    # the same artist, in the royalty admins' group: the project page links to the form
    seen = browser.run("rights", token=stack.token_for(ARTIST, royalty_admin=True), project="E2E Mosaic",
                       song=song["title"], reason="e2e split sheet",
                       holders=[
                           {"id": "holder:e2e-a", "name": "Hana Static", "role": "composer", "share": "2/3"},
                           {"id": "holder:e2e-b", "name": "", "role": "publisher", "share": "1/3"}])
    assert seen["navRights"] == 1
    assert seen["recording"] == "Harbour Static — Nobody Known"
    assert seen["sumBefore"].startswith("Sum 66.6666 %") and seen["sum"] == "Sum 100 %"
    assert "Added Harbour Static (QZABC2600099) with 2 holder(s)" in seen["added"]
    assert seen["status"] == "matched"
    with stack.api(token) as api:
        match = next(s for s in api.get(path).json()["songs"] if s["song_id"] == song["song_id"])["match"]
    assert match["holders"] == {"holder:e2e-a": "2/3", "holder:e2e-b": "1/3"}
