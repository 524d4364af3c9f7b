"""Run a stage on the GPU endpoint: a SageMaker asynchronous inference endpoint.

When ``SOUNDMOSAIC_SAGEMAKER_ENDPOINT`` is set (CDK sets it with ``-c gpu=true``), the audio
Lambda hands the heavy stages to the endpoint instead of running them on its CPU: the stage's
event goes to S3 as the request, the endpoint (the same ``containers/audio`` image, ``serve.py``)
runs the same handler on a GPU and writes its reply to S3, and the Lambda returns that reply.
The endpoint scales to zero when idle, so the first request after a quiet spell waits for an
instance; the Lambda waits until shortly before its own timeout.

Environment variables
---------------------
SOUNDMOSAIC_SAGEMAKER_ENDPOINT
    Endpoint name; unset means every stage runs in the Lambda itself.
SOUNDMOSAIC_SAGEMAKER_INPUT_PREFIX
    Media-bucket prefix for requests (default ``sagemaker/async-in/``).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

from soundmosaic.platform import aws
from soundmosaic.platform.config import resource

GPU_STAGES = frozenset({"separate", "lyrics"})


class RemoteStageFailed(RuntimeError):
    pass


def endpoint_for(action: str) -> str | None:
    endpoint = os.environ.get("SOUNDMOSAIC_SAGEMAKER_ENDPOINT")
    return endpoint if endpoint and action in GPU_STAGES else None


def _split(location: str) -> tuple[str, str]:
    bucket, _, key = location.removeprefix("s3://").partition("/")
    return bucket, key


def _read(location: str) -> bytes | None:
    s3 = aws.client("s3")
    bucket, key = _split(location)
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def run_on_endpoint(endpoint: str, event: dict[str, Any], timeout_s: float,
                    poll_s: float = 5.0) -> dict[str, Any]:
    bucket = resource("MEDIA_BUCKET")
    prefix = os.environ.get("SOUNDMOSAIC_SAGEMAKER_INPUT_PREFIX", "sagemaker/async-in/")
    key = f"{prefix}{event.get('job_id', 'adhoc')}/{uuid.uuid4().hex}.json"
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(event).encode(),
                                ContentType="application/json")
    reply = aws.client("sagemaker-runtime").invoke_endpoint_async(
        EndpointName=endpoint, InputLocation=f"s3://{bucket}/{key}", ContentType="application/json",
        InvocationTimeoutSeconds=3600)
    deadline = time.monotonic() + timeout_s
    while True:
        output = _read(reply["OutputLocation"])
        if output is not None:
            return dict(json.loads(output))
        failure = _read(reply["FailureLocation"]) if reply.get("FailureLocation") else None
        if failure is not None:
            raise RemoteStageFailed(f"the GPU endpoint failed the {event.get('action')} stage: "
                                    f"{failure.decode(errors='replace')[:500]}")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"the GPU endpoint {endpoint} gave no reply in {timeout_s:.0f} s "
                               f"(request s3://{bucket}/{key})")
        time.sleep(poll_s)
