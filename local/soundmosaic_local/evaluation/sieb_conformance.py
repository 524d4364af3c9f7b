"""Conformance of the embedded MongoDB (wire server + completed mongomock) to MongoDB's documented
semantics, for every stage and operator the offline planner emits, plus the known gaps.

Each case: documents, a pipeline and the output MongoDB's manual gives for it (worked out from
the manual's definitions: type of arithmetic results, array matching, null/missing in
``$lookup``, no document from ``$count``/``$group`` over nothing...). ``GENERATED`` cases cover
what ``sieb.offline.Planner`` writes; ``GAPS`` are valid MongoDB the embedded engine does not
execute (the validator admits them, so a user's edited pipeline may hit them: the server's
error says which). ``run`` returns per-case results; tests and docs/sieb.md use them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from bson.decimal128 import Decimal128

D = Decimal128
T = datetime.datetime


@dataclass
class Conformance:
    name: str
    operators: list[str]
    docs: dict[str, list[dict[str, Any]]]  # collection -> documents ("c" is the one aggregated)
    pipeline: list[dict[str, Any]]
    expected: list[dict[str, Any]] | str  # documents, or "error"
    ordered: bool = True


INV = [
    {"_id": 1, "sku": "A", "on": 5, "rp": 10, "dd": 0.5, "res": 1, "d": T(2026, 7, 1)},
    {"_id": 2, "sku": "B", "on": 0, "rp": 3, "dd": 2.0, "res": 0, "d": T(2026, 9, 15)},
    {"_id": 3, "sku": "A", "on": 40, "rp": 10, "dd": 4.0, "res": 5, "d": T(2026, 10, 1)},
]
PROD = [
    {"_id": "A", "cost": D("2.50"), "cat": "x", "sup": "S1"},
    {"_id": "B", "cost": D("10.00"), "cat": "y", "sup": "S2"},
]
SUP = [
    {"_id": "S1", "lt": 40, "certs": ["CE", "ISO"], "active": True},
    {"_id": "S2", "lt": 8, "certs": [], "active": False},
]
BASE = {"c": INV, "products": PROD, "suppliers": SUP}

GENERATED: list[Conformance] = [
    Conformance(
        "$match equality and $and",
        ["$match", "$and", "$eq"],
        BASE,
        [{"$match": {"$and": [{"sku": "A"}, {"on": {"$gt": 10}}]}}, {"$project": {"_id": 1}}],
        [{"_id": 3}],
    ),
    Conformance(
        "$match ranges $gte/$lt/$lte/$ne",
        ["$gte", "$lt", "$lte", "$ne"],
        BASE,
        [{"$match": {"on": {"$gte": 0, "$lte": 5}, "sku": {"$ne": "A"}}}, {"$project": {"_id": 1}}],
        [{"_id": 2}],
    ),
    Conformance(
        "$match on dates",
        ["$match", "$date"],
        BASE,
        [{"$match": {"d": {"$gte": T(2026, 9, 1), "$lt": T(2026, 10, 1)}}}, {"$project": {"_id": 1}}],
        [{"_id": 2}],
    ),
    Conformance(
        "$expr field comparison (below reorder point)",
        ["$expr", "$lt"],
        BASE,
        [{"$match": {"$expr": {"$lt": ["$on", "$rp"]}}}, {"$project": {"_id": 1}}],
        [{"_id": 1}, {"_id": 2}],
    ),
    Conformance(
        "array contains / does not contain",
        ["$match (array)", "$ne (array)"],
        {"c": SUP},
        [{"$match": {"certs": {"$ne": "CE"}}}, {"$project": {"_id": 1}}],
        [{"_id": "S2"}],
    ),
    Conformance(
        "array element equality",
        ["$match (array)"],
        {"c": SUP},
        [{"$match": {"certs": "ISO"}}, {"$project": {"_id": 1}}],
        [{"_id": "S1"}],
    ),
    Conformance(
        "booleans",
        ["$match (bool)"],
        {"c": SUP},
        [{"$match": {"active": False}}, {"$project": {"_id": 1}}],
        [{"_id": "S2"}],
    ),
    Conformance(
        "decimal compared with an int",
        ["$gt (decimal)"],
        {"c": PROD},
        [{"$match": {"cost": {"$gt": 3}}}, {"$project": {"_id": 1}}],
        [{"_id": "B"}],
    ),
    Conformance(
        "$lookup + $unwind (two levels)",
        ["$lookup", "$unwind"],
        BASE,
        [
            {"$lookup": {"from": "products", "localField": "sku", "foreignField": "_id", "as": "p"}},
            {"$unwind": "$p"},
            {"$lookup": {"from": "suppliers", "localField": "p.sup", "foreignField": "_id", "as": "s"}},
            {"$unwind": "$s"},
            {"$project": {"_id": 1, "lt": "$s.lt"}},
        ],
        [{"_id": 1, "lt": 40}, {"_id": 2, "lt": 8}, {"_id": 3, "lt": 40}],
    ),
    Conformance(
        "$lookup of a missing local field matches null/missing",
        ["$lookup (null)"],
        {"c": [{"_id": 1}], "products": [{"_id": "A", "x": None}, {"_id": "B", "x": 1}, {"_id": "C"}]},
        [
            {"$lookup": {"from": "products", "localField": "k", "foreignField": "x", "as": "m"}},
            {"$project": {"ids": "$m._id"}},
        ],
        [{"_id": 1, "ids": ["A", "C"]}],
    ),
    Conformance(
        "$lookup with an array local field",
        ["$lookup (array)"],
        {"c": [{"_id": 1, "ks": ["B", "A"]}], "products": PROD},
        [
            {"$lookup": {"from": "products", "localField": "ks", "foreignField": "_id", "as": "m"}},
            {"$project": {"ids": "$m._id"}},
        ],
        [{"_id": 1, "ids": ["A", "B"]}],
    ),
    Conformance(
        "$unwind drops empty arrays",
        ["$unwind (empty)"],
        {"c": SUP},
        [{"$unwind": "$certs"}, {"$project": {"_id": 1, "certs": 1}}],
        [{"_id": "S1", "certs": "CE"}, {"_id": "S1", "certs": "ISO"}],
    ),
    Conformance(
        "derived measures in $addFields",
        ["$addFields", "$subtract", "$multiply (decimal)", "$divide", "$cond", "$gt", "$max"],
        BASE,
        [
            {"$lookup": {"from": "products", "localField": "sku", "foreignField": "_id", "as": "p"}},
            {"$unwind": "$p"},
            {
                "$addFields": {
                    "avail": {"$subtract": ["$on", "$res"]},
                    "value": {"$multiply": ["$on", "$p.cost"]},
                    "cover": {"$cond": [{"$gt": ["$dd", 0]}, {"$divide": ["$on", "$dd"]}, None]},
                    "urg": {"$max": [0, {"$divide": [{"$subtract": ["$rp", "$on"]}, "$rp"]}]},
                }
            },
            {"$project": {"avail": 1, "value": 1, "cover": 1, "urg": 1}},
        ],
        [
            {"_id": 1, "avail": 4, "value": D("12.50"), "cover": 10.0, "urg": 0.5},
            {"_id": 2, "avail": 0, "value": D("0.00"), "cover": 0.0, "urg": 1.0},
            {"_id": 3, "avail": 35, "value": D("100.00"), "cover": 10.0, "urg": 0},
        ],
    ),
    Conformance(
        "$group $sum/$avg/$min/$max over ints",
        ["$group", "$sum", "$avg", "$min", "$max"],
        BASE,
        [
            {
                "$group": {
                    "_id": "$sku",
                    "n": {"$sum": 1},
                    "s": {"$sum": "$on"},
                    "a": {"$avg": "$on"},
                    "lo": {"$min": "$on"},
                    "hi": {"$max": "$on"},
                }
            },
            {"$sort": {"_id": 1}},
        ],
        [
            {"_id": "A", "n": 2, "s": 45, "a": 22.5, "lo": 5, "hi": 40},
            {"_id": "B", "n": 1, "s": 0, "a": 0.0, "lo": 0, "hi": 0},
        ],
    ),
    Conformance(
        "$sum and $avg of decimals stay decimal",
        ["$sum (decimal)", "$avg (decimal)"],
        {"c": PROD},
        [{"$group": {"_id": None, "s": {"$sum": "$cost"}, "a": {"$avg": "$cost"}}}, {"$project": {"_id": 0}}],
        [{"s": D("12.50"), "a": D("6.25")}],
    ),
    Conformance(
        "$group over nothing outputs nothing",
        ["$group (empty)"],
        BASE,
        [{"$match": {"sku": "Z"}}, {"$group": {"_id": None, "s": {"$sum": "$on"}}}],
        [],
    ),
    Conformance("$count", ["$count"], BASE, [{"$match": {"sku": "A"}}, {"$count": "n"}], [{"n": 2}]),
    Conformance(
        "$count over nothing outputs nothing",
        ["$count (empty)"],
        BASE,
        [{"$match": {"sku": "Z"}}, {"$count": "n"}],
        [],
    ),
    Conformance(
        "$group by a compound key, then regroup (distinct count)",
        ["$group (compound _id)"],
        BASE,
        [
            {"$group": {"_id": {"d": "$rp", "k": "$sku"}}},
            {"$group": {"_id": "$_id.d", "n": {"$sum": 1}}},
            {"$sort": {"_id": 1}},
        ],
        [{"_id": 3, "n": 1}, {"_id": 10, "n": 1}],
    ),
    Conformance(
        "$sort mixed numeric types by value, ties by _id",
        ["$sort (numbers)"],
        {"c": [{"_id": 1, "v": D("2.5")}, {"_id": 2, "v": 3}, {"_id": 3, "v": 2.75}, {"_id": 4, "v": 3.0}]},
        [{"$sort": {"v": -1, "_id": 1}}, {"$project": {"_id": 1}}],
        [{"_id": 2}, {"_id": 4}, {"_id": 3}, {"_id": 1}],
    ),
    Conformance(
        "$skip and $limit",
        ["$skip", "$limit"],
        BASE,
        [{"$sort": {"_id": 1}}, {"$skip": 1}, {"$limit": 1}, {"$project": {"_id": 1}}],
        [{"_id": 2}],
    ),
    Conformance(
        "$project rename and exclude _id",
        ["$project"],
        BASE,
        [
            {"$group": {"_id": "$sku", "n": {"$sum": 1}}},
            {"$sort": {"_id": 1}},
            {"$project": {"_id": 0, "sku": "$_id", "n": 1}},
        ],
        [{"n": 2, "sku": "A"}, {"n": 1, "sku": "B"}],
    ),
    Conformance(
        "$addFields into an embedded document, then $replaceRoot",
        ["$addFields (dotted)", "$replaceRoot"],
        {"c": [{"_id": 1, "doc": {"a": 1}, "m": 7}]},
        [{"$addFields": {"doc.m": "$m"}}, {"$replaceRoot": {"newRoot": "$doc"}}],
        [{"a": 1, "m": 7}],
    ),
    Conformance(
        "$facet rows and total",
        ["$facet"],
        BASE,
        [
            {"$sort": {"_id": 1}},
            {
                "$facet": {
                    "rows": [{"$skip": 2}, {"$limit": 5}, {"$project": {"_id": 1}}],
                    "total": [{"$count": "n"}],
                }
            },
        ],
        [{"rows": [{"_id": 3}], "total": [{"n": 3}]}],
    ),
    Conformance(
        "$facet total over nothing is an empty list",
        ["$facet (empty)"],
        BASE,
        [{"$match": {"sku": "Z"}}, {"$facet": {"rows": [{"$limit": 5}], "total": [{"$count": "n"}]}}],
        [{"rows": [], "total": []}],
    ),
    Conformance(
        "$sortByCount",
        ["$sortByCount"],
        BASE,
        [{"$sortByCount": "$sku"}],
        [{"_id": "A", "count": 2}, {"_id": "B", "count": 1}],
    ),
    Conformance(
        "$round half to even, $toDouble",
        ["$round", "$toDouble"],
        {"c": [{"_id": 1, "v": 2.345, "c": D("1.25")}]},
        [
            {
                "$project": {
                    "_id": 0,
                    "r": {"$round": ["$v", 2]},
                    "d": {"$toDouble": "$c"},
                    "e": {"$round": [2.5, 0]},
                }
            }
        ],
        [{"r": 2.34, "d": 1.25, "e": 2.0}],
    ),
]

GAPS: list[Conformance] = [
    Conformance(
        "$lookup with let + pipeline",
        ["$lookup (pipeline)"],
        BASE,
        [
            {
                "$lookup": {
                    "from": "products",
                    "let": {"s": "$sku"},
                    "pipeline": [{"$match": {"$expr": {"$eq": ["$_id", "$$s"]}}}],
                    "as": "p",
                }
            },
            {"$project": {"n": {"$size": "$p"}}},
        ],
        [{"_id": 1, "n": 1}, {"_id": 2, "n": 1}, {"_id": 3, "n": 1}],
    ),
    Conformance(
        "$mergeObjects as an expression",
        ["$mergeObjects"],
        {"c": [{"_id": 1, "a": {"x": 1}}]},
        [{"$replaceRoot": {"newRoot": {"$mergeObjects": ["$a", {"y": 2}]}}}],
        [{"x": 1, "y": 2}],
    ),
    Conformance(
        "$unset stage",
        ["$unset"],
        {"c": [{"_id": 1, "a": 1, "b": 2}]},
        [{"$unset": "b"}],
        [{"_id": 1, "a": 1}],
    ),
    Conformance(
        "$replaceWith stage",
        ["$replaceWith"],
        {"c": [{"_id": 1, "a": {"x": 1}}]},
        [{"$replaceWith": "$a"}],
        [{"x": 1}],
    ),
]


def run(db: Any, cases: list[Conformance]) -> list[dict[str, Any]]:
    """Each case through pymongo on ``db`` (a database of the server under test)."""
    from pymongo.errors import OperationFailure

    results = []
    for _i, case in enumerate(cases):
        for name, docs in case.docs.items():
            db[name].drop()
            if docs:
                db[name].insert_many([dict(d) for d in docs])
        try:
            got: list[dict[str, Any]] | str = [_plain(d) for d in db["c"].aggregate(case.pipeline)]
        except OperationFailure as err:
            got = f"error: {err.details.get('errmsg') if err.details else err}"
        expected = [_plain(d) for d in case.expected] if isinstance(case.expected, list) else case.expected
        same = (
            got == expected
            if case.ordered or isinstance(got, str)
            else sorted(map(repr, got)) == sorted(map(repr, expected))
        )
        results.append(
            {
                "name": case.name,
                "operators": case.operators,
                "conforms": same,
                "got": got,
                "expected": expected,
            }
        )
    return results


def _plain(value: Any) -> Any:
    """Compare values by BSON type and value (Decimal128 by its decimal), key order ignored."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal128):
        return ("decimal", value.to_decimal().normalize())
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return ("double", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return value
