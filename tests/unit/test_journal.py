"""The write-ahead journal of the local runtime, and replaying it into moto.

The journal itself (``runtime/journal.py``) is plain files: order, torn tails, segments and the
replay position. The replay tests drive moto's own WSGI application through ``DirtyTracker``
with hand-made requests (no server, no network), then replay the journal into fresh backends.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws
from soundmosaic_local.runtime import persistence, snapshots
from soundmosaic_local.runtime.journal import MAGIC, Journal, encode
from soundmosaic_local.runtime.persistence import DirtyTracker, decode_record, encode_record, journaled
from soundmosaic_local.runtime.snapshots import Captured, Dirty, SnapshotStore, capture
from werkzeug.test import Client

# -- the journal -------------------------------------------------------------------------------


def _write(folder: Path, payloads: list[bytes], after: int = 0) -> Journal:
    journal = Journal(folder)
    list(journal.recover(after))
    journal.open(after)
    for payload in payloads:
        journal.sync(journal.append(payload))
    return journal


def _recovered(folder: Path, after: int = 0) -> list[tuple[int, bytes]]:
    return list(Journal(folder).recover(after))


def test_records_come_back_in_order_with_their_bytes_as_written(tmp_path):
    payloads = [b"", b"\x00\xff\r\n" * 3, os.urandom(70_000), "é".encode()]
    _write(tmp_path, payloads).close()
    assert _recovered(tmp_path) == list(enumerate(payloads, start=1))


@pytest.mark.parametrize("cut", [1, 7, 20, 25, 100])
def test_a_torn_last_record_is_ignored_and_cut_off(tmp_path, cut):
    journal = _write(tmp_path, [b"first", b"second", b"x" * 200])
    journal.close()
    (_, segment), = journal.segments()
    size = segment.stat().st_size
    with open(segment, "r+b") as handle:  # the last record, torn `cut` bytes before its end
        handle.truncate(size - cut)
    assert _recovered(tmp_path) == [(1, b"first"), (2, b"second")]
    assert segment.stat().st_size == size - len(encode(3, b"x" * 200))  # cut back to whole records
    resumed = Journal(tmp_path)
    list(resumed.recover())
    resumed.open()
    assert resumed.append(b"third again") == 3  # the torn record's LSN is free again
    resumed.close()
    assert [p for _, p in _recovered(tmp_path)] == [b"first", b"second", b"third again"]


def test_garbage_or_a_bad_checksum_ends_the_journal_there(tmp_path):
    journal = _write(tmp_path, [b"one", b"two", b"three"])
    journal.close()
    (_, segment), = journal.segments()
    data = bytearray(segment.read_bytes())
    second = len(MAGIC) + len(encode(1, b"one"))
    data[second + 20] ^= 0x01  # a flipped bit in record 2's payload
    segment.write_bytes(bytes(data))
    assert _recovered(tmp_path) == [(1, b"one")]

    other = tmp_path / "zeros"
    _write(other, [b"kept"]).close()
    (_, segment), = Journal(other).segments()
    with open(segment, "ab") as handle:
        handle.write(b"\x00" * 4096)  # a tail of zeros, as a filesystem may leave after a crash
    assert _recovered(other) == [(1, b"kept")]


def test_replay_starts_after_the_snapshot_position_and_compaction_keeps_what_is_not_covered(tmp_path):
    journal = _write(tmp_path, [b"a", b"b", b"c"])
    assert journal.rotate() == 3  # a snapshot covering 1..3 would be cut here
    for payload in (b"d", b"e"):
        journal.sync(journal.append(payload))
    assert len(journal.segments()) == 2
    assert [lsn for lsn, _ in _recovered(tmp_path, after=3)] == [4, 5]
    assert [lsn for lsn, _ in _recovered(tmp_path, after=4)] == [5]
    assert journal.drop_through(2) == 0  # segment 1 still holds record 3
    assert journal.drop_through(3) == 1
    assert [first for first, _ in journal.segments()] == [4]
    assert journal.drop_through(5) == 0  # the segment being written stays
    journal.close()
    # A restart with the snapshot at 3 replays 4 and 5, and the next record is 6.
    again = Journal(tmp_path)
    assert [lsn for lsn, _ in again.recover(after=3)] == [4, 5]
    again.open(after=3)
    assert again.append(b"f") == 6
    again.close()


def test_a_journal_with_nothing_after_the_snapshot_continues_after_the_snapshot(tmp_path):
    journal = _write(tmp_path, [b"a"])
    journal.rotate()
    journal.drop_through(1)
    journal.close()
    again = Journal(tmp_path)
    assert list(again.recover(after=7)) == []  # a snapshot at 7 (journal emptied by compaction)
    again.open(after=7)
    assert again.append(b"next") == 8
    again.close()
    assert [first for first, _ in again.segments()] == [8]  # no empty leftovers in the sequence
    assert _recovered(tmp_path, after=7) == [(8, b"next")]


def test_concurrent_writers_get_distinct_lsns_and_each_sync_covers_its_record(tmp_path):
    journal = _write(tmp_path, [])
    got: dict[int, bytes] = {}
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(50):
            payload = f"{n}:{i}".encode()
            lsn = journal.append(payload)
            journal.sync(lsn)
            assert journal.durable_lsn >= lsn
            with lock:
                got[lsn] = payload

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    journal.close()
    assert sorted(got) == list(range(1, 201))
    assert _recovered(tmp_path) == sorted(got.items())


def test_a_record_keeps_the_request_and_its_body_byte_for_byte():
    body = bytes(range(256)) * 3
    environ = {"REQUEST_METHOD": "PUT", "PATH_INFO": "/b/k é", "moto.preserved_header_names": {"a": "A_b"}}
    meta = {"upload_id": "u"}
    assert decode_record(encode_record(environ, body, meta)) == (environ, body, meta)


# -- which requests are journaled, and what they touch ----------------------------------------


def _auth(service: str) -> str:
    return (f"AWS4-HMAC-SHA256 Credential=unit/20260101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0")


def test_only_item_and_object_writes_are_journaled():
    def ddb(op: str) -> dict[str, str]:
        return {"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{op}"}

    def s3(method: str, path: str, query: str = "") -> dict[str, str]:
        return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                "HTTP_AUTHORIZATION": _auth("s3")}

    for op in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"):
        assert journaled(ddb(op)) == "dynamodb"
    for op in ("GetItem", "Query", "CreateTable", "UpdateTimeToLive", "TransactGetItems"):
        assert journaled(ddb(op)) is None
    assert journaled(s3("PUT", "/b/k")) == "s3"
    assert journaled(s3("PUT", "/b/k", "partNumber=1&uploadId=u")) == "s3"
    assert journaled(s3("DELETE", "/b/k")) == "s3"
    assert journaled(s3("POST", "/b", "delete")) == "s3"
    assert journaled(s3("GET", "/b/k")) is None
    assert journaled(s3("PUT", "/b", "cors")) is None  # bucket configuration: provisioning
    assert journaled(s3("PUT", "/b")) is None
    assert journaled(s3("POST", "/b/k", "select&select-type=2")) is None  # a query, not a write
    presigned = {"REQUEST_METHOD": "PUT", "PATH_INFO": "/b/k",
                 "QUERY_STRING": "X-Amz-Credential=unit%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"}
    assert journaled(presigned) == "s3"


# -- replay into moto ---------------------------------------------------------------------------

TABLE, BUCKET = "unit-journal", "unit-journal-bucket"
CATALOG = snapshots.Catalog({TABLE: ("pk", "sk")}, frozenset({BUCKET}))


class Moto:
    """moto's server-mode WSGI app behind a ``DirtyTracker``, driven without a server."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.tracker = DirtyTracker(DomainDispatcherApplication(create_backend_app))
        self.client = Client(self.tracker)

    def ddb(self, op: str, body: dict[str, Any]) -> Any:
        return self.client.post("/", data=json.dumps(body), headers={
            "X-Amz-Target": f"DynamoDB_20120810.{op}", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": _auth("dynamodb"), "Host": "localhost"})

    def s3(self, method: str, path: str, data: bytes = b"", **headers: str) -> Any:
        # RAW_URI: the path as sent, as werkzeug's server passes it on (moto decodes S3 keys from it).
        return self.client.open(path, method=method, data=data, environ_overrides={"RAW_URI": path},
                                headers={"Authorization": _auth("s3"), "Host": "localhost", **headers})

    def provision(self) -> None:
        assert self.ddb("CreateTable", {
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "S"}]}).status_code == 200
        assert self.s3("PUT", f"/{BUCKET}").status_code == 200


