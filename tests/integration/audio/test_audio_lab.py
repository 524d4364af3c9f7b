"""The audio lab end to end on the local stack: upload a song, process it, download the export.

One song is processed once per module (the offline engines are real and take a while on a CPU);
the tests then look at what came out, re-run one stage, and export a selection.
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import boto3
import httpx
import pretty_midi
import pytest
import soundfile as sf
from soundmosaic.library.keys import track_prefix
from soundmosaic.platform.resources import physical_name

from tests.audio import tone
from tests.songs import song

pytestmark = pytest.mark.integration


def wait(api, job_id: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        job = api.http.get(f"/jobs/{job_id}").json()
        seen.append((job["stage"], job["percent"]))
        if job["status"] in ("succeeded", "failed"):
            job["seen"] = seen
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish: {seen[-3:]}")


def ingest(api, path) -> str:
    job = api.job_for(api.upload(path)["key"])
    assert job["status"] == "succeeded", job
    return job["result"]["track_id"]


@pytest.fixture(scope="module")
def processed(api, tmp_path_factory):
    path = song(tmp_path_factory.mktemp("song"), "Night Drive.wav")
    track_id = ingest(api, path)
    api.http.patch(f"/tracks/{track_id}", json={"artist_name": "The Testers", "tags": ["demo"]})
    started = api.http.post(f"/tracks/{track_id}/process", json={})
    assert started.status_code == 202, started.text
    job = wait(api, started.json()["job_id"])
    assert job["status"] == "succeeded", job
    return track_id, job


def test_a_song_runs_every_stage_on_lambda(processed):
    """Routing by size: a song of seconds fits the Lambda's real limits at every stage (the
    2-hour case is tests/integration/audio/test_long_jobs.py)."""
    from tests.integration.audio.test_long_jobs import entered, history

    names = entered(history(processed[1]["job_id"]))
    assert "Route" in names and not [n for n in names if n.endswith((" in container", " on GPU"))], names
    assert {"Decode in Lambda", "Separate in Lambda", "Export in Lambda"} <= set(names)


def test_progress_is_visible_per_stage(processed):
    _, job = processed
    stages = [stage for stage, _ in job["seen"]]
    percents = [percent for _, percent in job["seen"]]
    assert percents == sorted(percents)  # never goes backwards
    assert len(set(stages)) >= 3 and job["percent"] == 100


def test_assets_hold_stems_midi_lyrics_samples_and_analysis(api, processed):
    track_id, _ = processed
    assets = api.http.get(f"/tracks/{track_id}/assets").json()
    names = {s["name"] for s in assets["stems"]}
    assert names == {"vocals", "drums", "bass", "other"}  # the offline engine names stems as Demucs does
    assert all("offline" in s["engine"] for s in assets["stems"])  # honest about the engine
    assert 110 <= assets["analysis"]["bpm"] <= 130
    assert {m["stem"] for m in assets["midi"]} and "drums" not in {m["stem"] for m in assets["midi"]}
    assert assets["lyrics"]["segments"] and assets["lyrics"]["language"] == "en"
    assert assets["samples"] and all(s["label"] for s in assets["samples"])
    peaks = httpx.get(assets["peaks_url"]).json()
    assert peaks["version"] == 2 and peaks["length"] > 100
    # Range requests work on the presigned URLs (seeking in the player).
    ranged = httpx.get(assets["stems"][0]["url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100


def test_the_export_is_ready_for_a_daw(api, processed):
    track_id, _ = processed
    url = api.http.get(f"/tracks/{track_id}/assets").json()["export_url"]
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(url).content))
    names = archive.namelist()
    assert "The Testers - Night Drive - Vocals.wav" in names
    assert {"The Testers - Night Drive - Bass.wav", "The Testers - Night Drive - Other.wav"} <= set(names)
    with archive.open("The Testers - Night Drive - Vocals.wav") as handle:
        info = sf.info(io.BytesIO(handle.read()))
    assert info.subtype == "PCM_24" and info.samplerate == 44100
    midi_names = [n for n in names if n.startswith("MIDI/") and n.endswith(".mid")]
    assert midi_names
    midi = pretty_midi.PrettyMIDI(io.BytesIO(archive.read(midi_names[0])))
    manifest = json.loads(archive.read("manifest.json"))
    assert midi.get_tempo_changes()[1][0] == pytest.approx(manifest["bpm"], rel=0.01)
    assert any(n.startswith("Samples/") and n.count("/") == 2 for n in names)
    for ext in ("lrc", "srt", "txt"):
        assert f"Lyrics/The Testers - Night Drive.{ext}" in names
    assert manifest["key"] and manifest["duration_s"] > 5
    assert archive.read("manifest.csv").decode().startswith("# bpm=")


def test_rerunning_one_stage_leaves_the_others_alone(api, processed):
    track_id, _ = processed
    s3 = boto3.client("s3")
    bucket = physical_name("local", "media")
    prefix = track_prefix("artist-a", track_id)
    melodic = api.http.get(f"/tracks/{track_id}/assets").json()["midi"][0]["stem"]
    midi_key = f"{prefix}midi/{melodic}.json"
    stems_before = s3.head_object(Bucket=bucket, Key=prefix + "stems/vocals.wav")["LastModified"]
    midi_before = s3.head_object(Bucket=bucket, Key=midi_key)["LastModified"]
    time.sleep(1.1)  # S3 LastModified has one-second resolution
    started = api.http.post(f"/tracks/{track_id}/process", json={
        "stages": ["midi"], "settings": {"midi": {"onset_threshold": 0.8}}})
    job = wait(api, started.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert s3.head_object(Bucket=bucket, Key=prefix + "stems/vocals.wav")["LastModified"] == stems_before
    assert s3.head_object(Bucket=bucket, Key=midi_key)["LastModified"] > midi_before
    redone = json.loads(s3.get_object(Bucket=bucket, Key=midi_key)["Body"].read())
    assert redone["settings"]["onset_threshold"] == 0.8


def test_bad_stage_settings_fail_clearly(api, processed):
    track_id, _ = processed
    # Refused before any job starts (typed request: 422 naming the field); they used to fail as jobs.
    reply = api.http.post(f"/tracks/{track_id}/process", json={"stages": ["nonsense"]})
    assert reply.status_code == 422 and "stages" in reply.text
    reply = api.http.post(f"/tracks/{track_id}/process", json={
        "stages": ["midi"], "settings": {"midi": {"no_such_setting": 1}}})
    assert reply.status_code == 422 and "no_such_setting" in reply.text


def test_a_stage_whose_input_is_missing_says_what_to_run_first(api, tmp_path):
    track_id = ingest(api, tone(tmp_path / "fresh.wav", seconds=2))
    started = api.http.post(f"/tracks/{track_id}/process", json={"stages": ["midi"]})
    job = wait(api, started.json()["job_id"])
    assert job["status"] == "failed"
    assert "stage first" in job["error"]  # e.g. "stems/separation.json is missing: run the 'separate' ..."


@pytest.mark.parametrize("name, make", [
    ("silence.wav", lambda p: tone(p, seconds=3, codec_args=("-af", "volume=0"))),
    ("one-second.flac", lambda p: tone(p, seconds=1)),
    ("phone.wav", lambda p: tone(p, seconds=3, rate=8000, channels=1)),
    ("studio.wav", lambda p: tone(p, seconds=2, rate=192000)),
])
def test_edge_inputs_are_processed_or_fail_clearly(api, tmp_path, name, make):
    track_id = ingest(api, make(tmp_path / name))
    job = wait(api, api.http.post(f"/tracks/{track_id}/process", json={}).json()["job_id"])
    assert job["status"] == "succeeded", job
    assets = api.http.get(f"/tracks/{track_id}/assets").json()
    url = assets["stems"][0]["url"]
    info = sf.info(io.BytesIO(httpx.get(url).content))
    source_rate = api.http.get(f"/tracks/{track_id}").json()["facts"]["sample_rate"]
    assert info.samplerate == source_rate  # stems keep the source rate


def test_a_selection_exports_as_one_zip_with_a_folder_per_track(api, processed, tmp_path):
    track_id, _ = processed
    other = ingest(api, tone(tmp_path / "second.wav", seconds=1))
    started = api.http.post("/exports", json={"track_ids": [track_id, other]})
    assert started.status_code == 202
    job = wait(api, started.json()["job_id"])
    assert job["status"] == "succeeded", job
    url = api.http.get(f"/exports/{job['job_id']}").json()["url"]
    names = zipfile.ZipFile(io.BytesIO(httpx.get(url).content)).namelist()
    assert any(n.startswith("The Testers - Night Drive/") for n in names)
    assert any(n.endswith("manifest.json") and "second" in n for n in names)


def test_another_artist_cannot_process_or_read_assets(other, processed):
    track_id, _ = processed
    assert other.http.post(f"/tracks/{track_id}/process", json={}).status_code == 404
    assert other.http.get(f"/tracks/{track_id}/assets").status_code == 404
    assert other.http.post("/exports", json={"track_ids": [track_id]}).status_code == 404


def test_search_by_tag_bpm_and_key(api, processed):
    track_id, _ = processed
    found = api.http.get("/tracks", params={"tag": "demo", "bpm_min": 100, "bpm_max": 140}).json()["items"]
    assert [t["track_id"] for t in found] == [track_id]
    key = api.http.get(f"/tracks/{track_id}").json()["key"]
    assert track_id in [t["track_id"] for t in api.http.get("/tracks", params={"key": key}).json()["items"]]
    assert api.http.get("/tracks", params={"bpm_min": 200}).json()["items"] == []
