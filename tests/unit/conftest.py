"""Unit tests run against moto in-process (``mock_aws``), with the catalogue's tables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws
from soundmosaic.platform import aws
from soundmosaic.runtime import provision


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "unit")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unit")
    for name, value in provision.environment("unit", "http://localhost").items():
        monkeypatch.setenv(name, value)
    aws.reset()
    with mock_aws():
        provision.create_storage("unit")
        yield
    aws.reset()
