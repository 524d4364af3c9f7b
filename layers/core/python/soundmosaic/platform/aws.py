"""boto3 clients, made once per process. The only place the platform core builds clients.

boto3 honours ``AWS_ENDPOINT_URL``, which the local runtime points at its moto server, so the
same code talks to AWS when deployed and to the embedded stack on a laptop.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, signature_version="s3v4")


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)  # type: ignore[call-overload]


@functools.cache
def resource(service: str) -> Any:
    return boto3.resource(service, config=_CONFIG)  # type: ignore[call-overload]


def reset() -> None:
    """Forget cached clients (the endpoint or credentials changed, e.g. between tests)."""
    client.cache_clear()
    resource.cache_clear()
