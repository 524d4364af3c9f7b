"""Answer a Step Functions task token: run the work, beat while it runs, report how it ended.

The pattern for work that outlives a Lambda (docs/compute.md): a state waits with
``.waitForTaskToken``, whoever does the work (the ECS task of the container path, the SageMaker
async endpoint of the GPU path) calls ``answer`` with the token. Step Functions waits; nothing
polls. A heartbeat goes out every ``heartbeat_s`` seconds, so a worker that dies stops beating
and its state fails with ``States.HeartbeatTimeout`` within the state's ``HeartbeatSeconds``.
An exception is reported with its type as the error (Retry and Catch match on it as on a
Lambda's) and raised again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TypeVar

from soundmosaic.platform import aws

MAX_CAUSE = 32_000  # SendTaskFailure's cause is at most 32,768 characters
T = TypeVar("T")


def _beat(token: str, every_s: float, stop: threading.Event) -> None:
    states = aws.client("stepfunctions")
    while not stop.wait(every_s):
        states.send_task_heartbeat(taskToken=token)


def answer(token: str, work: Callable[[], T], heartbeat_s: float = 60.0) -> T:
    """``work()``'s result, sent as the task's output (JSON); its exception, sent as a failure."""
    if not token or len(token) > 1024:
        raise ValueError("a task token is 1 to 1024 characters")
    states = aws.client("stepfunctions")
    stop = threading.Event()
    beats = threading.Thread(target=_beat, args=(token, heartbeat_s, stop), daemon=True)
    beats.start()
    try:
        result = work()
    except Exception as err:
        stop.set()
        states.send_task_failure(taskToken=token, error=type(err).__name__[:256], cause=str(err)[:MAX_CAUSE])
        raise
    stop.set()
    states.send_task_success(taskToken=token, output=json.dumps(result, default=str))
    return result
