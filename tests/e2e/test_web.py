"""The web app in headless Chromium against a real local stack: what issue 4 asks a user can do.

One song and one long tone are uploaded through the browser once (the tone takes the multipart
path, with a part dropped once on the way); the tests then use the library, process the song on
its track page, play it, mute a stem and download the exports.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import MULTIPART_THRESHOLD, WEB, Browser, Stack
from tests.songs import song

pytestmark = pytest.mark.e2e

PROCESS_TIMEOUT_S = 420


def long_tone(path: Path, seconds: int = 75) -> Path:
    """A stereo 16-bit WAV of ~13 MB: above the e2e stack's multipart threshold."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=220:duration={seconds}", "-ac", "2", "-ar", "44100", "-c:a", "pcm_s16le",
                    str(path)], check=True)
    assert path.stat().st_size > MULTIPART_THRESHOLD
    return path


def track_ids(stack: Stack) -> dict[str, str]:
    with stack.api() as api:
        return {t["title"]: t["track_id"] for t in api.get("/tracks").json()["items"]}


@pytest.fixture(scope="module")
def uploaded(browser: Browser, stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("audio")
    files = [song(folder, "Night Drive.wav"), long_tone(folder / "Long Tone.wav")]
    result = browser.run("upload", allow_console=("ERR_INTERNET_DISCONNECTED",),  # the dropped part
                         files=[str(f) for f in files])
    return {**result, "ids": track_ids(stack)}


@pytest.fixture(scope="module")
def processed(browser: Browser, uploaded: dict[str, Any]) -> dict[str, Any]:
    result = browser.run("process", timeout=PROCESS_TIMEOUT_S + 240, trackId=uploaded["ids"]["Night Drive"],
                         timeoutS=PROCESS_TIMEOUT_S)
    # The audio lab runs to the end here: a failed job fails this test (and those after it).
    assert result["status"] == "succeeded", f"processing did not succeed: {result}"
    return result


def test_sign_in_with_a_dev_token(browser: Browser) -> None:
    seen = browser.run("signin", allow_console=("status of 401",))
    assert "/signin?next=" in seen["redirected"]
    assert "did not accept" in seen["refusal"]
    assert seen["signedIn"] and seen["keptAfterReload"]


def test_upload_many_files_with_progress_and_a_dropped_part(uploaded: dict[str, Any]) -> None:
    items = {item["name"]: item for item in uploaded["items"]}
    assert set(items) == {"Night Drive.wav", "Long Tone.wav"}
    for item in items.values():
        assert item["phase"] == "In your library", item
        assert item["trackHref"].startswith("/tracks/")
    assert uploaded["parts"] == ["1", "2", "3"]  # multipart: 13 MB in 5 MiB parts
    assert uploaded["dropped"] == 1  # part 2 failed once and was sent again
    assert any(0 < p < 100 for p in uploaded["progress"]), uploaded["progress"]  # progress was visible
    assert set(uploaded["library"]) == {"Night Drive", "Long Tone"}


def test_process_play_mute_a_stem_and_download_the_export(processed: dict[str, Any]) -> None:
    assert len(processed["stages"]) >= 2, processed["stages"]  # per-stage progress was shown
    assert "Done" in processed["jobText"]
    assert len(processed["stems"]) >= 2
    assert processed["before"] != processed["during"], "the clock did not move while playing"
    assert processed["playingLabel"] == "Pause"
    assert processed["muted"] == "true" and processed["silent"]
    assert processed["lyricsLines"] > 0 and processed["rolls"]
    assert processed["sampleGroups"], "no samples grid"
    with zipfile.ZipFile(processed["exportPath"]) as archive:
        names = archive.namelist()
    assert any(n.endswith(".wav") for n in names) and any(n.endswith(".mid") for n in names)


def test_library_rename_tag_search_filter_sort(browser: Browser, uploaded: dict[str, Any]) -> None:
    seen = browser.run("library", title="Long Tone", newTitle="A Long Tone", artist="The Testers",
                       tags=["e2e", "sine"])
    assert seen["tagsShown"] == ["e2e", "sine"]
    assert seen["byArtist"] == ["A Long Tone"]
    assert seen["byTag"] == ["A Long Tone"]
    assert seen["noneByBpm"]
    assert seen["sorted"] == ["A Long Tone", "Night Drive"]


def test_export_a_selection(browser: Browser, uploaded: dict[str, Any]) -> None:
    seen = browser.run("export", titles=["Night Drive", "A Long Tone"], timeoutS=240)
    assert seen["selected"] == "2 selected"
    with zipfile.ZipFile(seen["path"]) as archive:
        folders = {name.split("/")[0] for name in archive.namelist()}
    assert len(folders) >= 2, folders


def test_phone_layout_does_not_overflow(browser: Browser, uploaded: dict[str, Any]) -> None:
    seen = browser.run("phone", trackId=uploaded["ids"]["Night Drive"])
    assert seen["overflow"] == {"library": 0, "track": 0}


def test_delete_asks_first(browser: Browser, uploaded: dict[str, Any]) -> None:
    seen = browser.run("delete", title="A Long Tone")
    assert seen["question"] == "Delete “A Long Tone”?"
    assert seen["keptAfterCancel"] == 1
    assert seen["remaining"] == ["Night Drive"]


def test_saved_openapi_copy_matches_the_live_schema(stack: Stack) -> None:
    done = subprocess.run(["node", str(WEB / "scripts" / "openapi.mjs"), "check", stack.url],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout


def test_generated_types_match_the_saved_schema(tmp_path: Path, spa: Path) -> None:
    target = tmp_path / "schema.d.ts"
    subprocess.run([str(WEB / "node_modules" / ".bin" / "openapi-typescript"), str(WEB / "openapi.json"),
                    "-o", str(target)], check=True, capture_output=True)
    assert target.read_text() == (WEB / "src" / "api" / "schema.d.ts").read_text(), \
        "src/api/schema.d.ts is stale: run `npm run api:types` in web/"


def test_the_local_server_serves_the_spa_for_client_routes(stack: Stack) -> None:
    for path in ("/", "/tracks/anything", "/signin"):
        page = httpx.get(stack.url + path)
        assert page.status_code == 200 and '<div id="root">' in page.text
