"""One dispatcher from Lambda invocations to the real handlers in ``functions/``, and from ECS
RunTask calls to worker processes.

moto would run a Lambda in Docker; ``LambdaFunction._invoke_lambda`` is replaced so that every
invocation moto makes (Step Functions Tasks, S3 notifications, SQS event source mappings, the
Invoke API) calls the listed handler in this process instead. A handler's exception comes
back as ``{"errorType", "errorMessage", "stackTrace"}`` with the function-error flag set, as in
AWS, so state machine Retry and Catch match on the error's type.

moto's ECS only records a started task. ``ecs:runTask`` of a listed container task (the
container path of the audio state machines) therefore starts the task's worker module
(``ContainerTask.worker``, what the image runs for ``task``) in a separate Python process with
the container's environment and overrides; the worker answers the state machine with its task
token through the moto server, as the Fargate task does through Step Functions in AWS.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any

from soundmosaic.platform import resources

log = logging.getLogger(__name__)
_lock = threading.Lock()
_names: dict[str, resources.Function] = {}  # physical function name -> resource entry
# One execution environment per function, as Lambda gives each concurrent request its own:
# handlers keep per-request state in module globals (the Powertools resolver's current event,
# the logger's keys), so two requests must never run one module's handler at the same time.
_environments: dict[str, threading.Lock] = {}


@dataclass
class LocalContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str
    invoked_function_arn: str
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def register(stage: str) -> None:
    """Map the physical names of this stage's functions to their resource entries."""
    with _lock:
        # A new stack is a new deployment: handlers start cold, so clients they made at import
        # time (Powertools persistence layers) see this stack's endpoint, not a previous one's.
        for module in [m for m in sys.modules if m.startswith("functions.")]:
            del sys.modules[module]
        _names.clear()
        for fn in resources.FUNCTIONS:
            _names[resources.physical_name(stage, fn.key)] = fn


def invoke(function_name: str, event: Any) -> tuple[Any, bool]:
    """Run the handler behind ``function_name``. Returns (payload, errored)."""
    fn = _names.get(function_name.split(":function:")[-1].split(":")[0])
    if fn is None:
        return _error("ResourceNotFoundException", f"no local handler for {function_name}"), True
    with _lock:
        environment = _environments.setdefault(fn.key, threading.Lock())
    with environment:
        return _run(fn, function_name, event)


def _run(fn: resources.Function, function_name: str, event: Any) -> tuple[Any, bool]:
    handler = getattr(importlib.import_module(fn.module), fn.attribute)
    context = LocalContext(
        function_name=function_name,
        memory_limit_in_mb=fn.memory_mb,
        timeout_s=fn.timeout_s,
        aws_request_id=str(uuid.uuid4()),
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}",
    )
    try:
        return handler(event, context), False
    except Exception as err:  # a Lambda reports any exception as a function error
        log.warning("%s failed: %s: %s", fn.key, type(err).__name__, err)
        return _error(type(err).__name__, str(err), traceback.format_exc()), True


def install_moto_hook() -> None:
    """Make moto's Lambda invocations call ``invoke`` instead of Docker."""
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        if isinstance(event, str | bytes):
            event = json.loads(event or "{}")
        payload, errored = invoke(self.function_name, event if event is not None else {})
        return json.dumps(payload, default=str), errored, ""

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    install_moto_ecs_hook()


_workers: list[subprocess.Popen[bytes]] = []


def start_task(family: str, environment: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """Start the worker of the container task whose task definition is ``family``."""
    task = next((t for t in resources.CONTAINER_TASKS
                 if family.startswith("soundmosaic-") and family.endswith(f"-{t.key}-task")), None)
    if task is None:
        return None
    root = resources.REPO_ROOT
    path = os.pathsep.join([str(root / "layers" / "core" / "python"), str(root / "local"), str(root)])
    env = {**os.environ, **environment, "PYTHONPATH": path}
    worker = subprocess.Popen([sys.executable, "-m", task.worker], cwd=root, env=env)
    log.info("container task %s started as process %s", family, worker.pid)
    _workers[:] = [w for w in _workers if w.poll() is None] + [worker]
    return worker


def stop_workers(timeout_s: float = 10) -> None:
    """End the worker processes this runtime started (a stack stopping)."""
    for worker in _workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in _workers:
        try:
            worker.wait(timeout_s)
        except subprocess.TimeoutExpired:
            worker.kill()
    _workers.clear()


def _operation(service: str, action: str) -> Any:
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(next(op for op in model.operation_names if xform_name(op) == action))


def _normalise_ecs_integration() -> None:
    """moto's port of the Step Functions interpreter leaves ``_normalise_parameters`` and
    ``_normalise_response`` empty, so ``ecs:runTask`` would send ``Cluster`` where the API wants
    ``cluster`` and read ``Tasks`` where it answers ``tasks``. Step Functions maps the cases by
    the API's shapes; so do these, with the interpreter's own mapping helpers."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs import (
        StateTaskServiceEcs,
    )

    def parameters(self: Any, parameters: dict[str, Any], boto_service_name: str | None = None,
                   service_action_name: str | None = None) -> None:
        action = self._get_boto_service_action(service_action_name)
        self._to_boto_request(parameters, _operation("ecs", action).input_shape)

    def response(self: Any, response: Any, boto_service_name: str | None = None,
                 service_action_name: str | None = None) -> None:
        action = self._get_boto_service_action(service_action_name)
        self._from_boto_response(response, _operation("ecs", action).output_shape)

    StateTaskServiceEcs._normalise_parameters = parameters  # type: ignore[method-assign]
    StateTaskServiceEcs._normalise_response = response  # type: ignore[method-assign]


def install_moto_ecs_hook() -> None:
    """Make moto's ECS RunTask start the container task's worker process."""
    from moto.ecs.models import EC2ContainerServiceBackend

    if getattr(EC2ContainerServiceBackend.run_task, "soundmosaic_hook", False):
        return
    _normalise_ecs_integration()
    original = EC2ContainerServiceBackend.run_task

    def run_task(self: Any, cluster_str: str, task_definition_str: str, count: int,
                 overrides: dict[str, Any] | None, *args: Any, **kwargs: Any) -> Any:
        tasks = original(self, cluster_str, task_definition_str, count, overrides, *args, **kwargs)
        definition = self.describe_task_definition(task_definition_str)
        for _ in tasks:
            for container in definition.container_definitions:
                env = {e["name"]: e["value"] for e in container.get("environment", [])}
                for override in (overrides or {}).get("containerOverrides", []):
                    if override.get("name") == container["name"]:
                        env.update({e["name"]: e["value"] for e in override.get("environment", [])})
                start_task(definition.family, env)
        return tasks

    run_task.soundmosaic_hook = True  # type: ignore[attr-defined]
    EC2ContainerServiceBackend.run_task = run_task  # type: ignore[method-assign]


def _error(kind: str, message: str, trace: str = "") -> dict[str, Any]:
    return {"errorType": kind, "errorMessage": message, "stackTrace": trace.splitlines()}
