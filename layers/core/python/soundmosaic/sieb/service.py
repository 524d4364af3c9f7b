"""What the API and the CLI call: ask a question, run an edited pipeline, map rows to a point
cloud, read the schema card. Every pipeline passes ``validator`` and runs through pymongo on the
caller's database (``store.database_for``), with ``maxTimeMS`` and the row cap; rows come back
paged with an opaque cursor bound to the pipeline it pages.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import secrets
import time
from typing import Any

from bson import json_util
from pymongo.errors import ExecutionTimeout, OperationFailure

from soundmosaic.sieb import llm, mapping, offline, schema, store, validator
from soundmosaic.sieb.vocabulary import Vocabulary


class BadCursor(ValueError):
    pass


class QueryFailed(ValueError):
    """The server refused or could not finish a pipeline (a 400 with the server's reason)."""


_TIMED_OUT = "the query ran past its time limit of {} ms (maxTimeMS) and was stopped: narrow it"


def _collections(db: Any) -> set[str]:
    return {n for n in db.list_collection_names() if not n.startswith("_")}


def schema_card(artist_id: str) -> dict[str, Any]:
    return schema.card_of(store.database_for(artist_id))


def _fingerprint(collection: str, pipeline: list[dict[str, Any]]) -> str:
    return hashlib.sha256(
        json.dumps([collection, pipeline], sort_keys=True, default=str).encode()
    ).hexdigest()[:16]


def _offset(cursor: str | None, fingerprint: str) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        offset, fp = int(data["o"]), str(data["p"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadCursor("cursor is not one this API gave") from None
    if fp != fingerprint or offset < 0:
        raise BadCursor("cursor belongs to another pipeline: ask again without it")
    return offset


def execute(
    db: Any, collection: str, pipeline: list[dict[str, Any]], limit: int, cursor: str | None, start: int = 0
) -> dict[str, Any]:
    """Validate and run one page (after ``cursor``, else from row ``start``); ``pipeline`` is JSON
    (Extended JSON for dates and decimals)."""
    admitted = validator.validate(collection, pipeline, _collections(db))
    fingerprint = _fingerprint(collection, pipeline)
    offset = _offset(cursor, fingerprint) if cursor else start
    runnable = json_util.loads(json.dumps(admitted))
    started = time.perf_counter()
    try:
        out = list(
            db[collection].aggregate(
                [
                    *runnable,
                    {"$facet": {"rows": [{"$skip": offset}, {"$limit": limit}], "total": [{"$count": "n"}]}},
                ],
                maxTimeMS=validator.max_time_ms(),
            )
        )
    except ExecutionTimeout:  # code 50: the server stopped it at maxTimeMS
        raise QueryFailed(_TIMED_OUT.format(validator.max_time_ms())) from None
    except OperationFailure as err:
        raise QueryFailed(
            f"the database refused the pipeline: {err.details.get('errmsg') if err.details else err}"
        ) from None
    elapsed = (time.perf_counter() - started) * 1000
    facet = out[0] if out else {"rows": [], "total": []}
    total = facet["total"][0]["n"] if facet["total"] else 0
    rows = [store.flat_row(d) for d in facet["rows"]]
    nxt = None
    if offset + len(rows) < total:
        nxt = base64.urlsafe_b64encode(
            json.dumps({"o": offset + len(rows), "p": fingerprint}).encode()
        ).decode()
    return {
        "rows": rows,
        "total": total,
        "next_cursor": nxt,
        "query_ms": round(elapsed, 1),
        "columns": mapping.columns(rows),
    }


def _conversations() -> Any:
    return store.client()[store.STATE_DB]["conversations"]


def _previous(artist_id: str, conversation_id: str | None) -> dict[str, Any] | None:
    if not conversation_id:
        return None
    found = _conversations().find_one({"_id": f"{artist_id}:{conversation_id}"})
    return found["intent"] if found and found.get("intent") else None


def _remember(artist_id: str, conversation_id: str, intent: dict[str, Any] | None) -> None:
    if intent is None:
        return
    _conversations().replace_one(
        {"_id": f"{artist_id}:{conversation_id}"},
        {
            "_id": f"{artist_id}:{conversation_id}",
            "artist_id": artist_id,
            "intent": intent,
            "updated_at": datetime.datetime.now(datetime.UTC),
        },
        upsert=True,
    )


def plan(card: dict[str, Any], question: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    """question -> {engine, collection, pipeline, intent?, message} or {understood: False, ...}."""
    provider = llm.provider()
    if provider is not None:
        return llm.plan(card, question, previous)
    vocab = Vocabulary(card)
    if previous and previous.get("llm"):
        previous = None  # an LLM conversation's context is its pipeline, not an intent
    try:
        intent = offline.Parser(vocab).parse(question, previous)
    except offline.NotUnderstood as err:
        return {
            "understood": False,
            "engine": "offline",
            "message": str(err),
            "suggestions": suggestions(vocab),
        }
    collection, pipeline = offline.Planner(vocab).pipeline(intent)
    notes = "; ".join(intent.get("notes", []))
    return {
        "understood": True,
        "engine": "offline",
        "collection": collection,
        "pipeline": pipeline,
        "intent": intent,
        "message": f"offline engine{': ' + notes if notes else ''}",
    }


def suggestions(vocab: Vocabulary) -> list[str]:
    fact = vocab.fact()
    out = []
    cities = vocab.collections[fact]["fields"].get("warehouse.city", {}).get("values", [])
    if cities:
        out.append(f"Which SKUs are below reorder point in {cities[0]}?")
        out.append("How many stock-outs per warehouse?")
    if "stock_value" in vocab.derived(vocab.views[fact]):
        out.append("Total stock value by category")
    for coll, info in vocab.collections.items():
        if "lead_time_days" in info["fields"]:
            out.append(f"Top 10 {coll} by lead time")
    out.append(f"How many {fact} rows are there?")
    return out[:5]


def ask(
    artist_id: str,
    question: str,
    conversation_id: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    db = store.database_for(artist_id)
    card = schema.card_of(db)
    conversation_id = conversation_id or secrets.token_urlsafe(9)
    started = time.perf_counter()
    planned = plan(card, question, _previous(artist_id, conversation_id))
    plan_ms = round((time.perf_counter() - started) * 1000, 1)
    if not planned.get("understood", True):
        return {
            "conversation_id": conversation_id,
            "understood": False,
            "engine": planned["engine"],
            "collection": "",
            "pipeline": [],
            "rows": [],
            "columns": [],
            "total": 0,
            "next_cursor": None,
            "mapping": {},
            "timing_ms": {"plan": plan_ms, "query": 0},
            "message": planned["message"],
            "suggestions": planned["suggestions"],
        }
    page = execute(db, planned["collection"], planned["pipeline"], limit, cursor)
    _remember(artist_id, conversation_id, planned.get("intent"))
    return {
        "conversation_id": conversation_id,
        "understood": True,
        "engine": planned["engine"],
        "collection": planned["collection"],
        "pipeline": planned["pipeline"],
        "rows": page["rows"],
        "columns": page["columns"],
        "total": page["total"],
        "next_cursor": page["next_cursor"],
        "mapping": mapping.mapping_for(page["rows"], page["columns"]),
        "timing_ms": {"plan": plan_ms, "query": page["query_ms"]},
        "message": planned["message"],
        "suggestions": [],
    }


def run(
    artist_id: str,
    collection: str,
    pipeline: list[dict[str, Any]],
    limit: int = 100,
    cursor: str | None = None,
    offset: int | None = None,
) -> dict[str, Any]:
    """One page of a user's (or an answer's) pipeline: after ``cursor``, or from row ``offset``
    (the cloud fetches the page of a point it shows, wherever it is in the result)."""
    if cursor and offset is not None:
        raise BadCursor("give a cursor or an offset, not both")
    db = store.database_for(artist_id)
    page = execute(db, collection, pipeline, limit, cursor, offset or 0)
    return {
        "conversation_id": "",
        "understood": True,
        "engine": "user",
        "collection": collection,
        "pipeline": pipeline,
        "rows": page["rows"],
        "columns": page["columns"],
        "total": page["total"],
        "next_cursor": page["next_cursor"],
        "mapping": mapping.mapping_for(page["rows"], page["columns"]),
        "timing_ms": {"plan": 0, "query": page["query_ms"]},
        "message": "your pipeline, validated",
        "suggestions": [],
    }


def points(
    artist_id: str, collection: str, pipeline: list[dict[str, Any]], overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The rows of a pipeline as a point cloud (sampled evenly above ``mapping.MAX_POINTS``)."""
    db = store.database_for(artist_id)
    admitted = validator.validate(collection, pipeline, _collections(db))
    runnable = json_util.loads(json.dumps(admitted))
    try:
        docs = list(db[collection].aggregate(runnable, maxTimeMS=validator.max_time_ms()))
    except ExecutionTimeout:
        raise QueryFailed(_TIMED_OUT.format(validator.max_time_ms())) from None
    except OperationFailure as err:
        raise QueryFailed(f"the database refused the pipeline: {err}") from None
    rows = [store.flat_row(d) for d in docs]
    return mapping.cloud(rows, overrides)
