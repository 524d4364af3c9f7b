"""Handing a stage to the SageMaker async endpoint, against moto's S3 and SageMaker runtime.

No Lambda waits for the endpoint any more: ``submit`` queues the request with the state's task
token and returns; the endpoint answers the token (serve.py, platform.tasktoken).
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
from soundmosaic.audio import remote, routing
from soundmosaic.platform.config import resource


def test_only_gpu_stages_go_to_the_endpoint_and_only_when_configured(monkeypatch):
    assert remote.endpoint_for("separate") is None
    monkeypatch.setenv("SOUNDMOSAIC_SAGEMAKER_ENDPOINT", "gpu")
    assert remote.endpoint_for("separate") == "gpu"
    assert remote.endpoint_for("lyrics") == "gpu"
    assert remote.endpoint_for("export") is None


def test_submit_queues_the_event_with_its_token_and_returns_at_once(aws_env):
    event = {"action": "separate", "job_id": "j1", "artist_id": "a", "track_id": "t"}
    started = time.monotonic()
    reply = remote.submit("gpu", event, "token-1")
    assert time.monotonic() - started < 5  # no polling: the state machine waits, not the Lambda
    assert reply["output_location"].startswith("s3://")
    listing = boto3.client("s3").list_objects_v2(Bucket=resource("MEDIA_BUCKET"),
                                                 Prefix="sagemaker/async-in/j1/")
    [request] = listing["Contents"]
    body = boto3.client("s3").get_object(Bucket=resource("MEDIA_BUCKET"), Key=request["Key"])["Body"]
    assert json.loads(body.read()) == {**event, "task_token": "token-1"}


def test_submit_without_a_token_is_refused(aws_env):
    with pytest.raises(ValueError, match="task token"):
        remote.submit("gpu", {"action": "separate", "job_id": "j2"}, "")


def test_routing_sends_gpu_stages_to_the_endpoint_when_there_is_one(monkeypatch):
    facts = routing.Facts(duration_s=180, sample_rate=44100, channels=2)
    assert routing.plan(facts)["separate"] == "lambda"
    monkeypatch.setenv("SOUNDMOSAIC_SAGEMAKER_ENDPOINT", "gpu")
    plan = routing.plan(facts)
    assert plan["separate"] == plan["lyrics"] == "gpu" and plan["midi"] == "lambda"
