"""Sieb test helpers: one embedded wire server per session, a small slice of the sample data
(all suppliers, the first 200 products, their inventory) loaded as the sample database, and the
environment pointing ``soundmosaic.sieb.store`` at it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest
from soundmosaic.sieb import loader, store
from soundmosaic_local.mongo.local import SAMPLE_DIR
from soundmosaic_local.mongo.server import MongoWireServer

PRODUCTS = 200


def write_slice(folder: Path, products: int = PRODUCTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    prods = (SAMPLE_DIR / "products.jsonl").read_text().splitlines()[:products]
    skus = {json.loads(line)["_id"] for line in prods}
    inv = [
        line
        for line in (SAMPLE_DIR / "inventory.jsonl").read_text().splitlines()
        if json.loads(line)["sku"] in skus
    ]
    (folder / "products.jsonl").write_text("\n".join(prods) + "\n")
    (folder / "inventory.jsonl").write_text("\n".join(inv) + "\n")
    (folder / "suppliers.jsonl").write_text((SAMPLE_DIR / "suppliers.jsonl").read_text())
    (folder / "relations.json").write_text((SAMPLE_DIR / "relations.json").read_text())
    return folder


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
