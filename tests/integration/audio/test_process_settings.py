"""The audio lab's settings over HTTP: typed and bounded, a clear 422, no job for a refused request.

Tried: a Demucs weights folder (``torch.load`` unpickles what it finds there), the spleeter
checkpoint path, a device, a worker count, a thousand shifts, a Whisper model path, an unknown
stage and an unknown field. None starts a job; a request with sensible values does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audio import tone

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("body", [
    {"settings": {"separate": {"engine": "htdemucs", "models": "/etc"}}},
    {"settings": {"separate": {"checkpoint": "/tmp/evil"}}},
    {"settings": {"separate": {"engine": "htdemucs", "device": "cuda:3"}}},
    {"settings": {"separate": {"engine": "htdemucs", "num_workers": 64}}},
    {"settings": {"separate": {"engine": "htdemucs", "shifts": 1000}}},
    {"settings": {"lyrics": {"model": "/home/me/whisper"}}},
    {"stages": ["separate", "rm -rf"]},
    {"stages": ["midi"], "priority": "high"},
])
def test_hostile_settings_are_422_and_start_nothing(api, tmp_path: Path, body: dict) -> None:
    upload = api.upload(tone(tmp_path / "a.wav", seconds=1.0))
    track_id = api.job_for(upload["key"])["result"]["track_id"]
    jobs_before = len(api.http.get("/jobs", params={"limit": 200}).json()["items"])
    reply = api.http.post(f"/tracks/{track_id}/process", json=body)
    assert reply.status_code == 422, reply.text
    assert len(api.http.get("/jobs", params={"limit": 200}).json()["items"]) == jobs_before


def test_sensible_settings_start_the_job(api, tmp_path: Path) -> None:
    upload = api.upload(tone(tmp_path / "b.wav", seconds=1.0))
    track_id = api.job_for(upload["key"])["result"]["track_id"]
    reply = api.http.post(f"/tracks/{track_id}/process",
                          json={"stages": ["midi"], "settings": {"midi": {"onset_threshold": 0.6}}})
    assert reply.status_code == 202, reply.text
    assert reply.json()["subject"]["stages"] == ["midi", "export"]
