"""A small MongoDB wire-protocol server on 127.0.0.1 backed by ``engine`` (mongomock, completed).

It answers what pymongo sends: the handshake (legacy ``OP_QUERY`` hello/isMaster) and ``OP_MSG``
commands: hello/isMaster, buildInfo, ping, endSessions, find/getMore/killCursors, aggregate, distinct,
insert/update/delete, createIndexes/listIndexes, listCollections, listDatabases, count, drop,
dropDatabase. So the domain code uses a real ``pymongo.MongoClient(MONGODB_URI)`` unchanged,
against this server or a real MongoDB. No authentication (it binds to loopback only); one lock
serialises the engine, which is not thread-safe. ``maxTimeMS`` counts from the command's arrival,
as in MongoDB: waiting for the lock counts, and the engine checks the deadline while it works
(every stage, document filter and expression; ``engine.deadline``), so a command past it stops
there and answers code 50 MaxTimeMSExpired.

With a ``data_dir`` the databases are saved there as BSON (shortly after each write and on stop)
and restored on start, like the rest of the local state.
"""

from __future__ import annotations

import itertools
import json
import logging
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
import mongomock
from bson.codec_options import CodecOptions

from soundmosaic_local.mongo import engine

log = logging.getLogger(__name__)
OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
MAX_WIRE_VERSION = 21  # MongoDB 7.0's
_OPTS: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=False)
_IGNORED = {
    "lsid",
    "$db",
    "$readPreference",
    "$clusterTime",
    "txnNumber",
    "autocommit",
    "apiVersion",
    "comment",
    "writeConcern",
    "readConcern",
    "bypassDocumentValidation",
    "let",
}

_COLLECTION_COMMANDS = {
    "listcollections",
    "find",
    "aggregate",
    "getmore",
    "killcursors",
    "count",
    "countdocuments",
    "distinct",
    "insert",
    "update",
    "delete",
    "createindexes",
    "listindexes",
    "drop",
    "create",
}


# Answered without the engine's lock: the driver's heartbeat (hello) must not wait behind a long
# aggregation, or the driver declares the server unreachable and cancels what is in flight.
_LOCK_FREE = {"hello", "ismaster", "buildinfo", "ping", "endsessions", "getlasterror"}


class CommandError(Exception):
    def __init__(self, message: str, code: int = 2, name: str = "BadValue") -> None:
        super().__init__(message)
        self.code, self.name = code, name


