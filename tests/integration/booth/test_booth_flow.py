"""The booth end to end on the local stack: an organiser's event and template, a kiosk capture,
the photo upload, the swap workflow (Step Functions, a Map of chunks), the participant's page by
code, the mail caught by the local SMTP catcher, erasure; then a worker killed mid-swap.

The privacy proof: after the flow, every log line the run wrote (all threads, at DEBUG for our
loggers), every S3 object (keys and bodies) of every bucket, every DynamoDB item of every table
(jobs included), every Step Functions execution's input, output and history, and every file the
stack persisted under its data directory are searched for the participant's name, e-mail and
phone (as UTF-8, JSON-escaped, and the phone's bare digits). Only the participant's own mail may
hold their address. Media come from package-shipped photographs (``booth_eval``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from soundmosaic.booth import printimage, workflow
from soundmosaic.platform import aws
from soundmosaic_local import booth_eval, mail
from soundmosaic_local.runtime.stack import LocalStack

pytestmark = pytest.mark.integration

PII = {"name": "Zoë Quintanilha-Tester", "email": "zoe.quintanilha@example.org", "phone": "+55 21 98765-4321"}
STORED_PHONE = "+5521987654321"


def needles() -> list[bytes]:
    values = [PII["name"], PII["email"], STORED_PHONE, STORED_PHONE[1:], "Quintanilha"]
    out = {v.encode() for v in values}
    out |= {json.dumps(v).strip('"').encode() for v in values}  # "Zo\u00eb ..." as JSON escapes it
    return sorted(out)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("booth-media")
    photo = folder / "photo.jpg"
    shutil.copy(booth_eval.grace_hopper_path(), photo)
    booth_eval.template_clip(folder / "template.mp4", frames=24, fps=12)  # 2 s: two chunks of 1 s
    return {"photo": photo, "template": folder / "template.mp4"}


class Booth:
    def __init__(self, stack: LocalStack, token: str) -> None:
        self.http = httpx.Client(
            base_url=stack.api_url + "/api", timeout=60, headers={"Authorization": f"Bearer {token}"}
        )

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        reply = self.http.request(method, path, **kwargs)
        assert reply.status_code == status, reply.text
        return reply.json()


@pytest.fixture(scope="module")
def booth(stack: LocalStack, media: dict[str, Path]) -> Iterator[dict[str, Any]]:
    """An event of organiser org-1 with one musician template, and its kiosk."""
    org = Booth(stack, stack.dev_token("org-1", booth_role="organiser"))
    event = org.ok(
        "POST", "/booth/events", 201, json={"name": "Rock in Rio — Palco Mundo", "retention_days": 14}
    )
    template = org.ok(
        "POST",
        f"/booth/events/{event['event_id']}/templates",
        201,
        json={"kind": "musician", "title": "Singer, chorus", "content_type": "video/mp4"},
    )
    up = template["upload"]
    httpx.put(up["url"], content=media["template"].read_bytes(), headers=up["headers"]).raise_for_status()
    kiosk = Booth(stack, stack.dev_token("kiosk-1", booth_role="operator", booth_event=event["event_id"]))
    yield {"event": event, "template": template, "org": org, "kiosk": kiosk}


def capture(booth: dict[str, Any], photo: Path) -> dict[str, Any]:
    event = booth["event"]
    consents = [{"key": c["key"], "text": c["text"], "accepted": True} for c in event["consents"]]
    got = booth["kiosk"].ok(
        "POST", f"/booth/events/{event['event_id']}/participants", 201, json={**PII, "consents": consents}
    )
    up = got["photo_upload"]
    assert "Zo" not in up["key"] and up["headers"]["x-amz-tagging"] == "booth-retention-days=14"
    httpx.put(up["url"], content=photo.read_bytes(), headers=up["headers"]).raise_for_status()
    return dict(got)


def wait_job(booth: dict[str, Any], job_id: str, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = booth["kiosk"].ok("GET", f"/booth/events/{booth['event']['event_id']}/jobs")
        job = next((j for j in jobs if j["job_id"] == job_id), None)
        if job and job["status"] in ("succeeded", "failed"):
            return dict(job)
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def everything_stored(stack: LocalStack) -> Iterator[tuple[str, bytes]]:
    s3, ddb, sfn = aws.client("s3"), aws.client("dynamodb"), aws.client("stepfunctions")
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for obj in page.get("Contents", []):
                yield f"s3 key {obj['Key']}", obj["Key"].encode()
                body = s3.get_object(Bucket=bucket["Name"], Key=obj["Key"])["Body"].read()
                yield f"s3 {bucket['Name']}/{obj['Key']}", body
    for table in ddb.list_tables()["TableNames"]:
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            yield f"dynamodb {table}", json.dumps(page["Items"], ensure_ascii=False).encode()
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            arn = execution["executionArn"]
            described = sfn.describe_execution(executionArn=arn)
            yield f"execution {arn}", json.dumps(described, default=str, ensure_ascii=False).encode()
            history = sfn.get_execution_history(executionArn=arn)["events"]
            yield f"history {arn}", json.dumps(history, default=str, ensure_ascii=False).encode()
    for path in stack.data_dir.rglob("*"):
        if path.is_file() and "mail" not in path.relative_to(stack.data_dir).parts:
            yield f"data file {path.relative_to(stack.data_dir)}", path.read_bytes()


class EveryRecord(logging.Handler):
    """Every log record of every logger, with all its fields (Powertools' ``extra`` keys too)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = {k: v for k, v in record.__dict__.items() if k not in ("exc_info", "args")}
        self.lines.append(
            json.dumps({**fields, "text": record.getMessage()}, default=str, ensure_ascii=False)
        )


@pytest.fixture
def every_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[EveryRecord]:
    """Attached to the root and to every logger that does not propagate (Powertools' own), all at
    DEBUG for the test."""
    handler = EveryRecord()
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    targets = [lg for lg in loggers if lg is logging.getLogger() or not lg.propagate]
    for lg in targets:
        lg.addHandler(handler)
    for lg in loggers:
        monkeypatch.setattr(lg, "level", logging.DEBUG)
    yield handler
    for lg in targets:
        lg.removeHandler(handler)


def test_swap_flow_keeps_pii_out_of_everything_but_the_sealed_record(
    stack: LocalStack,
    booth: dict[str, Any],
    media: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    every_log: EveryRecord,
) -> None:
    monkeypatch.setenv("BOOTH_CHUNK_SECONDS", "1")
    event_id = booth["event"]["event_id"]
    got = capture(booth, media["photo"])
    pid = got["participant_id"]
    path = f"/booth/events/{event_id}/participants/{pid}/jobs"
    body = {"template_id": booth["template"]["template_id"]}
    job = booth["kiosk"].ok("POST", path, 202, json=body)
    assert booth["kiosk"].ok("POST", path, 202, json=body)["job_id"] == job["job_id"]  # asked twice: one job
    done = wait_job(booth, job["job_id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["engines"] == ["offline-mediapipe-mesh-warp-poisson-v1"]
    machine = os.environ["BOOTH_SWAP_STATE_MACHINE"]
    runs = aws.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    assert [r["name"] for r in runs].count(job["job_id"]) == 1

    # The participant's page, with no token: their video (1080p H.264 + AAC) and print image.
    page = httpx.get(f"{stack.api_url}/api/booth/public/media/{got['code']}").json()
    assert page["status"] == "ready" and set(page["media"]) == {"video", "image"}
    image = httpx.get(page["media"]["image"]).content
    assert printimage.read_id(image) == pid
    video = Path(stack.data_dir) / "check-video.mp4"
    video.write_bytes(httpx.get(page["media"]["video"]).content)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,height", "-of", "json", str(video)],
        capture_output=True,
        text=True,
        check=True,
    )
    video.unlink()
    streams = {s["codec_name"]: s for s in json.loads(probe.stdout)["streams"]}
    assert streams["h264"]["height"] == 1080 and "aac" in streams
    prints = booth["kiosk"].ok("GET", f"/booth/events/{event_id}/prints")
    assert [p["participant_id"] for p in prints] == [pid]

    # The mail: to the participant, with their link; the only place their address is outside the record.
    assert stack.mail is not None
    mine = [m for m in mail.caught(stack.mail.folder) if got["code"] in m.body]
    assert len(mine) == 1 and mine[0].to == PII["email"]

    sources = [("log", "\n".join(every_log.lines).encode()), *everything_stored(stack)]
    searched = {where.split()[0] for where, _ in sources}
    assert searched == {"log", "s3", "dynamodb", "execution", "history", "data"}
    assert any(b"chunk" in data for where, data in sources if where.startswith("history"))  # the Map ran
    assert any(b"job_id" in data for where, data in sources if where == "log")  # the steps did log
    leaks = [(where, needle) for where, data in sources for needle in needles() if needle in data]
    leaked_lines = [line[:300] for line in every_log.lines if any(n.decode() in line for n in needles())]
    assert not leaked_lines, "\n".join(leaked_lines)
    assert leaks == []

    # The organiser still reads them (decrypted), and erasure removes record, media and code.
    rows = booth["org"].ok("GET", f"/booth/events/{event_id}/participants")
    assert [(r["name"], r["email"], r["phone"]) for r in rows if r["participant_id"] == pid] == [
        (PII["name"], PII["email"], STORED_PHONE)
    ]
    audit = booth["org"].ok("DELETE", f"/booth/events/{event_id}/participants/{pid}")
    assert audit["objects_deleted"] >= 3
    assert httpx.get(f"{stack.api_url}/api/booth/public/media/{got['code']}").status_code == 404
    bucket = os.environ["MEDIA_BUCKET"]
    left = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"booth/{event_id}/{pid}/")
    assert left["KeyCount"] == 0


def test_worker_killed_mid_swap_resumes_without_losing_or_repeating_work(
    stack: LocalStack,
    booth: dict[str, Any],
    media: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOOTH_CHUNK_SECONDS", "1")
    event_id = booth["event"]["event_id"]
    pid = capture(booth, media["photo"])["participant_id"]
    job_id = "killed-" + pid
    planned = workflow.plan(event_id, pid, job_id, booth["template"]["template_id"], "swap")
    assert planned["count"] == 2
    first = workflow.run_chunk(event_id, pid, job_id, 0)
    assert first["reused"] is False

    # Chunk 1 in a worker process of its own, killed (SIGKILL) once it is at work.
    step = json.dumps(
        {
            "action": "chunk",
            "job_id": job_id,
            "event_id": event_id,
            "participant_id": pid,
            "index": 1,
            "artist_id": event_id,
            "correlation_id": "kill-test",
        }
    )
    code = (
        "import json, sys; from functions.booth.app import handler; "
        "from soundmosaic_local.runtime.dispatcher import LocalContext; "
        "handler(json.loads(sys.argv[1]), LocalContext('booth', 4096, 900, 'r', 'arn'))"
    )
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-c", code, step], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert worker.stdout is not None
    line = worker.stdout.readline()
    assert b'"step"' in line, line
    time.sleep(1.0)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    prefix = workflow.work_prefix(event_id, pid, job_id)
    bucket = os.environ["MEDIA_BUCKET"]

    def listing() -> dict[str, str]:
        found = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        return {o["Key"][len(prefix) :]: o["ETag"] for o in found}

    before = listing()
    assert "chunk-0001.json" not in before  # killed mid-work: the chunk is not marked done

    # The retried Map: every chunk again; the finished one is reused as it was, the killed one made.
    again = [workflow.run_chunk(event_id, pid, job_id, i) for i in (0, 1)]
    assert [a["reused"] for a in again] == [True, False]
    after = listing()
    assert sorted(after) == [
        "chunk-0000.jpg",
        "chunk-0000.json",
        "chunk-0000.mp4",
        "chunk-0001.jpg",
        "chunk-0001.json",
        "chunk-0001.mp4",
        "plan.json",
    ]
    assert all(after[k] == before[k] for k in before)  # nothing made twice
    workflow.encode(event_id, pid, job_id)
    workflow.print_image(event_id, pid, job_id)
    assert workflow.encode(event_id, pid, job_id)["video"].endswith("/video.mp4")  # retried: unchanged
    result = workflow.ready(event_id, pid, job_id, "swap")
    assert result["engines"] == ["offline-mediapipe-mesh-warp-poisson-v1"] and listing() == {}
