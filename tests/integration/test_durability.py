"""Local state survives a graceful restart and a kill -9 (up to the snapshot interval)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from soundmosaic.runtime.stack import LocalStack

from tests.audio import tone

pytestmark = pytest.mark.integration


def _ingest(api_url: str, token: str, path) -> dict:
    http = httpx.Client(base_url=api_url + "/api", headers={"Authorization": f"Bearer {token}"},
                        timeout=60)
    upload = http.post("/uploads", json={"filename": path.name, "size_bytes": path.stat().st_size}).json()
    httpx.put(upload["url"], content=path.read_bytes()).raise_for_status()
    for _ in range(300):
        items = http.get("/jobs").json()["items"]
        job = next((j for j in items if j["subject"]["key"] == upload["key"]), None)
        if job and job["status"] == "succeeded":
            return job
        time.sleep(0.1)
    raise AssertionError("ingest did not finish")


def _holds(stack: LocalStack, job: dict) -> None:
    http = httpx.Client(base_url=stack.api_url + "/api", timeout=30,
                        headers={"Authorization": f"Bearer {stack.dev_token()}"})
    track = http.get(f"/tracks/{job['result']['track_id']}")
    assert track.status_code == 200
    assert http.get(f"/jobs/{job['job_id']}").json()["status"] == "succeeded"
    assert httpx.get(track.json()["media_url"]).status_code == 200


def test_graceful_stop_and_start_lose_nothing(tmp_path):
    data = tmp_path / "data"
    with LocalStack(data, port=0, background=False) as stack:
        job = _ingest(stack.api_url, stack.dev_token(), tone(tmp_path / "keep.wav", seconds=1))
    with LocalStack(data, port=0, background=False) as again:
        _holds(again, job)


def test_kill_9_loses_at_most_the_last_snapshot_interval(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "SOUNDMOSAIC_SNAPSHOT_SECONDS": "0.5", "SOUNDMOSAIC_PORT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "soundmosaic.cli", "--data-dir", str(data), "up"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        for _ in range(300):
            if (data / "runtime.json").exists():
                break
            time.sleep(0.1)
        info = json.loads((data / "runtime.json").read_text())
        token = subprocess.run([sys.executable, "-m", "soundmosaic.cli", "--data-dir", str(data),
                                "token"], capture_output=True, text=True, check=True).stdout.strip()
        job = _ingest(info["api_url"], token, tone(tmp_path / "crash.wav", seconds=1))
        status = subprocess.run([sys.executable, "-m", "soundmosaic.cli", "--data-dir", str(data),
                                 "status"], capture_output=True, text=True, timeout=60)
        assert status.returncode == 0 and info["api_url"] in status.stdout
        assert "1 tracks" in status.stdout
        time.sleep(2.0)  # > snapshot interval
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert (data / "runtime.json").exists()  # it really died without cleaning up
    with LocalStack(data, port=0, background=False) as again:
        _holds(again, job)