def _key(sk: str) -> dict[str, Any]:
    return {"pk": {"S": "p"}, "sk": {"S": sk}}


def _add(n: int) -> dict[str, Any]:
    return {"TableName": TABLE, "Key": _key("counter"), "UpdateExpression": "ADD n :n",
            "ExpressionAttributeValues": {":n": {"N": str(n)}}}


def _state() -> dict[str, Any]:
    """Everything in the table and the bucket, as a snapshot would copy it."""
    got: Captured = capture(Dirty(items={TABLE: None}, objects={BUCKET: None}))
    return {"items": sorted((k, v) for _, k, v in got.items),
            "objects": sorted((k, hashlib.sha256(b or b"").hexdigest(), json.dumps(a, sort_keys=True))
                              for _, k, b, a in got.objects),
            "uploads": sorted((u, json.dumps(a, sort_keys=True)) for _, u, a in got.uploads),
            "parts": sorted((u, n, hashlib.sha256(d).hexdigest()) for _, u, n, d in got.parts)}


@pytest.fixture
def moto_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    yield


def _writes(moto: Moto, first_half: bool) -> None:
    if first_half:
        assert moto.ddb("PutItem", {"TableName": TABLE, "Item": {**_key("counter"), "n": {"N": "0"},
                                                                 "fp": {"B": "AP8Q"}}}).status_code == 200
        for _ in range(3):
            assert moto.ddb("UpdateItem", _add(1)).status_code == 200
        claim = {"TableName": TABLE, "Item": {**_key("claim"), "by": {"S": "first"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}
        assert moto.ddb("PutItem", claim).status_code == 200
        claim["Item"]["by"] = {"S": "second"}
        assert moto.ddb("PutItem", claim).status_code == 400  # lost the race: not journaled
        assert moto.s3("PUT", f"/{BUCKET}/a%20b/%C3%A9.wav", b"\x00\x01 audio", **{
            "Content-Type": "audio/wav", "x-amz-meta-take": "1"}).status_code == 200
        return
    assert moto.ddb("UpdateItem", _add(2)).status_code == 200
    assert moto.ddb("BatchWriteItem", {"RequestItems": {TABLE: [
        {"PutRequest": {"Item": {**_key(f"batch-{i}"), "i": {"N": str(i)}}}} for i in range(3)]
        + [{"DeleteRequest": {"Key": _key("claim")}}]}}).status_code == 200
    assert moto.ddb("TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": TABLE, "Key": _key("batch-0"), "UpdateExpression": "SET t = :t",
                    "ExpressionAttributeValues": {":t": {"S": "x"}}}},
        {"Delete": {"TableName": TABLE, "Key": _key("batch-1")}}]}).status_code == 200
    assert moto.s3("PUT", f"/{BUCKET}/copy.wav", **{"x-amz-copy-source": f"/{BUCKET}/a%20b/%C3%A9.wav"}
                   ).status_code == 200
    created = moto.s3("POST", f"/{BUCKET}/big.bin?uploads")
    assert created.status_code == 200
    upload_id = persistence._UPLOAD_ID.search(created.data).group(1).decode()
    part = moto.s3("PUT", f"/{BUCKET}/big.bin?partNumber=1&uploadId={upload_id}", b"p" * 1000)
    assert part.status_code == 200
    assert moto.s3("DELETE", f"/{BUCKET}/a%20b/%C3%A9.wav").status_code == 204


