"""A local stack run inside a process (the CLI's commands, the integration tests) points that
process at itself through the environment; when it stops, the process gets its environment back.
Otherwise what runs next in the process (a later test, a second command) keeps the resource names
and AWS_ENDPOINT_URL of a server that is gone and fails with "Could not connect"."""

from __future__ import annotations

import os
from pathlib import Path

from soundmosaic_local.runtime.stack import LocalStack


def test_a_stopped_stack_gives_the_process_its_environment_back(tmp_path: Path) -> None:
    before = dict(os.environ)
    with LocalStack(tmp_path, port=0, background=False) as stack:
        assert os.environ["AWS_ENDPOINT_URL"] == stack.aws_endpoint
        assert os.environ["PROVIDER_KEYS_SECRET"] and os.environ["MONGODB_URI"]
    assert dict(os.environ) == before
