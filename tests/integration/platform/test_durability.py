"""Local state survives a graceful stop (SIGTERM) and a kill -9 (up to the snapshot interval).

Each stack here is a real ``soundmosaic up`` process, as a user runs it: a stack in this
process would share moto's global backends with the session's stack.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.audio import tone

pytestmark = pytest.mark.integration


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120)


def _up(data: Path) -> tuple[subprocess.Popen[bytes], dict, httpx.Client]:
    runtime = data / "runtime.json"
    runtime.unlink(missing_ok=True)
    env = {**os.environ, "SOUNDMOSAIC_SNAPSHOT_SECONDS": "0.5", "SOUNDMOSAIC_PORT": "0"}
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


def _holds(data: Path, job: dict) -> None:
    proc, _, http = _up(data)
    try:
        track = http.get(f"/tracks/{job['result']['track_id']}")
        assert track.status_code == 200
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


def test_kill_9_loses_at_most_the_last_snapshot_interval(tmp_path):
    data = tmp_path / "data"
    proc, info, http = _up(data)
    try:
        job = _ingest(http, tone(tmp_path / "crash.wav", seconds=1))
        status = _cli(data, "status")
        assert status.returncode == 0 and info["api_url"] in status.stdout
        assert "1 tracks" in status.stdout
        time.sleep(2.0)  # > snapshot interval
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert (data / "runtime.json").exists()  # it really died without cleaning up
    _holds(data, job)
