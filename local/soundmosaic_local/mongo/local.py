"""The embedded MongoDB for ``soundmosaic up`` and the CLI: started over ``<data>/mongo`` unless
``MONGODB_URI`` names a server already, with the Sieb sample data loaded on a first start."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pymongo
from soundmosaic.sieb import loader, store

from soundmosaic_local.mongo.server import MongoWireServer

log = logging.getLogger(__name__)
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sieb"


def start(data_dir: Path, host: str = "127.0.0.1") -> MongoWireServer | None:
    """Start the embedded server and point MONGODB_URI at it; None when MONGODB_URI is set."""
    if os.environ.get("MONGODB_URI"):
        return None
    server = MongoWireServer(host=host, data_dir=data_dir / "mongo").start()
    os.environ["MONGODB_URI"] = server.uri
    os.environ.setdefault("SIEB_MAX_TIME_MS", "120000")  # the pure-Python engine is slower
    store.client.cache_clear()
    return server


def stop(server: MongoWireServer | None) -> None:
    if server is not None:
        server.stop()
        if os.environ.get("MONGODB_URI") == server.uri:
            del os.environ["MONGODB_URI"]
        store.client.cache_clear()


def load_sample(uri: str | None = None) -> str:
    """Load the sample collections into ``sieb_sample`` unless they are there (a first start)."""
    client: pymongo.MongoClient = pymongo.MongoClient(uri or os.environ["MONGODB_URI"], tz_aware=True)  # type: ignore[type-arg]
    try:
        db = client[store.SAMPLE_DB]
        if db.list_collection_names():
            return "loaded before"
        result = loader.load(db, SAMPLE_DIR)
        return "loaded " + ", ".join(f"{n} {c['documents']}" for n, c in result["collections"].items())
    finally:
        client.close()