def test_replaying_the_journal_on_the_snapshot_it_follows_gives_the_same_state(tmp_path, moto_env):
    journal_dir, store_dir = tmp_path / "journal", tmp_path / "state"
    with mock_aws():
        moto = Moto()
        moto.provision()
        journal = Journal(journal_dir)
        journal.open()
        moto.tracker.arm(journal, CATALOG, journaling=True)
        _writes(moto, first_half=True)
        # A snapshot cut halfway: the state after record N, then more writes.
        lsn, dirty, captured = moto.tracker.cut(capture)
        assert lsn == journal.last_lsn == 6  # the failed conditional put is not in the journal
        assert dirty.items == {TABLE: {json.dumps([_key("counter")[k] for k in ("pk", "sk")]),
                                       json.dumps([_key("claim")[k] for k in ("pk", "sk")])}}
        store = SnapshotStore(store_dir)
        store.commit(captured, lsn)
        _writes(moto, first_half=False)
        expected = _state()
        moto.tracker.close()
    assert expected["uploads"] and expected["parts"] and len(expected["objects"]) == 1

    with mock_aws():  # a restart: fresh backends, the snapshot, then the journal after it
        moto = Moto()
        moto.provision()
        assert snapshots.load_items(TABLE, store.items(TABLE)) == 2
        for key, blob, attrs in store.objects(BUCKET):
            snapshots.load_object(BUCKET, key, store.blob_path(blob).read_bytes(), attrs)
        journal = Journal(journal_dir)
        assert moto.tracker.replay(journal.recover(after=store.lsn), CATALOG) == 7
        assert _state() == expected
        moto.tracker.close()

    with mock_aws():  # records the snapshot already holds would count twice: the position matters
        moto = Moto()
        moto.provision()
        snapshots.load_items(TABLE, store.items(TABLE))
        moto.tracker.replay(Journal(journal_dir).recover(after=1), CATALOG)  # 2..6 again
        counter = json.loads(dict(_state()["items"])[json.dumps([{"S": "p"}, {"S": "counter"}])])
        assert counter["n"] == {"N": "8"}  # 3 in the snapshot + 3 again + 2, not 5
        moto.tracker.close()
    store.close()


