"""Local state survives a graceful stop (SIGTERM) and a kill -9: every acknowledged write.

Each stack here is a real ``soundmosaic up`` process, as a user runs it: a stack in this
process would share moto's global backends with the session's stack.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.audio import tone
from tests.integration.conftest import child_environment

pytestmark = pytest.mark.integration


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120, env=child_environment())


def _up(data: Path, **extra_env: str) -> tuple[subprocess.Popen[bytes], dict, httpx.Client]:
    runtime = data / "runtime.json"
    runtime.unlink(missing_ok=True)
    env = child_environment(**{"SOUNDMOSAIC_SNAPSHOT_SECONDS": "0.5", "SOUNDMOSAIC_PORT": "0", **extra_env})
    proc = subprocess.Popen([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(data), "up"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(600):
        if runtime.exists():
            break
        assert proc.poll() is None, "soundmosaic up exited"
        time.sleep(0.1)
    info = json.loads(runtime.read_text())
    token = _cli(data, "token").stdout.strip()
    http = httpx.Client(base_url=info["api_url"] + "/api", timeout=60,
                        headers={"Authorization": f"Bearer {token}"})
    return proc, info, http


def _ingest(http: httpx.Client, path: Path) -> dict:
    upload = http.post("/uploads", json={"filename": path.name, "size_bytes": path.stat().st_size}).json()
    httpx.put(upload["url"], content=path.read_bytes()).raise_for_status()
    for _ in range(600):
        items = http.get("/jobs").json()["items"]
        job = next((j for j in items if j["subject"]["key"] == upload["key"]), None)
        if job and job["status"] == "succeeded":
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("ingest did not finish")


def _holds(data: Path, job: dict, title: str | None = None) -> None:
    proc, _, http = _up(data)
    try:
        track = http.get(f"/tracks/{job['result']['track_id']}")
        assert track.status_code == 200
        if title is not None:
            assert track.json()["title"] == title
        assert http.get(f"/jobs/{job['job_id']}").json()["status"] == "succeeded"
        assert httpx.get(track.json()["media_url"]).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def test_graceful_stop_and_start_lose_nothing(tmp_path):
    data = tmp_path / "data"
    proc, _, http = _up(data)
    try:
        job = _ingest(http, tone(tmp_path / "keep.wav", seconds=1))
    finally:
        proc.send_signal(signal.SIGTERM)  # what Ctrl-C or a service manager sends
        assert proc.wait(timeout=60) == 0
    assert not (data / "runtime.json").exists()  # it stopped cleanly
    _holds(data, job)


def test_kill_9_right_after_the_answers_loses_nothing(tmp_path):
    data = tmp_path / "data"
    proc, info, http = _up(data)
    try:
        job = _ingest(http, tone(tmp_path / "crash.wav", seconds=1))
        status = _cli(data, "status")
        assert status.returncode == 0 and info["api_url"] in status.stdout
        assert "1 tracks" in status.stdout
        renamed = http.patch(f"/tracks/{job['result']['track_id']}", json={"title": "renamed just now"})
        assert renamed.status_code == 200
    finally:
        proc.send_signal(signal.SIGKILL)  # no snapshot interval to wait for: the journal has it
        proc.wait(timeout=10)
    assert (data / "runtime.json").exists()  # it really died without cleaning up
    _holds(data, job, title="renamed just now")


# -- kill -9 under a concurrent write load -------------------------------------------------------

ARTIST = "local-artist"  # the artist of `soundmosaic token`
MULTIPART_THRESHOLD = 100_000  # the small upload goes in one PUT, the bigger one in parts


class Load:
    """What the clients sent and what the stack acknowledged, across crashes and restarts.

    Uploads alternate between one presigned PUT and a multipart upload (one part, then
    ``/uploads/complete``). Renamers PATCH their own tracks with increasing version numbers.
    """

    def __init__(self, small: bytes, big: bytes, tracks: list[str]) -> None:
        self.small, self.big = small, big
        self.lock = threading.Lock()
        self.sent_keys: set[str] = set()  # upload keys a PUT or a part went out for
        self.acked: dict[str, int] = {}  # upload key -> size, the object acknowledged as written
        self.parts: dict[str, tuple[str, str]] = {}  # key -> (upload id, part ETag): part acked
        self.completing: set[str] = set()  # complete sent, its answer not (yet) received
        self.sent = dict.fromkeys(tracks, 0)  # track -> highest version sent
        self.renamed = dict.fromkeys(tracks, 0)  # track -> highest version acknowledged

    def upload(self, api: httpx.Client, n: int) -> None:
        body = self.big if n % 2 else self.small
        session = api.post("/uploads", json={"filename": f"take {n}.wav", "size_bytes": len(body)})
        assert session.status_code == 201, session.text
        upload = session.json()
        key = upload["key"]
        with self.lock:
            self.sent_keys.add(key)
        if not upload["multipart"]:
            if httpx.put(upload["url"], content=body, timeout=30).status_code == 200:
                with self.lock:
                    self.acked[key] = len(body)
            return
        assert len(upload["parts"]) == 1
        put = httpx.put(upload["parts"][0]["url"], content=body, timeout=30)
        assert put.status_code == 200, put.text
        with self.lock:
            self.parts[key] = (upload["s3_upload_id"], put.headers["etag"])
        self.complete(api, key)

    def complete(self, api: httpx.Client, key: str) -> None:
        upload_id, etag = self.parts[key]
        with self.lock:
            self.completing.add(key)
        done = api.post("/uploads/complete", json={"key": key, "s3_upload_id": upload_id,
                                                   "parts": [{"part_number": 1, "etag": etag}]})
        assert done.status_code == 200, done.text
        with self.lock:
            self.completing.discard(key)
            del self.parts[key]
            self.acked[key] = len(self.big)

    def rename(self, api: httpx.Client, track: str) -> None:
        with self.lock:
            self.sent[track] += 1
            version = self.sent[track]
        answer = api.patch(f"/tracks/{track}", json={"title": f"{track} v{version}"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["title"] == f"{track} v{version}"
        with self.lock:
            self.renamed[track] = max(self.renamed[track], version)


def _run_until_killed(proc: subprocess.Popen[bytes], token: str, api_url: str, load: Load,
                      kill_after_s: float, round_no: int) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []

    def client() -> httpx.Client:
        return httpx.Client(base_url=api_url + "/api", timeout=30,
                            headers={"Authorization": f"Bearer {token}"})

    def work(step: Any) -> None:
        try:
            with client() as api:
                n = 0
                while not stop.is_set():
                    step(api, n)
                    n += 1
        except httpx.TransportError:
            pass  # the stack died under it: what was in flight may or may not have been written
        except BaseException as err:
            errors.append(err)

    tracks = list(load.sent)
    workers = [threading.Thread(target=work, args=(lambda api, n: load.upload(api, round_no * 1000 + n),))]
    for share in (tracks[0::2], tracks[1::2]):
        workers.append(threading.Thread(target=work, args=(
            lambda api, n, share=share: load.rename(api, share[n % len(share)]),)))
    for worker in workers:
        worker.start()
    time.sleep(kill_after_s)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    if errors:
        raise errors[0]


def _check(load: Load, info: dict, api: httpx.Client) -> None:
    """Every acknowledged write is there; nothing is there that was never sent; no torn item."""
    from soundmosaic.library.keys import original_key

    s3 = boto3.client("s3", endpoint_url=info["aws_endpoint"], region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
    stored = {o["Key"]: o["Size"]
              for page in s3.get_paginator("list_objects_v2").paginate(Bucket="soundmosaic-local-uploads")
              for o in page.get("Contents", [])}
    assert set(stored) <= load.sent_keys, "objects nobody sent"
    jobs, cursor = {}, None
    while True:
        page = api.get("/jobs", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        jobs.update({job["subject"]["key"]: job for job in page["items"]})
        cursor = page["next_cursor"]
        if not cursor:
            break
    for key, size in load.acked.items():
        # The upload event runs the ingest handler, which records the job, before the PUT (or the
        # complete) is answered; ingest then moves the file into the media bucket.
        assert key in jobs, f"acknowledged upload {key} has no ingest job"
        if stored.get(key) != size:
            subject = jobs[key]["subject"]  # the parsed upload: its track has an id of its own
            moved = s3.head_object(Bucket="soundmosaic-local-media",
                                   Key=original_key(ARTIST, subject["track_id"], subject["filename"]))
            assert moved["ContentLength"] == size, f"acknowledged upload {key} lost"
    for key in sorted(load.completing):  # its answer never came: the object may or may not be there
        if key in jobs or key in stored:  # completed (with its job, or killed before its event)
            load.completing.discard(key)
            del load.parts[key]
            if key in jobs:
                load.acked[key] = len(load.big)
    for key in sorted(load.parts):  # an acknowledged part survives, under the same upload id
        load.complete(api, key)
    table = boto3.resource("dynamodb", endpoint_url=info["aws_endpoint"], region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local").Table(
                               "soundmosaic-local-tracks")
    for track in load.sent:
        item = table.get_item(Key={"artist_id": ARTIST, "track_id": track})["Item"]
        version = int(str(item["title"]).rsplit(" v", 1)[1])
        assert load.renamed[track] <= version <= load.sent[track], (
            f"{track}: v{version} after acknowledging v{load.renamed[track]}, sending v{load.sent[track]}")
        assert str(item["search"]).startswith(str(item["title"]).lower())  # one whole write
        assert item["filename"] == f"{track}.wav" and item["facts"]["codec"] == "pcm_s16le"
        load.sent[track] = load.renamed[track] = version  # what the next round builds on


def _seed_tracks(info: dict, count: int) -> list[str]:
    from soundmosaic.library.tracks import Track

    table = boto3.resource("dynamodb", endpoint_url=info["aws_endpoint"], region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local").Table(
                               "soundmosaic-local-tracks")
    names = [f"seed-{i}" for i in range(count)]
    for name in names:
        table.put_item(Item=Track(artist_id=ARTIST, track_id=name, title=f"{name} v0", filename=f"{name}.wav",
                                  media_key=f"media/{name}.wav", size_bytes=1,
                                  facts={"codec": "pcm_s16le"}).to_item())
    return names


def test_kill_9_under_concurrent_uploads_and_renames_loses_no_acknowledged_write(tmp_path):
    seed = int(os.environ.get("SOUNDMOSAIC_CRASH_SEED", time.time()))
    rng = random.Random(seed)
    print(f"crash seed {seed} (SOUNDMOSAIC_CRASH_SEED={seed} repeats these kill points)")
    data = tmp_path / "data"
    env = {"SOUNDMOSAIC_DEMO_CATALOG": "off",
           "SOUNDMOSAIC_MULTIPART_THRESHOLD_BYTES": str(MULTIPART_THRESHOLD),
           "SOUNDMOSAIC_SNAPSHOT_SECONDS": "0.3"}  # snapshots and compaction race the writes too
    small = tone(tmp_path / "small.wav", seconds=0.3, channels=1).read_bytes()
    big = tone(tmp_path / "big.wav", seconds=1.0).read_bytes()
    assert len(small) < MULTIPART_THRESHOLD < len(big)
    proc, info, api = _up(data, **env)
    try:
        token = api.headers["Authorization"].split(" ", 1)[1]
        load = Load(small, big, _seed_tracks(info, 6))
        for round_no in range(3):
            _run_until_killed(proc, token, info["api_url"], load, rng.uniform(2.0, 6.0), round_no)
            if round_no == 1:  # a crash during the restart itself: restore and replay, interrupted
                (data / "runtime.json").unlink(missing_ok=True)
                proc = subprocess.Popen(
                    [sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(data), "up"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    env=child_environment(**{"SOUNDMOSAIC_PORT": "0", **env}))
                time.sleep(rng.uniform(0.5, 4.0))
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
            print(f"round {round_no}: renames sent {load.sent}, acknowledged {load.renamed}; "
                  f"{len(load.acked)} uploads acknowledged")
            proc, info, api = _up(data, **env)
            _check(load, info, api)
        assert sum(load.renamed.values()) > 0 and load.acked, "the load wrote nothing before the kills"
        print(f"acknowledged: {len(load.acked)} uploads, {sum(load.renamed.values())} renames")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:  # a failed check: do not leave the stack running
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
