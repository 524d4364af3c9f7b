"""Long files on the local stack: routing to the container path, and exports streamed into S3.

A 2-hour file cannot run here in a test's time, so the Lambda limits are scaled down by the
ratio of 2 hours to the test file's length (SOUNDMOSAIC_LAMBDA_TIMEOUT_S and _TMP_BYTES divided
by 720 for a 10-second file): every estimate is linear in duration, so the 10-second file meets
the same decisions a 2-hour file meets against the real limits (tests/unit/audio/test_routing.py
checks those). The state machine, the Choice, the ECS RunTask and the worker process are the
real ones. (A song under the real limits stays on Lambda: test_audio_lab.py; a 3-minute file
under the real limits and a 2-hour one: tests/unit/audio/test_routing.py.)

Hostile cases tried: a stem that vanishes from S3 while the zip streams (the upload is aborted:
no object, no multipart upload left behind).
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from soundmosaic.audio import export, pipeline
from soundmosaic.library.keys import track_prefix
from soundmosaic.platform import aws
from soundmosaic.platform.resources import physical_name

from tests.audio import tone
from tests.integration.audio.test_audio_lab import ingest, wait

pytestmark = pytest.mark.integration

SCALE = 2 * 3600 / 10  # a 10-second file against limits scaled like a 2-hour file
SCALED = {"SOUNDMOSAIC_LAMBDA_TIMEOUT_S": str(900 / SCALE),
          "SOUNDMOSAIC_LAMBDA_TMP_BYTES": str(int(10 * 1024**3 / SCALE))}
HEAVY = {"Separate"}  # what a 2-hour file sends to the container (see test_routing)


@pytest.fixture()
def scaled_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SCALED.items():
        monkeypatch.setenv(name, value)


def history(job_id: str) -> list[dict[str, Any]]:
    states = aws.client("stepfunctions")
    machine = os.environ["AUDIO_STATE_MACHINE"]
    arn = machine.replace(":stateMachine:", ":execution:") + f":{job_id}"
    return states.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def entered(events: list[dict[str, Any]]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def outputs(events: list[dict[str, Any]], state: str) -> list[Any]:
    return [json.loads(e["stateExitedEventDetails"]["output"]) for e in events
            if e.get("stateExitedEventDetails", {}).get("name") == state]


def process(api: Any, track_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    started = api.http.post(f"/tracks/{track_id}/process", json={})
    assert started.status_code == 202, started.text
    job = wait(api, started.json()["job_id"])
    return job, history(job["job_id"])


def test_a_two_hour_file_takes_the_container_path_and_streams_its_export(api, tmp_path: Path,
                                                                          scaled_limits: None) -> None:
    track_id = ingest(api, tone(tmp_path / "Long Night.wav", seconds=10))
    job, events = process(api, track_id)
    assert job["status"] == "succeeded", job
    names = entered(events)
    plan = outputs(events, "Route")[0]["routing"]["plan"]
    assert plan["separate"] == "container" and "timeout" in plan["reasons"]["separate"] \
        and "/tmp" in plan["reasons"]["separate"], plan
    for stage in HEAVY:
        assert f"{stage} in container" in names and f"{stage} in Lambda" not in names, names
    # The stages that fit stay on Lambda, as they do for a 2-hour file.
    assert {"Decode in Lambda", "Analyse in Lambda", "Export in Lambda"} <= set(names)
    # The ECS task answered with the handler's result through its task token.
    ran = [e for e in events if e["type"] == "TaskSubmitted"
           and e["taskSubmittedEventDetails"]["resourceType"] == "ecs"]
    assert ran, "no ECS RunTask in the history"
    separated = outputs(events, "Separate in container")[0]["separation"]
    assert separated["stems"] and "vocals" in separated["stems"]
    exported = outputs(events, "Export in Lambda")[0]
    assert exported["export"]["export_key"].endswith(".zip")
    assets = api.http.get(f"/tracks/{track_id}/assets").json()
    assert {s["name"] for s in assets["stems"]} == set(separated["stems"])
    assert assets["export_url"]


class DiskWatch:
    """The most bytes under ``folder`` seen while the block ran (sampled every 5 ms)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.peak, self.stop = folder, 0, threading.Event()

    def _size(self) -> int:
        return sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file())

    def _run(self) -> None:
        while not self.stop.wait(0.005):
            self.peak = max(self.peak, self._size())

    def __enter__(self) -> DiskWatch:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def test_export_larger_than_tmp_streams_in_parts_with_right_crc(api, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    track_id = ingest(api, tone(tmp_path / "Parts.wav", seconds=1))
    artist = "artist-a"  # the api fixture's artist
    bucket = physical_name("local", "media")
    prefix = track_prefix(artist, track_id)
    s3 = aws.client("s3")
    stems = {name: os.urandom(12 * 1024**2) for name in ("drums", "other", "vocals")}  # 36 MiB
    for name, body in stems.items():
        s3.put_object(Bucket=bucket, Key=f"{prefix}stems/{name}.wav", Body=body)
    s3.put_object(Bucket=bucket, Key=f"{prefix}stems/separation.json",
                  Body=json.dumps({"engine": "test", "stems": sorted(stems)}).encode())
    budget = 16 * 1024**2  # the scaled-down /tmp: less than half of what the stems hold
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    event = {"artist_id": artist, "track_id": track_id, "job_id": "job-stream", "stages": ["export"]}
    with DiskWatch(scratch) as disk:
        result = pipeline.run("export", event)
    assert disk.peak < budget, disk.peak
    assert result["streamed"] and result["parts"] >= 3 and result["zip_bytes"] > sum(map(len, stems.values()))
    # Memory: one part (16 MiB by default) plus one copied chunk, whatever the zip's size.
    assert result["peak_buffer_bytes"] <= 16 * 1024**2 + export.CHUNK_BYTES
    body = s3.get_object(Bucket=bucket, Key=result["export_key"])["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None  # every member's CRC checks
        manifest = json.loads(archive.read("manifest.json"))
        for name, data in stems.items():
            member = next(i for i in archive.infolist() if i.filename.endswith(f" - {name.title()}.wav"))
            assert zlib.crc32(data) == member.CRC and member.file_size == len(data)
            assert archive.read(member) == data
    assert manifest["track_id"] == track_id and manifest["separation"]["engine"] == "test"
    assert {r["name"] for r in manifest["files"] if r["type"] == "stem"} == set(stems)


def test_a_stem_vanishing_mid_stream_leaves_nothing_half_written(api) -> None:
    bucket, s3 = physical_name("local", "media"), aws.client("s3")
    key = f"artists/artist-a/exports/vanishing-{time.time_ns()}.zip"
    first = "artists/artist-a/scratch/first.wav"
    s3.put_object(Bucket=bucket, Key=first, Body=os.urandom(7 * 1024**2))
    track = export.TrackExport(artist="A", title="B", stems={
        "drums": export.S3Source(bucket, first, 7 * 1024**2),
        "vocals": export.S3Source(bucket, "artists/artist-a/scratch/gone.wav", 1024)})
    with pytest.raises(Exception, match=r"NoSuchKey|Not Found|does not exist"):
        export.stream_zip_to_s3(bucket, key, [track], part_bytes=5 * 1024**2)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=key)
    assert not [u for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) if u["Key"] == key]


