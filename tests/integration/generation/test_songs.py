"""Generation projects and their reference songs end to end on the local stack, over HTTP:
demo songs uploaded as library tracks (one re-encoded as MP3, one a chirp like no catalog song),
added to a project, identified by the real ``song_identify`` ASL (moto executing it, fpcalc on
presigned GETs), matched by hand from catalog search, removed; the limits and the tenancy.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest

from tests.integration.conftest import Api

pytestmark = pytest.mark.integration


def wait(api: Any, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.http.get(f"/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture(scope="module")
def tracks(stack: Any, api: Any, demo_songs: list[Any],
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Library tracks: demo songs 1-11 (song 2 re-encoded as MP3), a chirp, another artist's song.

    The other song belongs to an artist of its own: ``other``'s library must stay empty for the
    library tests' tenancy checks.
    """
    third = Api(stack, "artist-generation-c")
    folder = tmp_path_factory.mktemp("generation-songs")
    mp3, chirp = folder / "second.mp3", folder / "chirp.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(demo_songs[1].audio), "-b:a", "128k", str(mp3)],
                   check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "aevalsrc=0.3*sin(2*PI*(200+40*t)*t)|0.3*sin(2*PI*(300+25*t)*t):d=8", str(chirp)],
                   check=True)
    files = [mp3 if i == 1 else song.audio for i, song in enumerate(demo_songs[:11])]
    keys = [api.upload(path)["key"] for path in [*files, chirp]]
    theirs = third.upload(demo_songs[3].audio)["key"]
    ids = []
    for key in keys:
        job = api.job_for(key)
        assert job["status"] == "succeeded", job
        ids.append(str(job["result"]["track_id"]))
    return {"demo": ids[:11], "first": ids[0], "second": ids[1], "chirp": ids[11],
            "theirs": str(third.job_for(theirs)["result"]["track_id"])}


def test_songs_are_identified_matched_by_hand_and_removed(api: Any, other: Any, tracks: dict[str, Any],
                                                          demo_songs: list[Any]) -> None:
    created = api.http.post("/generation/projects", json={"name": "Harbour album"})
    assert created.status_code == 201, created.text
    project = created.json()["project_id"]
    base = f"/generation/projects/{project}"

    picked = [tracks[k] for k in ("first", "second", "chirp")]
    added = api.http.post(f"{base}/songs", json={"track_ids": picked})
    assert added.status_code == 202, added.text
    songs, job = added.json()["songs"], added.json()["job"]
    assert [s["status"] for s in songs] == ["identifying"] * 3 and job["kind"] == "song_identify"
    finished = wait(api, job["job_id"])
    assert finished["status"] == "succeeded", finished
    statuses = [{"song_id": s["song_id"], "status": st}
                for s, st in zip(songs, ("matched", "matched", "unmatched"), strict=True)]
    assert finished["result"] == {"project_id": project, "songs": statuses}

    detail = api.http.get(base).json()
    first, second, chirp = detail["songs"]
    assert first["match"]["recording_id"] == "demo-01" and first["match"]["by"] == "fingerprint"
    assert first["match"]["holders"] == {h: str(s) for h, s in demo_songs[0].recording.shares().items()}
    assert second["match"]["recording_id"] == "demo-02"  # the MP3 copy
    assert chirp["status"] == "unmatched" and chirp["match"] is None
    assert detail["identify_job"]["job_id"] == job["job_id"] and detail["takes"] == []
    assert detail["ready"] is False
    assert detail["refusal"] == "generation needs exactly 10 matched songs; the project has 3"

    # The chirp is matched by hand to a recording found by title.
    title = demo_songs[5].recording.title
    found = api.http.get("/generation/catalog", params={"q": title.split()[0].lower(), "limit": 50})
    assert found.status_code == 200, found.text
    entry = next(e for e in found.json()["items"] if e["recording_id"] == "demo-06")
    assert entry["holders"] == {h: str(s) for h, s in demo_songs[5].recording.shares().items()}
    matched = api.http.put(f"{base}/songs/{chirp['song_id']}/match", json={"recording_id": "demo-06"})
    assert matched.status_code == 200, matched.text
    assert matched.json()["match"]["by"] == "hand" and matched.json()["status"] == "matched"
    assert api.http.put(f"{base}/songs/{chirp['song_id']}/match",
                        json={"recording_id": "demo-404"}).status_code == 404

    # Identified again: back to what the fingerprint says.
    again = api.http.post(f"{base}/songs/{chirp['song_id']}/identify")
    assert again.status_code == 202 and again.json()["song"]["status"] == "identifying"
    assert wait(api, again.json()["job"]["job_id"])["result"]["songs"] == [
        {"song_id": chirp["song_id"], "status": "unmatched"}]

    listed = api.http.get("/generation/projects").json()["items"]
    mine = next(p for p in listed if p["project_id"] == project)
    assert (mine["song_count"], mine["matched_count"], mine["take_count"]) == (3, 2, 0)

    assert api.http.delete(f"{base}/songs/{chirp['song_id']}").status_code == 204
    assert api.http.delete(f"{base}/songs/{chirp['song_id']}").status_code == 404
    assert [s["song_id"] for s in api.http.get(base).json()["songs"]] == [first["song_id"], second["song_id"]]

    # Another artist sees none of it.
    assert other.http.get(base).status_code == 404
    assert other.http.post(f"{base}/songs", json={"track_ids": [tracks["theirs"]]}).status_code == 404
    assert other.http.delete(base).status_code == 404
    assert all(p["project_id"] != project for p in other.http.get("/generation/projects").json()["items"])

    assert api.http.delete(base).status_code == 204
    assert api.http.get(base).status_code == 404


