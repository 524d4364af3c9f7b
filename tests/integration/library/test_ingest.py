"""Upload -> S3 event -> queue -> ingest Lambda -> state machine -> track, over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import httpx
import pytest
from soundmosaic.platform.resources import physical_name

from tests.audio import tone, video

pytestmark = pytest.mark.integration


def test_health_is_public_and_everything_else_needs_a_token(stack):
    assert httpx.get(stack.api_url + "/api/health").json()["status"] == "ok"
    assert httpx.get(stack.api_url + "/api/tracks").status_code == 401
    forged = {"Authorization": "Bearer " + stack.dev_token("x")[:-4] + "AAAA"}
    assert httpx.get(stack.api_url + "/api/tracks", headers=forged).status_code == 401


def test_openapi_document_lists_the_routes(stack):
    doc = httpx.get(stack.api_url + "/api/openapi.json").json()
    assert {"/uploads", "/tracks", "/tracks/{track_id}", "/jobs", "/jobs/{job_id}"} <= set(doc["paths"])


@pytest.mark.parametrize("name, make", [
    ("song.wav", lambda p: tone(p, rate=44100, channels=2)),
    ("voice.mp3", lambda p: tone(p, rate=8000, channels=1)),
    ("hi-res.flac", lambda p: tone(p, rate=192000, channels=2)),
    ("clip.m4a", lambda p: tone(p, seconds=1.0, codec_args=("-c:a", "aac"))),
    ("loop.ogg", lambda p: tone(p, codec_args=("-c:a", "libvorbis"))),
])
def test_good_uploads_become_tracks_with_their_facts(api, tmp_path: Path, name, make):
    path = make(tmp_path / name)
    upload = api.upload(path)
    job = api.job_for(upload["key"])
    assert job["status"] == "succeeded", job
    assert job["percent"] == 100 and job["finished_at"]
    assert job["correlation_id"] == upload["upload_id"]  # traceable from the request onwards
    # The track has an id of its own, chosen when the upload was first seen (the job records it).
    assert job["result"]["track_id"] == job["subject"]["track_id"] != job["job_id"]
    track = api.http.get(f"/tracks/{job['result']['track_id']}").json()
    facts = track["facts"]
    expected = 1.0 if name == "clip.m4a" else 2.0
    assert facts["duration_s"] == pytest.approx(expected, abs=0.2)  # mp3 pads frames
    assert facts["sample_rate"] in (8000, 44100, 48000, 192000)
    assert facts["channels"] in (1, 2) and facts["codec"]
    assert httpx.get(track["media_url"]).content == path.read_bytes()


def _quarantined(stack, job) -> bytes:
    s3 = boto3.client("s3")
    bucket = physical_name("local", "quarantine")
    key = f"{job['artist_id']}/{job['job_id']}/{job['subject']['filename']}"
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.mark.parametrize("name, content, reason", [
    ("notes.mp3", b"these are not the droids you are looking for\n" * 50, "not a readable audio file"),
    ("corrupt.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 20, "not a readable audio file"),
])
def test_bad_uploads_fail_with_a_reason_and_stay_in_quarantine(stack, api, tmp_path, name, content,
                                                                reason):
    path = tmp_path / name
    path.write_bytes(content)
    job = api.job_for(api.upload(path)["key"])
    assert job["status"] == "failed"
    assert reason in job["error"]
    assert _quarantined(stack, job) == content


def test_a_video_without_audio_is_rejected_and_one_with_audio_is_accepted(stack, api, tmp_path):
    silent = api.job_for(api.upload(video(tmp_path / "silent.mp4", with_audio=False))["key"])
    assert silent["status"] == "failed" and "no audio stream" in silent["error"]
    assert _quarantined(stack, silent)
    clip = api.job_for(api.upload(video(tmp_path / "clip.mp4", with_audio=True))["key"])
    assert clip["status"] == "succeeded"
    track = api.http.get(f"/tracks/{clip['result']['track_id']}").json()
    assert track["facts"]["has_video"] is True


def test_an_extension_that_lies_is_read_by_content(api, tmp_path):
    path = tone(tmp_path / "real.flac")
    liar = tmp_path / "actually-flac.mp3"
    liar.write_bytes(path.read_bytes())
    job = api.job_for(api.upload(liar)["key"])
    assert job["status"] == "succeeded"
    assert api.http.get(f"/tracks/{job['result']['track_id']}").json()["facts"]["codec"] == "flac"


def test_oversize_and_empty_uploads(stack, api, tmp_path, monkeypatch):
    refused = api.http.post("/uploads", json={"filename": "empty.wav", "size_bytes": 0})
    assert refused.status_code == 422  # validation: size must be positive
    path = tone(tmp_path / "big.wav", seconds=3)
    monkeypatch.setenv("SOUNDMOSAIC_MAX_UPLOAD_BYTES", "1000")
    reply = api.http.post("/uploads", json={"filename": "big.wav", "size_bytes": path.stat().st_size})
    assert reply.status_code == 400 and "limit" in reply.json()["message"]
    # A client that lies about the size is caught when the object is validated.
    monkeypatch.setenv("SOUNDMOSAIC_MAX_UPLOAD_BYTES", str(path.stat().st_size + 10))
    session = api.http.post("/uploads", json={"filename": "big.wav", "size_bytes": 10}).json()
    monkeypatch.setenv("SOUNDMOSAIC_MAX_UPLOAD_BYTES", "1000")
    assert httpx.put(session["url"], content=path.read_bytes()).status_code == 200
    job = api.job_for(session["key"])
    assert job["status"] == "failed" and "larger than" in job["error"]
    assert _quarantined(stack, job) == path.read_bytes()


def test_empty_file_in_the_drop_folder_fails_as_empty(stack, api):
    folder = stack.drop_folder_path / "artist-a"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nothing.wav").write_bytes(b"")
    stack.drop.poll()
    [key] = stack.drop.poll()
    job = api.job_for(key)
    assert job["status"] == "failed" and "empty" in job["error"]


def test_drop_folder_ingests_like_an_upload(stack, api, tmp_path):
    folder = stack.drop_folder_path / "artist-a"
    folder.mkdir(parents=True, exist_ok=True)
    tone(folder / "dropped.wav")
    assert stack.drop.poll() == []  # first sight: wait until the size settles
    [key] = stack.drop.poll()
    assert key == "drop/artist-a/dropped.wav"
    job = api.job_for(key)
    assert job["status"] == "succeeded"
    assert not (folder / "dropped.wav").exists()
    assert any(p.name.endswith("dropped.wav") for p in (stack.drop_folder_path / ".ingested").iterdir())


def test_duplicate_s3_events_make_one_job(stack, api, tmp_path):
    upload = api.upload(tone(tmp_path / "dup.wav"))
    job = api.job_for(upload["key"])
    # Redeliver the very S3 event the queue carried: what S3 and SQS may do at any time.
    sqs = boto3.client("sqs")
    event = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": job["subject"]["bucket"]},
        "object": {"key": job["subject"]["key"], "size": job["subject"]["size_bytes"],
                   "eTag": "same-etag", "sequencer": "0001"}}}]}
    queue = sqs.get_queue_url(QueueName=physical_name("local", "ingest"))["QueueUrl"]
    before = len(api.http.get("/jobs", params={"limit": 200}).json()["items"])
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(event))
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(event))
    after = api.http.get("/jobs", params={"limit": 200}).json()["items"]
    assert len(after) == before + 1  # two deliveries, one new job


def test_posting_an_upload_twice_with_one_idempotency_key_gives_one_upload(api):
    body = {"filename": "retry.wav", "size_bytes": 1234}
    first = api.http.post("/uploads", json=body, headers={"Idempotency-Key": "k-1"}).json()
    second = api.http.post("/uploads", json=body, headers={"Idempotency-Key": "k-1"}).json()
    third = api.http.post("/uploads", json=body, headers={"Idempotency-Key": "k-2"}).json()
    assert first["upload_id"] == second["upload_id"] != third["upload_id"]


def test_multipart_upload_of_a_big_file(api, tmp_path, monkeypatch):
    monkeypatch.setenv("SOUNDMOSAIC_MULTIPART_THRESHOLD_BYTES", str(1024 * 1024))
    monkeypatch.setenv("SOUNDMOSAIC_MULTIPART_PART_BYTES", str(5 * 1024 * 1024))
    path = tone(tmp_path / "long.wav", seconds=40)  # ~7 MB: two parts
    data = path.read_bytes()
    upload = api.http.post("/uploads", json={"filename": "long.wav", "size_bytes": len(data)}).json()
    assert upload["multipart"] and len(upload["parts"]) == 2
    parts = []
    for part in upload["parts"]:
        start = (part["part_number"] - 1) * upload["part_size"]
        reply = httpx.put(part["url"], content=data[start:start + upload["part_size"]])
        parts.append({"part_number": part["part_number"], "etag": reply.headers["ETag"]})
    done = api.http.post("/uploads/complete", json={"key": upload["key"], "parts": parts,
                                                    "s3_upload_id": upload["s3_upload_id"]})
    assert done.status_code == 200, done.text
    job = api.job_for(upload["key"])
    assert job["status"] == "succeeded"
    track = api.http.get(f"/tracks/{job['result']['track_id']}").json()
    assert track["size_bytes"] == len(data)