class Engine:
    """The command interpreter over one mongomock client."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.client = engine.new_client()
        self.lock = threading.RLock()
        self.cursors: dict[int, tuple[str, Iterator[dict[str, Any]]]] = {}
        self._ids = itertools.count(1)
        self.data_dir = data_dir
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self.connections = itertools.count(1)
        if data_dir is not None:
            self._restore()
            threading.Thread(target=self._save_loop, daemon=True, name="mongo-save").start()

    # -- persistence ---------------------------------------------------------------------------
    def _restore(self) -> None:
        assert self.data_dir is not None
        for db_dir in sorted(p for p in self.data_dir.glob("*") if p.is_dir()):
            for path in db_dir.glob("*.bson"):
                docs = bson.decode_all(path.read_bytes(), _OPTS)
                coll = self.client[db_dir.name][path.stem]
                if docs:
                    coll.insert_many(docs)
                meta = path.with_suffix(".indexes.json")
                for index in json.loads(meta.read_text()) if meta.exists() else []:
                    coll.create_index(
                        list(index["key"].items()), name=index["name"], unique=index.get("unique", False)
                    )

    def save(self) -> None:
        if self.data_dir is None:
            return
        with self.lock:
            self._dirty.clear()
            for db_name in self.client.list_database_names():
                db_dir = self.data_dir / db_name
                db_dir.mkdir(parents=True, exist_ok=True)
                names = set(self.client[db_name].list_collection_names())
                for stale in db_dir.glob("*.bson"):
                    if stale.stem not in names:
                        stale.unlink()
                for name in names:
                    coll = self.client[db_name][name]
                    tmp = db_dir / f"{name}.bson.tmp"
                    tmp.write_bytes(b"".join(bson.encode(d) for d in coll.find()))
                    tmp.replace(db_dir / f"{name}.bson")
                    indexes = [
                        {"key": dict(v["key"]), "name": k, "unique": v.get("unique", False)}
                        for k, v in coll.index_information().items()
                        if k != "_id_"
                    ]
                    (db_dir / f"{name}.indexes.json").write_text(json.dumps(indexes))

    def _save_loop(self) -> None:
        while not self._stopping.is_set():
            if self._dirty.wait(0.5):
                time.sleep(0.5)  # a loader writes in batches: save once they pause
                self.save()

    def close(self) -> None:
        self._stopping.set()
        self.save()

    # -- commands ------------------------------------------------------------------------------
    def run(self, db_name: str, cmd: dict[str, Any]) -> dict[str, Any]:
        name = next(iter(cmd))
        limit = cmd.get("maxTimeMS")
        at = time.monotonic() + limit / 1000 if isinstance(limit, (int, float)) and limit > 0 else None
        try:
            if name.lower() in _LOCK_FREE:
                reply = self._dispatch(db_name, name, cmd)
            else:
                if not self.lock.acquire(timeout=-1 if at is None else max(0.0, at - time.monotonic())):
                    raise engine.MaxTimeExpired("operation exceeded time limit")
                try:
                    with engine.deadline(at):
                        reply = self._dispatch(db_name, name, cmd)
                finally:
                    self.lock.release()
        except engine.MaxTimeExpired as err:
            return {"ok": 0.0, "errmsg": str(err), "code": 50, "codeName": "MaxTimeMSExpired"}
        except CommandError as err:
            return {"ok": 0.0, "errmsg": str(err), "code": err.code, "codeName": err.name}
        except (
            mongomock.OperationFailure,
            NotImplementedError,
            AssertionError,
            TypeError,
            ValueError,
            KeyError,
            ZeroDivisionError,
        ) as err:
            return {"ok": 0.0, "errmsg": f"{type(err).__name__}: {err}", "code": 2, "codeName": "BadValue"}
        return {**reply, "ok": 1.0}

    def _dispatch(self, db_name: str, name: str, cmd: dict[str, Any]) -> dict[str, Any]:
        db = self.client[db_name]
        lname = name.lower()
        if lname in ("hello", "ismaster"):
            return {
                "ismaster": True,
                "isWritablePrimary": True,
                "helloOk": True,
                "maxBsonObjectSize": 16 * 1024 * 1024,
                "maxMessageSizeBytes": 48_000_000,
                "maxWriteBatchSize": 100_000,
                "localTime": bson.datetime.datetime.now(),
                "logicalSessionTimeoutMinutes": 30,
                "connectionId": 1,
                "minWireVersion": 0,
                "maxWireVersion": MAX_WIRE_VERSION,
                "readOnly": False,
            }
        if lname == "buildinfo":
            return {
                "version": "7.0.0",
                "versionArray": [7, 0, 0, 0],
                "gitVersion": "sieb-embedded",
                "engine": "soundmosaic embedded (mongomock)",
                "bits": 64,
                "maxBsonObjectSize": 16777216,
            }
        if lname in ("ping", "endsessions", "getlasterror"):
            return {}
        if lname == "listdatabases":
            return {
                "databases": [
                    {"name": n, "sizeOnDisk": 0, "empty": False} for n in self.client.list_database_names()
                ],
                "totalSize": 0,
            }
        if lname == "dropdatabase":
            self.client.drop_database(db_name)
            self._dirty.set()
            return {"dropped": db_name}
        if lname not in _COLLECTION_COMMANDS:
            raise CommandError(f"no such command: '{name}'", 59, "CommandNotFound")
        coll_name = cmd[name]
        if lname == "listcollections":
            names = db.list_collection_names(filter=cmd.get("filter") or None)
            batch: list[dict[str, Any]] = [
                {"name": n, "type": "collection", "options": {}, "info": {"readOnly": False}}
                for n in sorted(names)
            ]
            return self._cursor(f"{db_name}.$cmd.listCollections", iter(batch), cmd.get("cursor"))
        coll = db[coll_name] if isinstance(coll_name, str) else None
        if coll is None and lname not in ("getmore", "killcursors"):
            raise CommandError(f"{name} needs a collection name", 73, "InvalidNamespace")
        if lname == "find":
            assert coll is not None
            found = coll.find(cmd.get("filter") or {}, cmd.get("projection") or None)
            if cmd.get("sort"):
                found = found.sort(list(cmd["sort"].items()))
            if cmd.get("skip"):
                found = found.skip(int(cmd["skip"]))
            if cmd.get("limit"):
                found = found.limit(abs(int(cmd["limit"])))
            docs = list(found)
            return self._cursor(
                f"{db_name}.{coll_name}",
                iter(docs),
                {"batchSize": cmd.get("batchSize")},
                single=bool(cmd.get("singleBatch")),
            )
        if lname == "aggregate":
            assert coll is not None
            pipeline = cmd.get("pipeline") or []
            if any(not isinstance(s, dict) or len(s) != 1 for s in pipeline):
                raise CommandError(
                    "a pipeline stage specification object must contain exactly one field",
                    40323,
                    "Location40323",
                )
            docs = list(coll.aggregate(pipeline))
            return self._cursor(f"{db_name}.{coll_name}", iter(docs), cmd.get("cursor"))
        if lname == "getmore":
            cursor_id = int(cmd["getMore"])
            ns, docs_iter = self.cursors.get(cursor_id, ("", iter(())))
            if not ns:
                raise CommandError(f"cursor id {cursor_id} not found", 43, "CursorNotFound")
            batch = list(itertools.islice(docs_iter, int(cmd.get("batchSize") or 101)))
            done = len(batch) < int(cmd.get("batchSize") or 101)
            if done:
                self.cursors.pop(cursor_id, None)
            return {
                "cursor": {"id": bson.int64.Int64(0 if done else cursor_id), "ns": ns, "nextBatch": batch}
            }
        if lname == "killcursors":
            ids = [int(c) for c in cmd.get("cursors", [])]
            for cursor_id in ids:
                self.cursors.pop(cursor_id, None)
            return {"cursorsKilled": ids, "cursorsNotFound": [], "cursorsAlive": [], "cursorsUnknown": []}
        assert coll is not None
        if lname in ("count", "countdocuments"):
            return {"n": coll.count_documents(cmd.get("query") or {})}
        if lname == "distinct":
            return {"values": coll.distinct(cmd["key"], cmd.get("query") or None)}
        if lname == "insert":
            docs = cmd.get("documents") or []
            errors = []
            for i, doc in enumerate(docs):
                try:
                    coll.insert_one(doc)
                except mongomock.DuplicateKeyError as err:
                    errors.append({"index": i, "code": 11000, "errmsg": str(err)})
                    if cmd.get("ordered", True):
                        break
            self._dirty.set()
            reply: dict[str, Any] = {"n": len(docs) - len(errors)}
            return {**reply, "writeErrors": errors} if errors else reply
        if lname == "update":
            n = modified = 0
            upserted = []
            for i, spec in enumerate(cmd.get("updates") or []):
                u, q = spec["u"], spec.get("q") or {}
                replacement = isinstance(u, dict) and u and not any(k.startswith("$") for k in u)
                if replacement and set(q) == {"_id"} and isinstance(q["_id"], (str, int)):
                    # A replacement by _id (what a loader sends): a dict look-up, not mongomock's
                    # scan of the collection per document.
                    store: Any = coll._store
                    if q["_id"] in store:
                        n += 1
                        if store[q["_id"]] != {**u, "_id": q["_id"]}:
                            store[q["_id"]] = {**u, "_id": q["_id"]}
                            modified += 1
                    else:
                        coll.insert_one({**u, "_id": q["_id"]})
                        upserted.append({"index": i, "_id": q["_id"]})
                    continue
                if replacement:
                    res = coll.replace_one(q, u, upsert=bool(spec.get("upsert")))
                elif spec.get("multi"):
                    res = coll.update_many(q, u, upsert=bool(spec.get("upsert")))
                else:
                    res = coll.update_one(q, u, upsert=bool(spec.get("upsert")))
                n += res.matched_count + (1 if res.upserted_id is not None else 0)
                modified += res.modified_count
                if res.upserted_id is not None:
                    upserted.append({"index": i, "_id": res.upserted_id})
            self._dirty.set()
            return {"n": n, "nModified": modified, **({"upserted": upserted} if upserted else {})}
        if lname == "delete":
            n = 0
            for spec in cmd.get("deletes") or []:
                q = spec.get("q") or {}
                n += (coll.delete_one(q) if spec.get("limit") == 1 else coll.delete_many(q)).deleted_count
            self._dirty.set()
            return {"n": n}
        if lname == "createindexes":
            for index in cmd.get("indexes") or []:
                coll.create_index(
                    list(index["key"].items()), name=index.get("name"), unique=bool(index.get("unique"))
                )
            self._dirty.set()
            return {"numIndexesBefore": 1, "numIndexesAfter": 1 + len(cmd.get("indexes") or [])}
        if lname == "listindexes":
            batch = [
                {"v": 2, "key": dict(v["key"]), "name": k, **({"unique": True} if v.get("unique") else {})}
                for k, v in coll.index_information().items()
            ]
            return self._cursor(f"{db_name}.{coll_name}", iter(batch), cmd.get("cursor"))
        if lname == "drop":
            if coll_name not in db.list_collection_names():
                raise CommandError("ns not found", 26, "NamespaceNotFound")
            coll.drop()
            self._dirty.set()
            return {"ns": f"{db_name}.{coll_name}", "nIndexesWas": 1}
        if lname == "create":
            db.create_collection(coll_name)
            self._dirty.set()
            return {}
        raise CommandError(f"no such command: '{name}'", 59, "CommandNotFound")

    def _cursor(
        self, ns: str, docs: Iterator[dict[str, Any]], options: dict[str, Any] | None, single: bool = False
    ) -> dict[str, Any]:
        size = (options or {}).get("batchSize")
        size = 101 if size is None else int(size)
        first = list(itertools.islice(docs, size)) if size else []
        cursor_id = 0
        if not single and (size == 0 or len(first) == size):
            cursor_id = next(self._ids)
            self.cursors[cursor_id] = (ns, docs)
        return {"cursor": {"id": bson.int64.Int64(cursor_id), "ns": ns, "firstBatch": first}}


class _Handler(socketserver.BaseRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        sock = self.request
        while True:
            header = _read(sock, 16)
            if header is None:
                return
            length, request_id, _, opcode = struct.unpack("<iiii", header)
            body = _read(sock, length - 16)
            if body is None:
                return
            if opcode == OP_MSG:
                reply = self._op_msg(body)
                payload = struct.pack("<I", 0) + b"\x00" + bson.encode(reply)
                out_op = OP_MSG
            elif opcode == OP_QUERY:
                reply = self._op_query(body)
                payload = struct.pack("<iqii", 0, 0, 0, 1) + bson.encode(reply)
                out_op = OP_REPLY
            else:
                log.warning("unsupported opcode %s", opcode)
                return
            sock.sendall(struct.pack("<iiii", 16 + len(payload), request_id, request_id, out_op) + payload)

    def _op_msg(self, body: bytes) -> dict[str, Any]:
        flags = struct.unpack_from("<I", body)[0]
        end = len(body) - (4 if flags & 1 else 0)
        pos, cmd = 4, None
        sequences: dict[str, list[Any]] = {}
        while pos < end:
            kind = body[pos]
            pos += 1
            if kind == 0:
                size = struct.unpack_from("<i", body, pos)[0]
                cmd = bson.decode(body[pos : pos + size], _OPTS)
                pos += size
            else:
                size = struct.unpack_from("<i", body, pos)[0]
                section = body[pos + 4 : pos + size]
                ident, _, docs = section.partition(b"\x00")
                sequences[ident.decode()] = bson.decode_all(docs, _OPTS)
                pos += size
        assert cmd is not None
        cmd.update(sequences)
        db_name = cmd.get("$db", "admin")
        cmd = {k: v for k, v in cmd.items() if k not in _IGNORED}
        return self.server.engine.run(db_name, cmd)

    def _op_query(self, body: bytes) -> dict[str, Any]:
        name_end = body.index(b"\x00", 4)
        collection = body[4:name_end].decode()
        pos = name_end + 1 + 8
        size = struct.unpack_from("<i", body, pos)[0]
        query = bson.decode(body[pos : pos + size], _OPTS)
        if "$query" in query:
            query = query["$query"]
        return self.server.engine.run(
            collection.split(".")[0], {k: v for k, v in query.items() if k not in _IGNORED}
        )


def _read(sock: Any, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = sock.recv(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    engine: Engine


class MongoWireServer:
    """Start/stop the server on a free loopback port: ``uri`` is what MONGODB_URI should say."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None) -> None:
        self.host, self.port, self.data_dir = host, port, data_dir
        self._server: _TcpServer | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    def start(self) -> MongoWireServer:
        self._server = _TcpServer((self.host, self.port), _Handler)
        self._server.engine = Engine(self.data_dir)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True, name="mongo-wire").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.engine.close()
            self._server = None

    def __enter__(self) -> MongoWireServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
