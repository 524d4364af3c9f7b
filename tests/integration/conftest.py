"""The local stack, started once per test session in a temporary data directory."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from soundmosaic_local.runtime.stack import LocalStack

pytestmark = pytest.mark.integration


# Package scope: the stack stops when the integration tests are done, before the unit tests'
# in-process moto (mock_aws) patches botocore under its background threads.
@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # Drop folder and scheduler are driven by the tests themselves (poll/run_rule).
    with LocalStack(tmp_path_factory.mktemp("stack"), port=0, background=False) as running:
        yield running


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a ``soundmosaic`` process a test starts beside the package's stack.

    The stack has pointed this process at its own embedded MongoDB (``MONGODB_URI``); a child
    stack that inherited it would take it as the user's server and load its Sieb sample into the
    package's (a ``kill -9`` mid-load left the shared sample half-loaded).
    """
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    return {**env, **extra}


class Api:
    """An HTTP client of the local API acting as one artist."""

    def __init__(self, stack: LocalStack, artist: str) -> None:
        self.stack = stack
        self.http = httpx.Client(base_url=stack.api_url + "/api", timeout=60,
                                 headers={"Authorization": f"Bearer {stack.dev_token(artist)}"})

    def upload(self, path: Path, name: str | None = None, **extra: Any) -> dict[str, Any]:
        data = path.read_bytes()
        session = self.http.post("/uploads", json={"filename": name or path.name,
                                                   "size_bytes": len(data), **extra})
        assert session.status_code == 201, session.text
        upload = session.json()
        assert not upload["multipart"]
        put = httpx.put(upload["url"], content=data, headers=upload["headers"])
        assert put.status_code == 200, put.text
        return upload

    def job_for(self, key: str, timeout: float = 60) -> dict[str, Any]:
        """Wait for the job of an uploads-bucket key to finish."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = self.http.get("/jobs", params={"limit": 200}).json()["items"]
            job = next((j for j in items if j["subject"].get("key") == key), None)
            if job and job["status"] in ("succeeded", "failed"):
                return job
            time.sleep(0.2)
        raise AssertionError(f"no finished job for {key}")


@pytest.fixture(scope="package")
def api(stack: LocalStack) -> Api:
    return Api(stack, "artist-a")


@pytest.fixture(scope="package")
def other(stack: LocalStack) -> Api:
    return Api(stack, "artist-b")


@pytest.fixture(scope="package")
def demo_songs(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """The offline demo catalog (16 rendered songs) loaded into the stack's catalog table."""
    from soundmosaic.catalog.store import CatalogStore
    from soundmosaic_local.fixtures import demo_catalog

    return demo_catalog.build(tmp_path_factory.mktemp("demo-catalog"), CatalogStore())
