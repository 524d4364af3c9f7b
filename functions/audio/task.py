"""The container path: the audio stage handler run once as an ECS Fargate task, behind a task token.

The state machine starts the ``containers/audio`` image with command ``task`` through
``arn:aws:states:::ecs:runTask.waitForTaskToken`` and two variables: the stage's event (the very
payload the Lambda path gets) and the task token. This module runs ``app.handler`` on that event
and answers Step Functions through ``platform.tasktoken``: the handler's result, or its
exception's type as the error (Retry and Catch match as on a Lambda's errors), with heartbeats
while it runs. Nothing polls: Step Functions waits. Locally the runtime starts this module in a
worker process of its own (docs/compute.md).

Environment: SOUNDMOSAIC_STAGE_EVENT (JSON), SOUNDMOSAIC_TASK_TOKEN,
SOUNDMOSAIC_TASK_HEARTBEAT_S (default 60), plus everything the Lambda gets.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from soundmosaic.platform import tasktoken


@dataclass
class TaskContext:
    """What the handler's Powertools decorators read from a Lambda context."""

    aws_request_id: str
    function_name: str = "soundmosaic-audio-task"
    memory_limit_in_mb: int = int(os.environ.get("SOUNDMOSAIC_TASK_MEMORY_MB") or 16384)
    invoked_function_arn: str = "arn:aws:ecs:task/soundmosaic-audio"
    function_version: str = "task"
    log_group_name: str = "ecs"
    log_stream_name: str = "ecs"

    def get_remaining_time_in_millis(self) -> int:
        return 4 * 3600 * 1000  # bounded by the state's TimeoutSeconds, not by this process


def run_stage() -> Any:
    event = json.loads(os.environ["SOUNDMOSAIC_STAGE_EVENT"])
    from functions.audio import app  # inside the answer: an import error is reported too

    return app.handler(event, TaskContext(aws_request_id=str(uuid.uuid4())))


def main() -> int:
    token = os.environ["SOUNDMOSAIC_TASK_TOKEN"]
    try:
        tasktoken.answer(token, run_stage, float(os.environ.get("SOUNDMOSAIC_TASK_HEARTBEAT_S") or 60))
    except Exception as err:  # reported to the state machine already; the exit code says it too
        print(f"stage failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
