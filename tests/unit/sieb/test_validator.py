"""The validator refuses anything that is not a read of the tenant's own collections.
Hostile pipelines tried: writes ($out, $merge), JavaScript ($function, $accumulator, $where),
another database in $lookup, unknown and admin stages, deep and many joins, huge and non-JSON
pipelines, variables that are not defined, a ReDoS-sized regex, a two-key stage."""

from __future__ import annotations

from typing import Any

import pytest
from soundmosaic.sieb.validator import MAX_LOOKUPS, ROW_CAP, PipelineRefused, validate

MINE = {"inventory", "products", "suppliers"}


def lookup(from_: Any, inner: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"from": from_, "as": "x"}
    if inner is None:
        spec.update(localField="sku", foreignField="_id")
    else:
        spec["pipeline"] = inner
    return {"$lookup": spec}


def test_a_read_is_admitted_with_the_row_cap() -> None:
    pipeline = [
        {"$match": {"on_hand": {"$lt": 5}, "last_counted": {"$lt": {"$date": "2026-09-01T00:00:00Z"}}}},
        lookup("products"),
        {"$unwind": "$x"},
        {"$group": {"_id": "$x.category", "n": {"$sum": 1}}},
        {"$sort": {"n": -1}},
        {"$limit": 10},
    ]
    assert validate("inventory", pipeline, MINE) == [*pipeline, {"$limit": ROW_CAP}]


@pytest.mark.parametrize(
    ("pipeline", "says"),
    [
        ([{"$out": "stolen"}], "$out is not allowed (writes a collection)"),
        ([{"$merge": {"into": "x"}}], "$merge is not allowed"),
        ([{"$match": {"$where": "sleep(1000)"}}], "$where is not allowed (runs JavaScript)"),
        ([{"$addFields": {"x": {"$function": {"body": "return 1", "args": [], "lang": "js"}}}}], "$function"),
        ([{"$group": {"_id": None, "x": {"$accumulator": {}}}}], "$accumulator"),
        ([{"$currentOp": {}}], "administrative"),
        ([{"$unionWith": "suppliers"}], "$unionWith is not allowed"),
        ([{"$graphLookup": {}}], "$graphLookup"),
        ([{"$nosuch": {}}], "$nosuch is not an allowed stage"),
        ([{"$match": {}, "$limit": 1}], "exactly one $-key"),
        ([lookup({"db": "sieb_other", "coll": "inventory"})], "another database is not reachable"),
        ([lookup("system.users")], "unknown collection 'system.users'"),
        ([lookup("_sieb_meta")], "unknown collection '_sieb_meta'"),
        ([lookup("products", [lookup("suppliers", [lookup("products", [])])])], "nest at most 2 deep"),
        ([lookup("products")] * (MAX_LOOKUPS + 1), f"at most {MAX_LOOKUPS} joins"),
        ([{"$match": {"name": {"$regex": "(a+)+" * 60}}}], "$regex takes a pattern of at most"),
        ([{"$addFields": {"x": "$$NOSUCHVAR"}}], "unknown variable"),
        ([{"$limit": -1}], "$limit takes a non-negative integer"),
        ([{"$match": {}}] * 41, "at most 40 stages"),
        ([{"$match": {"x": "y" * 30_000}}], "at most 20000 bytes"),
        ("not a list", "a pipeline is a list"),
    ],
)
def test_hostile_pipelines_are_refused_with_the_reason(pipeline: Any, says: str) -> None:
    with pytest.raises(PipelineRefused) as refused:
        validate("inventory", pipeline, MINE)
    assert says in str(refused.value)


def test_another_tenants_or_a_system_collection_is_not_a_collection_of_mine() -> None:
    for name in ("sieb_other.inventory", "system.profile", "customers"):
        with pytest.raises(PipelineRefused, match="unknown collection"):
            validate(name, [], MINE)


def test_facet_subpipelines_are_checked_too() -> None:
    with pytest.raises(PipelineRefused, match=r"\$out"):
        validate("inventory", [{"$facet": {"a": [{"$out": "x"}]}}], MINE)
