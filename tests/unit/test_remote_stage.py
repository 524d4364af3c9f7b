"""Handing a stage to the SageMaker async endpoint, against moto's S3 and SageMaker runtime."""

from __future__ import annotations

import json

import boto3
import pytest
import requests
from soundmosaic.audio import remote
from soundmosaic.platform.config import resource


def _queue_results(*results: dict) -> None:
    # moto's documented way to say what the async endpoint answers next.
    reply = requests.post("http://motoapi.amazonaws.com/moto-api/static/sagemaker/async-endpoint-results",
                          json={"results": list(results)}, timeout=10)
    assert reply.status_code == 201


def test_only_gpu_stages_go_to_the_endpoint_and_only_when_configured(monkeypatch):
    assert remote.endpoint_for("separate") is None
    monkeypatch.setenv("SOUNDMOSAIC_SAGEMAKER_ENDPOINT", "gpu")
    assert remote.endpoint_for("separate") == "gpu"
    assert remote.endpoint_for("lyrics") == "gpu"
    assert remote.endpoint_for("export") is None


def test_the_reply_comes_back_and_the_request_is_in_s3(aws_env):
    _queue_results({"data": json.dumps({"stems": ["bass", "drums", "other", "vocals"]})})
    event = {"action": "separate", "job_id": "j1", "artist_id": "a", "track_id": "t"}
    assert remote.run_on_endpoint("gpu", event, timeout_s=5, poll_s=0.01) == {
        "stems": ["bass", "drums", "other", "vocals"]}
    listing = boto3.client("s3").list_objects_v2(Bucket=resource("MEDIA_BUCKET"),
                                                 Prefix="sagemaker/async-in/j1/")
    [request] = listing["Contents"]
    body = boto3.client("s3").get_object(Bucket=resource("MEDIA_BUCKET"), Key=request["Key"])["Body"]
    assert json.loads(body.read()) == event


def test_a_failure_on_the_endpoint_fails_the_stage_with_its_message(aws_env):
    _queue_results({"is_failure": True, "data": "CUDA out of memory"})
    with pytest.raises(remote.RemoteStageFailed, match="CUDA out of memory"):
        remote.run_on_endpoint("gpu", {"action": "separate", "job_id": "j2"}, timeout_s=5, poll_s=0.01)
