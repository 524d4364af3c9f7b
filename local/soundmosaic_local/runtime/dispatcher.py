"""One dispatcher from Lambda invocations to the real handlers in ``functions/``.

moto would run a Lambda in Docker; ``LambdaFunction._invoke_lambda`` is replaced so that every
invocation moto makes (Step Functions Tasks, S3 notifications, SQS event source mappings, the
Invoke API) calls the listed handler in this process instead. A handler's exception comes
back as ``{"errorType", "errorMessage", "stackTrace"}`` with the function-error flag set, as in
AWS, so state machine Retry and Catch match on the error's type.
"""

from __future__ import annotations

import importlib
import json
import logging
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


def _error(kind: str, message: str, trace: str = "") -> dict[str, Any]:
    return {"errorType": kind, "errorMessage": message, "stackTrace": trace.splitlines()}
