"""The same pipeline code path against a real MongoDB when ``MONGODB_TEST_URI`` names one
(Atlas, a local mongod, DocumentDB through a tunnel), else against the embedded wire server, so
this never skips. It loads a slice into a database of its own, asks through ``sieb.service``,
and compares with plain Python."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest
from soundmosaic.sieb import loader, service, store
from soundmosaic_local.mongo.server import MongoWireServer

from tests.sieb_slice import write_slice

pytestmark = pytest.mark.mongodb


@pytest.fixture(scope="module")
def server_uri() -> Iterator[str]:
    external = os.environ.get("MONGODB_TEST_URI")
    if external:
        yield external
        return
    with MongoWireServer() as embedded:
        yield embedded.uri


def test_the_same_pipelines_on_the_configured_server(
    server_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_slice(tmp_path / "slice", products=80)
    client: pymongo.MongoClient = pymongo.MongoClient(server_uri)  # type: ignore[type-arg]
    artist = "sieb-real-server-test"
    db = client[store.tenant_db_name(artist)]
    client.drop_database(db.name)
    loader.load(db, folder)
    monkeypatch.setenv("MONGODB_URI", server_uri)
    monkeypatch.setenv("SIEB_ENGINE", "offline")
    store.client.cache_clear()
    try:
        inv = [json.loads(line) for line in (folder / "inventory.jsonl").read_text().splitlines()]
        answer = service.ask(artist, "total on hand per warehouse")
        expected: dict[str, int] = {}
        for r in inv:
            expected[r["warehouse"]["city"]] = expected.get(r["warehouse"]["city"], 0) + r["on_hand"]
        assert {r["warehouse_city"]: r["sum_on_hand"] for r in answer["rows"]} == expected
        value = service.ask(artist, "which category has the highest stock value")
        assert len(value["rows"]) == 1 and value["rows"][0]["sum_stock_value"] > 0
    finally:
        store.client.cache_clear()
        client.drop_database(db.name)