def test_a_failing_container_stage_fails_its_state_with_the_error_type(stack, capfd) -> None:
    """The worker process reports the handler's exception through the task token, typed, so the
    pipeline's Retry and Catch treat it as they treat a Lambda's (here: a stage input missing)."""
    from soundmosaic.platform import resources
    from soundmosaic_local.runtime import provision

    rendered = json.loads(provision.render_definition(resources.STATE_MACHINES[1], "local"))
    assert resources.STATE_MACHINES[1].key == "audio"
    state = {k: v for k, v in rendered["States"]["Separate in container"].items()
             if k not in ("Catch", "Next", "ResultSelector", "ResultPath")}
    states = aws.client("stepfunctions")
    machine = states.create_state_machine(
        name=f"container-failure-{time.time_ns()}", roleArn=provision.STATES_ROLE,
        definition=json.dumps({"StartAt": "Run", "States": {"Run": {**state, "End": True}}}),
    )["stateMachineArn"]
    event = {"action": "separate", "artist_id": "artist-a", "track_id": "no-such-track", "job_id": "j",
             "correlation_id": "c", "stages": ["separate"], "settings": {}}
    run = states.start_execution(stateMachineArn=machine, input=json.dumps({"task_event": event}))
    deadline = time.monotonic() + 120
    while (done := states.describe_execution(executionArn=run["executionArn"]))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the container task never answered its token"
        time.sleep(0.5)
    assert done["status"] == "FAILED", done
    assert done["error"] == "StageInputMissing", done
    events = states.get_execution_history(executionArn=run["executionArn"])["events"]
    failed = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]
    assert [f["resourceType"] for f in failed] == ["ecs"] and failed[0]["error"] == "StageInputMissing"
    # The worker is a process of its own (moto keeps SendTaskFailure's cause to itself: its stderr).
    assert "run the 'decode' stage first" in capfd.readouterr().err
