"""Schema discovery: the compact schema card of a tenant's collections.

For each collection: its size and, per field path (from a sample of documents), the BSON types,
up to three examples, the number of distinct values and, for categorical strings, the values
themselves (so the offline engine can recognise "Hamburg" or "Microphones"). Relations are the
declared ones (``relations.json`` beside the data, kept in ``_sieb_meta``) plus the detected ones:
a field whose sampled values are ids of another collection. The card is what the LLM sees and
what the offline engine reads; nothing about the sample data is hard-coded here.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from bson.decimal128 import Decimal128

SAMPLE = 3000
CATEGORICAL_MAX = 60
META = "_sieb_meta"


def _type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, Decimal128):
        return "decimal"
    if isinstance(value, datetime.datetime):
        return "date"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "point" if value.get("type") == "Point" else "object"
    if value is None:
        return "null"
    return "string"


def _walk(doc: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value.get("type") != "Point":
            out.extend(_walk(value, f"{path}."))
        else:
            out.append((path, value))
    return out


def _example(value: Any) -> Any:
    from soundmosaic.sieb.store import flat

    return flat(value.get("coordinates") if isinstance(value, dict) else value)


def describe(coll: Any) -> dict[str, Any]:
    docs = list(coll.find({}, limit=SAMPLE))
    fields: dict[str, dict[str, Any]] = {}
    seen: dict[str, Counter[Any]] = {}
    for doc in docs:
        for path, value in _walk(doc):
            info = fields.setdefault(path, {"types": [], "examples": []})
            kind = _type(value)
            if kind not in info["types"]:
                info["types"].append(kind)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, (str, int, float, bool, Decimal128, datetime.datetime)):
                    seen.setdefault(path, Counter())[v if not isinstance(v, Decimal128) else str(v)] += 1
            if len(info["examples"]) < 3 and _example(value) not in info["examples"]:
                info["examples"].append(_example(value))
    for path, counts in seen.items():
        fields[path]["distinct"] = len(counts)
        strings = [v for v in counts if isinstance(v, str)]
        if strings and len(counts) <= CATEGORICAL_MAX and len(counts) < max(2, len(docs)):
            fields[path]["values"] = sorted(strings)
    for info in fields.values():
        if "array" in info["types"]:
            info["element"] = "string"
    return {"count": coll.count_documents({}), "fields": fields}


def declared_relations(db: Any) -> list[dict[str, str]]:
    meta = db[META].find_one({"_id": "relations"}) or {}
    return [{"from": r["from"], "to": r["to"], "kind": "declared"} for r in meta.get("relations", [])]


def detect_relations(db: Any, names: list[str], cards: dict[str, Any]) -> list[dict[str, str]]:
    ids = {n: set(d["_id"] for d in db[n].find({}, {"_id": 1}, limit=50_000)) for n in names}
    found = []
    for name in names:
        for path, info in cards[name]["fields"].items():
            if path == "_id" or info["types"] != ["string"]:
                continue
            values = set(d for d in (db[name].distinct(path) or []) if isinstance(d, str))
            for other in names:
                if other != name and values and len(values & ids[other]) >= 0.9 * len(values):
                    found.append({"from": f"{name}.{path}", "to": f"{other}._id", "kind": "detected"})
    return found


def discover(db: Any) -> dict[str, Any]:
    names = sorted(n for n in db.list_collection_names() if not n.startswith("_"))
    cards = {n: describe(db[n]) for n in names}
    relations = declared_relations(db)
    declared = {(r["from"], r["to"]) for r in relations}
    for rel in detect_relations(db, names, cards):
        if (rel["from"], rel["to"]) in declared:
            next(r for r in relations if (r["from"], r["to"]) == (rel["from"], rel["to"]))["kind"] = (
                "declared+detected"
            )
        else:
            relations.append(rel)
    return {"database": db.name, "collections": cards, "relations": relations}


def index_plan(card: dict[str, Any]) -> dict[str, list[str]]:
    """The join keys and the categorical fields filters use."""
    plan: dict[str, list[str]] = {}
    for rel in card["relations"]:
        coll, field = rel["from"].split(".", 1)
        plan.setdefault(coll, []).append(field)
    for name, info in card["collections"].items():
        for path, f in info["fields"].items():
            if "values" in f and path not in plan.get(name, []) and path != "_id":
                plan.setdefault(name, []).append(path)
    return plan


def save(db: Any, card: dict[str, Any]) -> None:
    """Keep the card beside the data (discovery reads every collection: seconds, not per question)."""
    db[META].replace_one({"_id": "card"}, {"_id": "card", "card": card}, upsert=True)


def card_of(db: Any) -> dict[str, Any]:
    """The saved card, discovered (and saved) when the data was loaded by other means."""
    saved = db[META].find_one({"_id": "card"})
    if saved:
        card: dict[str, Any] = saved["card"]
        return card
    card = discover(db)
    save(db, card)
    return card