def test_ten_matched_songs_are_ready_and_more_are_refused(api: Any, tracks: dict[str, Any]) -> None:
    project = api.http.post("/generation/projects", json={"name": "Ten"}).json()["project_id"]
    base = f"/generation/projects/{project}"
    songs = f"{base}/songs"
    theirs = api.http.post(songs, json={"track_ids": [tracks["theirs"]]})
    assert theirs.status_code == 404 and tracks["theirs"] in theirs.text  # not in this artist's library
    twice = api.http.post(songs, json={"track_ids": [tracks["first"]] * 2})
    assert twice.status_code == 400 and "more than once" in twice.text
    assert api.http.post(songs, json={"track_ids": []}).status_code == 422
    assert api.http.post(songs, json={"track_ids": [f"t{i}" for i in range(11)]}).status_code == 422
    assert api.http.post("/generation/projects", json={"name": ""}).status_code == 422
    assert api.http.get("/generation/catalog", params={"q": ""}).status_code == 422
    assert api.http.get("/generation/projects/nope").status_code == 404

    first = api.http.post(songs, json={"track_ids": tracks["demo"][:4]})
    assert first.status_code == 202, first.text
    again = api.http.post(songs, json={"track_ids": [tracks["demo"][0]]})
    assert again.status_code == 409 and "already in the project" in again.text
    rest = api.http.post(songs, json={"track_ids": tracks["demo"][4:10]})
    assert rest.status_code == 202, rest.text
    eleventh = api.http.post(songs, json={"track_ids": [tracks["demo"][10]]})
    assert eleventh.status_code == 409 and "at most 10 songs" in eleventh.text
    for job in (first.json()["job"], rest.json()["job"]):
        assert wait(api, job["job_id"])["status"] == "succeeded"
    detail = api.http.get(base).json()
    assert [s["match"]["recording_id"] for s in detail["songs"]] == [f"demo-{i:02d}" for i in range(1, 11)]
    assert detail["ready"] is True and detail["refusal"] is None
    assert detail["identify_job"]["job_id"] == rest.json()["job"]["job_id"]

    # The tenth song matched by hand to the first one's recording: one work twice, not ready.
    tenth = detail["songs"][9]["song_id"]
    assert api.http.put(f"{songs}/{tenth}/match", json={"recording_id": "demo-01"}).status_code == 200
    detail = api.http.get(base).json()
    assert detail["ready"] is False and "same work" in detail["refusal"]
