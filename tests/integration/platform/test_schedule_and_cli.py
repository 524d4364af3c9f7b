"""The weekly refresh schedule and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import boto3
import pytest
from soundmosaic.platform import jobs
from soundmosaic.platform.resources import physical_name

from tests.audio import tone
from tests.songs import song

pytestmark = pytest.mark.integration


def external_recordings() -> int:
    """Recordings in the stack's catalog that came from a named catalog (not the platform's own)."""
    from soundmosaic.generation.external import _named_recording_ids

    return len(list(_named_recording_ids()))


def test_weekly_refresh_fails_stale_jobs_and_writes_summaries(stack, api, tmp_path):
    api.job_for(api.upload(tone(tmp_path / "s.wav", seconds=1))["key"])
    store = jobs.JobStore()
    stale = jobs.Job(artist_id="artist-a", job_id=jobs.new_job_id(), kind="ingest",
                     status="running", updated_at="2020-01-01T00:00:00.000Z",
                     subject={"bucket": "b", "key": "k"})
    store.create(stale)
    [report] = stack.scheduler.run_rule("weekly-refresh")
    assert stale.job_id in report["stale_jobs_failed"]
    assert "no progress" in store.get("artist-a", stale.job_id).error
    summary = json.loads(boto3.client("s3").get_object(
        Bucket=physical_name("local", "media"), Key="artists/artist-a/library-summary.json")["Body"].read())
    tracks = api.http.get("/tracks", params={"limit": 200}).json()["items"]
    assert summary["tracks"] == len(tracks) and summary["duration_s"] > 0
    # what the studio and generation cache from outside: the naming trends from the catalog's
    # titles (or why not), the named catalogs' metadata (none configured here), the stored report
    trends = report["naming_trends"]
    assert trends["source"] == "catalog" and (trends["refreshed"] or trends["reason"])
    # No catalog keys here: nothing is checked or changed; recordings that came from Apple Music or
    # MusicBrainz (the named-catalog tests on this stack add one) are counted as skipped.
    metadata = report["catalog_metadata"]
    assert metadata["checked"] == 0 and metadata["changed"] == [] and metadata["failed"] == []
    assert metadata["skipped_without_keys"] == external_recordings()
    stored = json.loads(boto3.client("s3").get_object(
        Bucket=physical_name("local", "media"), Key="platform/refresh/latest.json")["Body"].read())
    assert stored["finished_at"] == report["finished_at"]
    shown = api.http.get("/generation/catalog/refresh")
    assert shown.status_code == 200, shown.text
    assert shown.json() == {k: report[k] for k in ("finished_at", "naming_trends", "catalog_metadata")}


def test_cli_ingest_starts_a_stack_uploads_and_reports(tmp_path):
    song = tone(tmp_path / "cli.wav", seconds=1)
    data = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(data),
                           "ingest", str(song)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout
    listed = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(data), "jobs"],
                            capture_output=True, text=True, timeout=180)
    assert "succeeded" in listed.stdout  # state survived the first process


def test_cli_process_writes_the_export_and_prints_its_path_last(tmp_path):
    path = song(tmp_path / "src", "Cli Song.wav", bars=2)
    out = tmp_path / "exports"
    data = str(tmp_path / "data")
    done = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", data,
                           "process", str(path), "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.endswith(".zip") and last.startswith(str(out))
    names = zipfile.ZipFile(last).namelist()
    assert "manifest.json" in names and any(n.endswith(" - Vocals.wav") for n in names)
