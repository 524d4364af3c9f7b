"""The embedded wire server through the real pymongo driver: handshake, cursors, writes,
indexes, errors, persistence, maxTimeMS. Hostile input tried: an unknown command, a malformed stage, a
stage object with two keys, a getMore on a cursor that does not exist."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pymongo
import pytest
from pymongo.errors import ExecutionTimeout, OperationFailure
from soundmosaic_local.mongo import engine, server
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


class _Clock:
    """A clock that moves 1 ms each time it is read: a deadline is met after a known number of
    checks, whatever the machine's speed (no timing in the test)."""

    def __init__(self) -> None:
        self.now, self.reads = 0.0, 0

    def monotonic(self) -> float:
        self.reads += 1
        self.now += 0.001
        return self.now

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


def test_max_time_ms_stops_a_command_while_it_runs(
    wire: MongoWireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """maxTimeMS from pymongo's aggregate: the engine checks the deadline as it works and stops
    mid-way with code 50 (MaxTimeMSExpired), not after the command ran to its end."""
    client: pymongo.MongoClient = pymongo.MongoClient(wire.uri)  # type: ignore[type-arg]
    db = client["t_maxtime"]
    db.docs.drop()
    db.docs.insert_many([{"_id": i, "v": i} for i in range(2000)])
    pipeline = [{"$addFields": {"w": {"$multiply": ["$v", 2]}}}, {"$match": {"w": {"$gte": 0}}}]
    clock = _Clock()
    monkeypatch.setattr(engine, "time", clock)
    monkeypatch.setattr(server, "time", clock)
    assert len(list(db.docs.aggregate(pipeline, maxTimeMS=10_000_000))) == 2000
    whole = clock.reads  # the checks of the whole command
    clock.reads = 0
    with pytest.raises(ExecutionTimeout) as stopped:
        list(db.docs.aggregate(pipeline, maxTimeMS=100))
    assert stopped.value.code == 50 and stopped.value.details["codeName"] == "MaxTimeMSExpired"
    assert clock.reads <= 102 < 2000 < whole  # stopped at the deadline's check, not at the end
    monkeypatch.undo()
    assert db.docs.count_documents({}) == 2000  # the server goes on


def test_max_time_ms_counts_the_wait_for_the_engine() -> None:
    eng = server.Engine()
    replies: list[dict] = []
    with eng.lock:  # another command holds the engine
        waiting = threading.Thread(
            target=lambda: replies.append(eng.run("t", {"find": "docs", "maxTimeMS": 50}))
        )
        waiting.start()
        waiting.join()
    assert replies[0]["code"] == 50 and replies[0]["codeName"] == "MaxTimeMSExpired"
    assert eng.run("t", {"find": "docs", "maxTimeMS": 50})["ok"] == 1.0


def test_a_question_past_its_time_limit_says_so(sieb_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from soundmosaic.sieb import service

    monkeypatch.setenv("SIEB_MAX_TIME_MS", "20")
    monkeypatch.setattr(engine, "time", _Clock())
    monkeypatch.setattr(server, "time", engine.time)
    with pytest.raises(service.QueryFailed, match=r"time limit of 20 ms \(maxTimeMS\)"):
        service.ask("artist-a", "total stock value per warehouse")
