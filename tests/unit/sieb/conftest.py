"""Sieb test helpers: one embedded wire server per session, a small slice of the sample data
(all suppliers, the first 200 products, their inventory) loaded as the sample database, and the
environment pointing ``soundmosaic.sieb.store`` at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest
from soundmosaic.sieb import loader, store
from soundmosaic_local.mongo.server import MongoWireServer

from tests.sieb_slice import write_slice


@pytest.fixture(scope="session")
def wire() -> Iterator[MongoWireServer]:
    with MongoWireServer() as server:
        yield server


@pytest.fixture(scope="session")
def slice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_slice(tmp_path_factory.mktemp("sieb-slice"))


@pytest.fixture(scope="session")
def loaded(wire: MongoWireServer, slice_dir: Path) -> str:
    """The slice as the sample database of the session's server; returns the URI."""
    client: pymongo.MongoClient = pymongo.MongoClient(wire.uri)  # type: ignore[type-arg]
    loader.load(client[store.SAMPLE_DB], slice_dir)
    client.close()
    return wire.uri


@pytest.fixture
def sieb_env(loaded: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("MONGODB_URI", loaded)
    monkeypatch.setenv("SIEB_ENGINE", "offline")
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    store.client.cache_clear()
    yield loaded
    store.client.cache_clear()
    assert os.environ["MONGODB_URI"] == loaded
