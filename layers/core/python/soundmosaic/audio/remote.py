"""Hand a stage to the GPU endpoint, a SageMaker asynchronous inference endpoint, and return.

When ``SOUNDMOSAIC_SAGEMAKER_ENDPOINT`` is set (CDK sets it with ``-c gpu=true``), routing sends
the GPU stages there (``routing.GPU``): the state machine's ``<Stage> on GPU`` state invokes the
audio Lambda with ``.waitForTaskToken`` and action ``submit``; ``submit`` writes the stage's event
and the task token to S3 as the request, calls ``InvokeEndpointAsync`` and returns at once. The
endpoint (the same ``containers/audio`` image, ``serve.py``) runs the same handler on a GPU and
answers the token itself (``platform.tasktoken``: heartbeats, then success or a typed failure).
Step Functions waits; no Lambda polls (docs/compute.md). The endpoint scales to zero when idle,
so the first request after a quiet spell waits for an instance: the state's ``HeartbeatSeconds``
counts from the first beat, its ``TimeoutSeconds`` bounds the whole wait.

Environment variables
---------------------
SOUNDMOSAIC_SAGEMAKER_ENDPOINT
    Endpoint name; unset means no stage goes to a GPU.
SOUNDMOSAIC_SAGEMAKER_INPUT_PREFIX
    Media-bucket prefix for requests (default ``sagemaker/async-in/``).
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from soundmosaic.platform import aws
from soundmosaic.platform.config import resource

GPU_STAGES = frozenset({"separate", "lyrics"})
INVOCATION_TIMEOUT_S = 3600  # SageMaker async's most


def endpoint_for(action: str) -> str | None:
    endpoint = os.environ.get("SOUNDMOSAIC_SAGEMAKER_ENDPOINT")
    return endpoint if endpoint and action in GPU_STAGES else None


def submit(endpoint: str, event: dict[str, Any], task_token: str) -> dict[str, Any]:
    """Queue ``event`` on the endpoint with the token it answers; returns where the reply lands."""
    if not task_token:
        raise ValueError("submit needs the state's task token")
    bucket = resource("MEDIA_BUCKET")
    prefix = os.environ.get("SOUNDMOSAIC_SAGEMAKER_INPUT_PREFIX", "sagemaker/async-in/")
    key = f"{prefix}{event.get('job_id', 'adhoc')}/{uuid.uuid4().hex}.json"
    aws.client("s3").put_object(Bucket=bucket, Key=key, ContentType="application/json",
                                Body=json.dumps({**event, "task_token": task_token}).encode())
    reply = aws.client("sagemaker-runtime").invoke_endpoint_async(
        EndpointName=endpoint, InputLocation=f"s3://{bucket}/{key}", ContentType="application/json",
        InvocationTimeoutSeconds=INVOCATION_TIMEOUT_S)
    return {"submitted": f"s3://{bucket}/{key}", "output_location": reply["OutputLocation"],
            "inference_id": reply.get("InferenceId")}