def test_a_snapshot_in_the_format_before_the_journal_is_loaded_and_migrated(tmp_path, aws_env):
    from soundmosaic_local.runtime.persistence import Snapshotter

    state = tmp_path / "state"
    tracks, media = "soundmosaic-unit-tracks", "soundmosaic-unit-media"
    item = {"artist_id": {"S": "a"}, "track_id": {"S": "t"}, "fp": {"B": "AP8Q"}, "n": {"N": "3"}}
    (state / "dynamodb").mkdir(parents=True)
    (state / "dynamodb" / f"{tracks}.json").write_text(json.dumps([item]))
    objects = state / "s3" / media / "objects"
    objects.mkdir(parents=True)
    (objects / "f1").write_bytes(b"RIFF audio")
    (state / "s3" / media / "index.json").write_text(json.dumps({"o/take.wav": {
        "file": "f1", "etag": '"e0c1a9e6c9b8b3a3f2c2e8a7a1f0e9d8"', "content_type": "audio/wav",
        "metadata": {"take": "1"}}}))
    moto = Moto()
    snapshotter = Snapshotter(state, "unit")
    counts = snapshotter.restore(moto.tracker)
    assert counts["items"] == 1 and counts["objects"] == 1
    got = capture(Dirty(items={tracks: None}, objects={media: None}))
    assert json.loads(got.items[0][2]) == item
    (_, key, body, attrs), = got.objects
    assert (key, body, attrs["metadata"]["content-type"], attrs["metadata"]["x-amz-meta-take"]) == (
        "o/take.wav", b"RIFF audio", "audio/wav", "1")
    assert not (state / "dynamodb").exists() and not (state / "s3").exists()  # migrated
    assert snapshotter.store is not None and list(snapshotter.store.items(tracks)) == [got.items[0][2]]
    snapshotter.close()
