"""The container path: the audio stage handler run once as an ECS Fargate task, behind a task token.

The state machine starts the ``containers/audio`` image with command ``task`` through
``arn:aws:states:::ecs:runTask.waitForTaskToken`` and two variables: the stage's event (the very
payload the Lambda path gets) and the task token. This module runs ``app.handler`` on that event
and answers Step Functions: ``SendTaskSuccess`` with the handler's result, or
``SendTaskFailure`` with the exception's type as the error, so the state's Retry and Catch match
as they do on a Lambda's errors. While the stage runs it sends heartbeats; a task that dies
(out of memory, stopped) stops beating and the state fails with ``States.HeartbeatTimeout``
after ``HeartbeatSeconds`` instead of waiting for its timeout. Nothing polls: Step Functions
waits. Locally the runtime starts this module in a worker process of its own (docs/compute.md).

Environment: SOUNDMOSAIC_STAGE_EVENT (JSON), SOUNDMOSAIC_TASK_TOKEN,
SOUNDMOSAIC_TASK_HEARTBEAT_S (default 60), plus everything the Lambda gets.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from soundmosaic.platform import aws

MAX_CAUSE = 32_000  # SendTaskFailure's cause is at most 32,768 characters


@dataclass
class TaskContext:
    """What the handler's Powertools decorators read from a Lambda context."""

    function_name: str = "soundmosaic-audio-task"
    memory_limit_in_mb: int = int(os.environ.get("SOUNDMOSAIC_TASK_MEMORY_MB") or 16384)
    aws_request_id: str = ""
    invoked_function_arn: str = "arn:aws:ecs:task/soundmosaic-audio"
    function_version: str = "task"
    log_group_name: str = "ecs"
    log_stream_name: str = "ecs"

    def get_remaining_time_in_millis(self) -> int:
        return 4 * 3600 * 1000  # bounded by the state's TimeoutSeconds, not by this process


def _beat(token: str, every_s: float, stop: threading.Event) -> None:
    states = aws.client("stepfunctions")
    while not stop.wait(every_s):
        states.send_task_heartbeat(taskToken=token)


def main() -> int:
    token = os.environ["SOUNDMOSAIC_TASK_TOKEN"]
    states = aws.client("stepfunctions")
    stop = threading.Event()
    beats = threading.Thread(target=_beat, daemon=True,
                             args=(token, float(os.environ.get("SOUNDMOSAIC_TASK_HEARTBEAT_S") or 60), stop))
    beats.start()
    try:
        event = json.loads(os.environ["SOUNDMOSAIC_STAGE_EVENT"])
        from functions.audio import app  # after the token is read: an import error is reported too

        result: Any = app.handler(event, TaskContext(aws_request_id=str(uuid.uuid4())))
    except Exception as err:  # every failure goes back to the state machine, typed
        stop.set()
        states.send_task_failure(taskToken=token, error=type(err).__name__, cause=str(err)[:MAX_CAUSE])
        print(f"stage failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    stop.set()
    states.send_task_success(taskToken=token, output=json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
