"""Rows -> point cloud per VISUALIZATION.md: the inventory default, the rule for other rows,
geographic rows, overrides, the 50,000-point sampling and each point's id."""

from __future__ import annotations

import base64
import struct

import pytest
from soundmosaic.sieb import mapping


def position(i: int, on_hand: int, demand: float = 2.0) -> dict[str, object]:
    return {
        "_id": f"INV-{i}",
        "sku": "SKU-1",
        "on_hand": on_hand,
        "reorder_point": 10,
        "daily_demand": demand,
        "product.category": ["Speakers", "Microphones"][i % 2],
        "product.unit_cost": 2.5,
        "supplier.lead_time_days": 12,
    }


def test_inventory_rows_use_the_default_mapping() -> None:
    rows = [position(0, 4), position(1, 0), position(2, 1000, 0.5)]
    cloud = mapping.cloud(rows)
    assert cloud["axes"]["x"]["label"] == "days of cover" and cloud["axes"]["z"]["scale"] == "log"
    assert cloud["points"]["x"] == [2.0, 0.0, 365.0]  # capped at 365, 0 for a stock-out
    assert cloud["points"]["y"] == [12.0, 12.0, 12.0]  # supplier lead time
    assert cloud["points"]["z"] == [10.0, 0.0, 2500.0]  # on_hand x unit_cost
    assert cloud["points"]["size"] == [0.6, 1.0, 0.0]  # urgency
    assert cloud["points"]["highlight"] == [False, True, False]
    assert cloud["color"]["categories"] == ["Microphones", "Speakers"]
    assert cloud["color"]["palette"][0] == "#E69F00" and not cloud["sampled"]


def test_other_rows_map_by_rule_and_geo_rows_by_location() -> None:
    groups = [
        {"category": "A", "sum_stock_value": 10.0, "count": 3},
        {"category": "B", "sum_stock_value": 5.0, "count": 1},
    ]
    m = mapping.mapping_for(groups)
    assert (m["kind"], m["x"]["field"], m["x"]["unit"], m["color"]["field"], m["size"]["field"]) == (
        "rule",
        "sum_stock_value",
        "EUR",
        "category",
        "count",
    )
    suppliers = [{"_id": "S1", "location": [9.9, 53.5], "lead_time_days": 7, "country": "Germany"}]
    geo = mapping.cloud(suppliers)
    assert geo["axes"]["x"]["label"] == "longitude" and geo["points"]["x"] == [9.9]
    assert geo["points"]["z"] == [7.0]


def test_overrides_are_checked_against_the_columns() -> None:
    rows = [{"a": 1, "b": 2, "c": 3, "k": "x"}]
    assert mapping.cloud(rows, {"x": "c"})["axes"]["x"]["field"] == "c"
    with pytest.raises(mapping.BadMapping, match="no column 'nope'"):
        mapping.cloud(rows, {"x": "nope"})
    with pytest.raises(mapping.BadMapping, match="mapping keys are"):
        mapping.cloud(rows, {"w": "a"})


def test_over_50000_rows_are_sampled_and_say_so() -> None:
    rows = [{"a": i, "b": i, "c": i} for i in range(120_001)]
    cloud = mapping.cloud(rows)
    assert cloud["sampled"] and cloud["total"] == 120_001
    assert cloud["sample_size"] == len(cloud["points"]["x"]) <= mapping.MAX_POINTS
    assert cloud["points"]["row_index"][:3] == [0, 3, 6]
    assert cloud["ids"]["column"] == "a" and cloud["ids"]["values"][:3] == ["0", "3", "6"]  # sampled ids


def decode(ids: dict[str, object]) -> list[object]:
    """What the SPA does (web/src/sieb/ids.ts), in Python."""
    if ids["numbers"] is None:
        return list(ids["values"])  # type: ignore[call-overload]
    raw = base64.b64decode(str(ids["numbers"]))
    numbers = struct.unpack(f"<{len(raw) // 4}i", raw)
    return [f"{ids['prefix']}{n:0{ids['width']}d}" for n in numbers]


def test_every_point_carries_its_id_compactly_when_the_ids_allow() -> None:
    rows = [{"_id": f"INV-{i:06d}", "a": i, "b": 1, "c": 2} for i in range(25_000)]
    cloud = mapping.cloud(rows)
    ids = cloud["ids"]
    assert ids["column"] == "_id" and ids["prefix"] == "INV-" and ids["values"] is None
    assert decode(ids) == [r["_id"] for r in rows]  # every point, not the first 20,000
    assert len(ids["numbers"]) < 25_000 * 6  # 4 bytes a point in base64, not ~13 in JSON
    mixed = mapping.cloud([{"_id": "SUP-1", "a": 1, "b": 2, "c": 3}, {"_id": "SUP-10", "a": 3, "b": 2}])
    assert mixed["ids"]["numbers"] is None and decode(mixed["ids"]) == ["SUP-1", "SUP-10"]  # widths differ
    grouped = mapping.cloud([{"warehouse_city": "Berlin", "count": 3}, {"warehouse_city": None, "count": 1}])
    assert grouped["ids"]["column"] == "warehouse_city" and decode(grouped["ids"]) == ["Berlin", None]
    hostile = mapping.cloud([{"_id": "X-99999999999", "a": 1, "b": 2, "c": 3}])  # past Int32
    assert decode(hostile["ids"]) == ["X-99999999999"]
