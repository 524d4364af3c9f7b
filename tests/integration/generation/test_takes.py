"""Takes on the local stack, over HTTP: ten demo songs uploaded as library tracks and matched to
their catalog recordings, the real ``song_generation`` workflow (Basic Pitch on the mixes, the
offline music engine, ffmpeg render), a second take with another seed, keeping, refusals and
another artist.

The songs are matched by writing their records with ``ProjectStore`` (identification is tested
in ``test_generation_identify``); everything after that goes through the API and the workflow.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from soundmosaic.generation import projects, takes
from soundmosaic.generation.projects import ProjectStore, Song
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource

pytestmark = pytest.mark.integration

ARTIST = "artist-a"  # the ``api`` client's artist


def wait(api: Any, job_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        job = api.http.get(f"/jobs/{job_id}").json()
        seen.append(job["stage"])
        if job["status"] in ("succeeded", "failed"):
            job["seen"] = list(dict.fromkeys(seen))
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish: {seen[-3:]}")


def match_of(demo: Any) -> dict[str, Any]:
    rec = demo.recording
    return {"recording_id": rec.recording_id, "title": rec.title, "artists": list(rec.artists),
            "isrc": rec.isrc, "work_id": rec.work.work_id,
            "holders": {h: str(s) for h, s in rec.shares().items()},
            "holder_names": dict(rec.holder_names), "confidence": 1.0, "by": "hand"}


@pytest.fixture(scope="module")
def project(api: Any, demo_songs: list[Any]) -> str:
    """A project of ten library tracks (uploaded through the API), each matched to its recording."""
    store = ProjectStore()
    made = store.create(ARTIST, "Takes")
    for i, demo in enumerate(demo_songs[:10]):
        job = api.job_for(api.upload(demo.audio, f"take-src-{i:02d}.wav")["key"])
        assert job["status"] == "succeeded", job
        store.put_song(Song(ARTIST, made.project_id, f"song-{i:02d}", job["result"]["track_id"],
                            demo.recording.title, status=projects.MATCHED, match=match_of(demo)))
    return made.project_id


def take_of(api: Any, project: str, **body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    started = api.http.post(f"/generation/projects/{project}/takes", json=body)
    assert started.status_code == 202, started.text
    reply = started.json()
    job = wait(api, reply["job"]["job_id"])
    assert job["status"] == "succeeded", job
    take = api.http.get(f"/generation/projects/{project}/takes/{reply['take']['take_id']}")
    assert take.status_code == 200, take.text
    return take.json(), job


def probe(url: str, folder: Path) -> dict[str, str]:
    path = folder / "preview.mp3"
    path.write_bytes(httpx.get(url).content)
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration",
                           "-of", "default=nw=1", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split("=", 1) for line in done.stdout.split())


def test_takes_are_generated_played_regenerated_and_kept(api: Any, other: Any, project: str,
                                                         demo_songs: list[Any], tmp_path: Path) -> None:
    first, job = take_of(api, project, seed=7, seconds=10)
    assert job["kind"] == "song_generation" and job["result"]["take_id"] == first["take_id"]
    assert job["percent"] == 100
    assert first["status"] == "ready" and first["offline"] is True and "offline" in first["engine"]
    assert first["seed"] == 7 and first["influence"] == "85/100"
    assert first["duration_s"] == pytest.approx(10, abs=0.2)
    facts = probe(first["preview_url"], tmp_path)
    assert facts["codec_name"] == "mp3" and float(facts["duration"]) == pytest.approx(10, abs=0.3)
    assert httpx.get(first["audio_url"]).content[:4] == b"RIFF"
    assert httpx.get(first["midi_url"]).content[:4] == b"MThd"
    assert 700 <= len(first["peaks"]) <= 800 and max(first["peaks"]) > 0.2
    works = {d.recording.work.work_id for d in demo_songs[:10]}
    assert {r["work_id"] for r in first["provenance"]["reference"]} == works
    titles = {d.recording.title for d in demo_songs[:10]}
    assert {r["title"] for r in first["provenance"]["reference"]} == titles
    assert first["provenance"]["version"] == 1 and first["provenance"]["training_works"] > 0
    songs = ProjectStore().songs(ARTIST, project)
    assert all(s.notes_key for s in songs)
    # Requested against measured influence, recorded by the platform in the provenance.
    check = first["provenance"]["influence_check"]
    assert {s["work_id"] for s in check["songs"]} == works and {s["title"] for s in check["songs"]} == titles
    assert all(s["requested"] == "0.1000" for s in check["songs"])
    assert sum(float(s["measured"]) for s in check["songs"]) == pytest.approx(1, abs=0.002)
    assert check["verdict"] in ("within tolerance", "flagged for review") and check["tolerance"] == "3/10"
    assert check["split_uses"].startswith("requested weights") and check["reviewed_version"] is None
    assert first["provenance"]["reference"][0]["weight"] == "0.100000"  # the split reads the requested

    # Another seed and one song weighted 9 (half of the songs' part): another take, the prepared
    # notes reused, different audio, the weights in the provenance.
    heavy = songs[0]
    second, _ = take_of(api, project, seed=8, seconds=10, influence="9/10", weights={heavy.song_id: "9"})
    assert second["influence"] == "9/10" and second["weights"][heavy.song_id] == "9"
    assert second["weights"][songs[1].song_id] == "1"
    weight_of = {r["work_id"]: r["weight"] for r in second["provenance"]["reference"]}
    assert weight_of[heavy.match["work_id"]] == "0.500000"  # type: ignore[index]
    requested = {s["work_id"]: s["requested"] for s in second["provenance"]["influence_check"]["songs"]}
    assert requested[heavy.match["work_id"]] == "0.5000"  # type: ignore[index]
    assert second["provenance"]["track_id"] != first["provenance"]["track_id"]
    assert httpx.get(second["audio_url"]).content != httpx.get(first["audio_url"]).content
    assert [s.notes_key for s in ProjectStore().songs(ARTIST, project)] == [s.notes_key for s in songs]

    kept = api.http.post(f"/generation/projects/{project}/takes/{first['take_id']}/keep")
    assert kept.status_code == 200 and kept.json()["kept"] is True
    moved = api.http.post(f"/generation/projects/{project}/takes/{second['take_id']}/keep")
    assert moved.status_code == 200 and moved.json()["kept"] is True
    assert api.http.get(f"/generation/projects/{project}/takes/{first['take_id']}").json()["kept"] is False

    # Another artist sees none of it.
    assert other.http.get(f"/generation/projects/{project}/takes/{first['take_id']}").status_code == 404
    assert other.http.post(f"/generation/projects/{project}/takes/{first['take_id']}/keep").status_code == 404
    assert other.http.post(f"/generation/projects/{project}/takes", json={}).status_code == 404


def test_musicgen_conditions_on_all_ten_songs_and_the_take_is_checked(api: Any, project: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """With a Replicate key (the fake server): one conditioning clip of all ten songs by weight goes
    to MusicGen, and its take's influence is measured on Basic Pitch's notes of the take."""
    from tests.fakes import replicate_server

    heavy = ProjectStore().songs(ARTIST, project)[3]
    with replicate_server() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)  # the local stack runs the workflow in this process
        take, _ = take_of(api, project, seed=9, seconds=10, weights={heavy.song_id: "11"})
        sent = next(r for r in fake.requests if r.method == "POST").json()["input"]
    assert take["status"] == "ready" and take["offline"] is False and "musicgen" in take["engine"]
    assert sent["input_audio"].startswith("data:audio/wav;base64,")
    key = takes.take_prefix(ARTIST, project, take["take_id"]) + "compose.json"
    raw = aws.client("s3").get_object(Bucket=resource("MEDIA_BUCKET"), Key=key)["Body"].read()
    composed = json.loads(raw)
    plan = composed["details"]["melody_conditioning"]
    assert len(plan) == 10 and sum(p["seconds"] for p in plan) == pytest.approx(30.0)
    assert {p["work_id"]: p["seconds"] for p in plan}[heavy.match["work_id"]] == 16.5  # type: ignore[index]
    # Basic Pitch on the take (a steady tone here) against the songs' notes: measured, or not measured
    # with the reason; either way the requested weights are recorded beside it
    check = take["provenance"]["influence_check"]
    requested = {s["work_id"]: s["requested"] for s in check["songs"]}
    assert len(requested) == 10 and requested[heavy.match["work_id"]] == "0.5500"  # type: ignore[index]
    if check["verdict"] == "not measured":
        assert check["distance"] is None and "too few notes" in check["reason"]
    else:
        assert sum(float(s["measured"]) for s in check["songs"]) == pytest.approx(1, abs=0.002)


def test_refusals_and_bad_requests(api: Any, project: str) -> None:
    song_ids = [s.song_id for s in ProjectStore().songs(ARTIST, project)]
    song_id = song_ids[0]
    for body, status in (({"seconds": 5}, 422), ({"influence": "1/3"}, 400), ({"influence": "x"}, 400),
                         ({"seed": -4}, 422), ({"weights": {"not-a-song": "2"}}, 400),
                         ({"weights": {song_id: "-1"}}, 400), ({"weights": {song_id: "1e9"}}, 400),
                         ({"weights": {song_id: "x/0"}}, 400), ({"weights": {song_id: 3}}, 422),
                         ({"weights": {song_id: "1" * 21}}, 422), ({"weights": {"x" * 65: "1"}}, 422),
                         ({"weights": {f"s{i}": "1" for i in range(11)}}, 422),
                         ({"weights": dict.fromkeys(song_ids, "0")}, 400)):
        reply = api.http.post(f"/generation/projects/{project}/takes", json=body)
        assert reply.status_code == status, (body, reply.text)
    assert api.http.post(f"/generation/projects/{project}/takes/nope/keep").status_code == 404

    store = ProjectStore()
    nine = store.create(ARTIST, "Nine")
    for song in store.songs(ARTIST, project)[:9]:
        store.put_song(Song(ARTIST, nine.project_id, song.song_id, song.track_id, song.title,
                            status=projects.MATCHED, match=song.match))
    refused = api.http.post(f"/generation/projects/{nine.project_id}/takes", json={"seed": 1})
    assert refused.status_code == 409, refused.text
    assert "exactly 10 matched songs; the project has 9" in refused.json()["message"]
    assert store.takes(ARTIST, nine.project_id) == []


def test_a_failing_step_fails_the_take_and_the_job_with_the_reason(api: Any, project: str) -> None:
    """One song's library track is gone: its prepare step refuses, the workflow marks both failed."""
    store, s3 = ProjectStore(), aws.client("s3")
    broken = store.create(ARTIST, "Broken")
    songs = store.songs(ARTIST, project)
    for song in songs[:9]:
        store.put_song(Song(ARTIST, broken.project_id, song.song_id, song.track_id, song.title,
                            status=projects.MATCHED, match=song.match))
        if song.notes_key:  # already prepared in this project: the same notes, so no Basic Pitch again
            s3.copy_object(Bucket=resource("MEDIA_BUCKET"), Key=takes.notes_key(ARTIST, broken.project_id,
                                                                                  song.song_id),
                           CopySource={"Bucket": resource("MEDIA_BUCKET"), "Key": song.notes_key})
    gone = songs[9]
    store.put_song(Song(ARTIST, broken.project_id, gone.song_id, "track-deleted", "Lost Song",
                        status=projects.MATCHED, match=gone.match))
    started = api.http.post(f"/generation/projects/{broken.project_id}/takes", json={"seconds": 10})
    assert started.status_code == 202, started.text
    job = wait(api, started.json()["job"]["job_id"])
    assert job["status"] == "failed"
    assert "GenerationRefused" in job["error"] and "'Lost Song' was deleted" in job["error"]
    take = api.http.get(f"/generation/projects/{broken.project_id}/takes/{started.json()['take']['take_id']}")
    assert take.json()["status"] == "failed" and take.json()["error"] == job["error"]
    assert take.json()["audio_url"] is None and take.json()["provenance"] is None
