"""Hostile files through the real upload path: presigned PUT, S3 event, ingest, ffprobe on a
presigned GET (the way an attacker would try it against the deployed API).

Tried: an HLS playlist uploaded as ``song.mp3`` whose segment points at a listener on this
machine (the listener must receive nothing), an ffconcat list uploaded as ``song.wav`` naming
``/etc/passwd``, and a 20 KB FLAC whose header claims three hours. Each job fails with a reason
the user can read, and the file stays in quarantine exactly as sent.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from soundmosaic.platform.resources import physical_name

from tests.hostile import Listener, bomb, playlist

pytestmark = pytest.mark.integration


def quarantined(job: dict) -> bytes:
    key = f"{job['artist_id']}/{job['job_id']}/{job['subject']['filename']}"
    return boto3.client("s3").get_object(Bucket=physical_name("local", "quarantine"), Key=key)["Body"].read()


def test_a_playlist_upload_fetches_nothing_and_is_quarantined(api, tmp_path: Path) -> None:
    listener = Listener()
    try:
        path = playlist(tmp_path / "song.mp3", listener.port)
        job = api.job_for(api.upload(path)["key"])
    finally:
        listener.close()
    assert job["status"] == "failed"
    assert "not an audio file the library accepts" in job["error"]
    assert listener.connections == 0
    assert quarantined(job) == path.read_bytes()


def test_a_concat_list_and_a_bomb_fail_with_their_reasons(api, tmp_path: Path) -> None:
    concat = tmp_path / "song.wav"
    concat.write_text("ffconcat version 1.0\nfile '/etc/passwd'\n")
    listed = api.job_for(api.upload(concat)["key"])
    assert listed["status"] == "failed" and "root:" not in listed["error"]
    assert quarantined(listed) == concat.read_bytes()
    flac = bomb(tmp_path / "long.flac", claimed_s=3 * 3600)
    bombed = api.job_for(api.upload(flac)["key"])
    assert bombed["status"] == "failed" and "decompression bomb" in bombed["error"]
