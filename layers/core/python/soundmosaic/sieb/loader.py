"""Load collections from a folder of Extended JSON lines (``<collection>.jsonl``) into a database.

``bson.json_util`` keeps ``$numberDecimal`` as Decimal128 and ``$date`` as a date. Documents are
upserted by ``_id`` (a second load changes nothing), and indexes are created on the join keys the
schema card finds plus the fields planners filter on. A bad line stops the load before anything
is written, naming the file and line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bson import json_util
from pymongo import ReplaceOne

from soundmosaic.sieb import schema

MAX_DOCS = 200_000
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


class LoadError(ValueError):
    pass


def read_dir(folder: Path) -> dict[str, list[dict[str, Any]]]:
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise LoadError(f"{folder} holds no <collection>.jsonl files")
    out: dict[str, list[dict[str, Any]]] = {}
    for path in files:
        if not _NAME.match(path.stem):
            raise LoadError(f"{path.name}: a collection name is letters, digits and _ (max 64)")
        docs = []
        with path.open(encoding="utf-8") as lines:
            for n, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    doc = json_util.loads(line)
                except ValueError as err:
                    raise LoadError(f"{path.name} line {n}: not Extended JSON ({err})") from None
                if not isinstance(doc, dict) or "_id" not in doc:
                    raise LoadError(f"{path.name} line {n}: a document needs an _id")
                docs.append(doc)
                if len(docs) > MAX_DOCS:
                    raise LoadError(f"{path.name}: more than {MAX_DOCS} documents")
        out[path.stem] = docs
    return out


def read_relations(folder: Path) -> list[dict[str, str]]:
    """``relations.json`` (optional): ``{"relations": [{"from": "coll.field", "to": "other._id"}]}``."""
    path = folder / "relations.json"
    if not path.exists():
        return []
    try:
        relations = json.loads(path.read_text())["relations"]
        return [{"from": str(r["from"]), "to": str(r["to"])} for r in relations]
    except (ValueError, KeyError, TypeError) as err:
        raise LoadError(f"relations.json: expected {{'relations': [{{'from', 'to'}}]}} ({err})") from None


def load(db: Any, folder: Path) -> dict[str, Any]:
    """Upsert every collection of ``folder`` into ``db``; returns counts and the indexes made."""
    collections = read_dir(folder)
    relations = read_relations(folder)
    db[schema.META].replace_one(
        {"_id": "relations"}, {"_id": "relations", "relations": relations}, upsert=True
    )
    counts = {}
    for name, docs in collections.items():
        coll = db[name]
        before = coll.count_documents({})
        for i in range(0, len(docs), 1000):
            coll.bulk_write(
                [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs[i : i + 1000]], ordered=False
            )
        counts[name] = {"documents": len(docs), "new": coll.count_documents({}) - before}
    card = schema.discover(db)
    schema.save(db, card)
    indexes = []
    for name, fields in schema.index_plan(card).items():
        for field in fields:
            indexes.append(f"{name}.{db[name].create_index(field)}")
    return {"database": db.name, "collections": counts, "indexes": sorted(indexes)}
