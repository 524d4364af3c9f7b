"""The embedded wire server through the real pymongo driver: handshake, cursors, writes,
indexes, errors, persistence. Hostile input tried: an unknown command, a malformed stage, a
stage object with two keys, a getMore on a cursor that does not exist."""

from __future__ import annotations

from pathlib import Path

import pymongo
import pytest
from pymongo.errors import OperationFailure
from soundmosaic_local.mongo.server import MongoWireServer


def test_handshake_cursors_and_writes(wire: MongoWireServer) -> None:
    client: pymongo.MongoClient = pymongo.MongoClient(wire.uri)  # type: ignore[type-arg]
    assert client.server_info()["version"].startswith("7.")
    db = client["t_cursors"]
    db.docs.drop()
    db.docs.insert_many([{"_id": i, "v": i % 7, "tag": ["a", "b"][i % 2]} for i in range(350)])
    assert db.docs.count_documents({}) == 350
    assert [d["_id"] for d in db.docs.find({"v": 3}).sort("_id", -1).limit(2)] == [346, 339]
    assert len(list(db.docs.find({}, batch_size=50))) == 350  # getMore until the cursor is spent
    assert len(list(db.docs.aggregate([{"$match": {"tag": "a"}}], batchSize=10))) == 175
    assert sorted(db.docs.distinct("tag")) == ["a", "b"]
    db.docs.replace_one({"_id": 1}, {"v": 100}, upsert=True)
    db.docs.replace_one({"_id": 1000}, {"v": 5}, upsert=True)
    assert db.docs.find_one({"_id": 1}) == {"_id": 1, "v": 100}
    assert db.docs.count_documents({}) == 351
    db.docs.create_index("v")
    assert "v_1" in [i["name"] for i in db.docs.list_indexes()]
    assert "docs" in db.list_collection_names()
    db.docs.delete_many({"v": 5})
    assert db.docs.count_documents({"v": 5}) == 0
    db.docs.drop()
    assert "docs" not in db.list_collection_names()


def test_errors_answer_and_the_server_goes_on(wire: MongoWireServer) -> None:
    client: pymongo.MongoClient = pymongo.MongoClient(wire.uri)  # type: ignore[type-arg]
    db = client["t_errors"]
    with pytest.raises(OperationFailure) as unknown:
        db.command("shutdown")
    assert unknown.value.code == 59
    with pytest.raises(OperationFailure):
        list(db.docs.aggregate([{"$nosuchstage": {}}]))
    with pytest.raises(OperationFailure) as two_keys:
        db.command({"aggregate": "docs", "pipeline": [{"$match": {}, "$limit": 1}], "cursor": {}})
    assert "exactly one field" in str(two_keys.value)
    with pytest.raises(OperationFailure) as cursor:
        db.command({"getMore": 424242, "collection": "docs"})
    assert cursor.value.code == 43
    assert client.admin.command("ping")["ok"] == 1.0


def test_data_survives_a_restart(tmp_path: Path) -> None:
    with MongoWireServer(data_dir=tmp_path) as first:
        client: pymongo.MongoClient = pymongo.MongoClient(first.uri)  # type: ignore[type-arg]
        client.kept.things.insert_many([{"_id": "a", "n": 1}, {"_id": "b", "n": 2}])
        client.kept.things.create_index("n")
        client.close()
    with MongoWireServer(data_dir=tmp_path) as second:
        client = pymongo.MongoClient(second.uri)
        assert sorted(d["_id"] for d in client.kept.things.find()) == ["a", "b"]
        assert "n_1" in [i["name"] for i in client.kept.things.list_indexes()]
        client.close()
