"""Rows -> point cloud, as the customer's VISUALIZATION.md specifies.

Inventory positions (rows with on_hand, reorder_point and daily_demand) map by default:
x = days of cover (on_hand / daily_demand, capped at 365, 0 for stock-outs), y = supplier lead
time in days, z = stock value in EUR (on_hand x unit_cost, log scale), colour = product category
(Okabe-Ito, a colour-blind-safe palette), size = urgency = max(0, reorder_point - on_hand) /
reorder_point, stock-outs highlighted. Other rows map by rule: geographic rows (a [lon, lat]
location) take longitude, latitude and their first measure; otherwise the first three numeric
columns become x, y, z, the first categorical column the colour, a count or sum the size. A
caller may override any axis with another column. Above ``MAX_POINTS`` rows the cloud is an
even sample (every k-th row), and says so.

Every point carries its row's id (``ids``), so hover, pins and "ask about the selection" name
any point without loading its row. Ids that are one prefix and zero-padded numbers
("INV-000123", the common case) travel as a base64 little-endian Int32 array (4 bytes a point
instead of ~13 in JSON); others as a list of strings.
"""

from __future__ import annotations

import base64
import math
import re
import struct
from typing import Any

from soundmosaic.sieb.vocabulary import UNITS

MAX_POINTS = 50_000
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
INVENTORY = ("on_hand", "reorder_point", "daily_demand")


class BadMapping(ValueError):
    pass


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value.endswith("Z"):
        return "date"
    return "string" if isinstance(value, str) else "null"


def columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, str] = {}
    for row in rows:
        for key, value in row.items():
            kind = _kind(value)
            if seen.get(key) in (None, "null"):
                seen[key] = kind
    out = []
    for name, kind in seen.items():
        col: dict[str, Any] = {"name": name, "type": kind}
        unit = _unit(name)
        if unit and kind == "number":
            col["unit"] = unit
        out.append(col)
    return out


def _unit(name: str) -> str | None:
    last = name.split(".")[-1]
    for prefix in ("sum_", "avg_", "min_", "max_"):
        last = last.removeprefix(prefix)
    return UNITS.get(last)


def _label(field: str | None) -> str:
    return (field or "—").split(".")[-1].replace("_", " ")


def _find(cols: list[str], name: str) -> str | None:
    return next((c for c in cols if c == name or c.endswith("." + name)), None)


def mapping_for(
    rows: list[dict[str, Any]],
    cols: list[dict[str, Any]] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    cols = cols if cols is not None else columns(rows)
    names = [c["name"] for c in cols]
    types = {c["name"]: c["type"] for c in cols}
    if not rows:
        return {"kind": "none"}
    if all(_find(names, f) for f in INVENTORY) and not overrides:
        return {
            "kind": "inventory",
            "x": {
                "field": "days_of_cover",
                "label": "days of cover",
                "unit": "days",
                "scale": "linear",
                "from": "on_hand / daily_demand, capped at 365, 0 for stock-outs",
            },
            "y": {
                "field": _find(names, "lead_time_days"),
                "label": "supplier lead time",
                "unit": "days",
                "scale": "linear",
            },
            "z": {
                "field": "stock_value",
                "label": "stock value",
                "unit": "EUR",
                "scale": "log",
                "from": "on_hand x unit_cost",
            },
            "color": {
                "field": _find(names, "category"),
                "categories": _categories(rows, _find(names, "category")),
                "palette": PALETTE,
            },
            "size": {"field": "urgency", "from": "max(0, reorder_point - on_hand) / reorder_point"},
            "highlight": {"field": "on_hand", "rule": "stock-out (on_hand = 0)"},
        }
    numeric = [n for n in names if types[n] == "number" and n != "_id"]
    categorical = [
        n
        for n in names
        if types[n] == "string" and n != "_id" and len({r.get(n) for r in rows}) <= max(12, len(rows) // 50)
    ]
    location = next((n for n in names if types[n] == "array" and n.endswith("location")), None)
    size = "count" if "count" in numeric else next((n for n in numeric if n.startswith("sum_")), None)
    if location:
        axes = [f"{location}[0]", f"{location}[1]", next((n for n in numeric if n != size), size)]
        labels = ["longitude", "latitude", _label(axes[2])]
        kind = "geo"
    else:
        rest = [n for n in numeric if n != size] or numeric
        axes = ([*rest, None, None, None])[:3]
        labels = [_label(a) for a in axes]
        kind = "rule"
    chosen = {
        "x": axes[0],
        "y": axes[1],
        "z": axes[2],
        "color": categorical[0] if categorical else None,
        "size": size,
    }
    for key, value in (overrides or {}).items():
        if key not in chosen:
            raise BadMapping(f"mapping keys are x, y, z, color, size; not {key!r}")
        if value is not None and value not in names and not (isinstance(value, str) and value.endswith("]")):
            raise BadMapping(f"{key}: no column {value!r} in these rows")
        chosen[key] = value
        if key in ("x", "y", "z"):
            labels["xyz".index(key)] = _label(value)
    out: dict[str, Any] = {"kind": kind if not overrides else "custom"}
    for i, axis in enumerate("xyz"):
        field = chosen[axis]
        unit = _unit(field) if field and not field.endswith("]") else ("°" if field else None)
        out[axis] = {
            "field": field,
            "label": labels[i],
            "unit": unit,
            "scale": "log" if field and _unit(field) == "EUR" else "linear",
        }
    out["color"] = {
        "field": chosen["color"],
        "categories": _categories(rows, chosen["color"]),
        "palette": PALETTE,
    }
    out["size"] = {"field": chosen["size"]}
    return out


def _categories(rows: list[dict[str, Any]], field: str | None) -> list[str]:
    if not field:
        return []
    return sorted({str(r[field]) for r in rows if r.get(field) is not None})


def _value(row: dict[str, Any], field: str | None) -> float:
    if not field:
        return 0.0
    if field.endswith("]"):
        name, index = field[:-1].split("[")
        seq = row.get(name) or []
        return float(seq[int(index)]) if len(seq) > int(index) else 0.0
    value = row.get(field)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _inventory_point(row: dict[str, Any], m: dict[str, Any]) -> tuple[float, float, float, float, bool]:
    on_hand = _value(row, _find(list(row), "on_hand"))
    demand = _value(row, _find(list(row), "daily_demand"))
    point = _value(row, _find(list(row), "reorder_point"))
    cost = _value(row, _find(list(row), "unit_cost"))
    cover = 0.0 if on_hand == 0 or demand <= 0 else min(365.0, on_hand / demand)
    urgency = max(0.0, point - on_hand) / point if point > 0 else 0.0
    return cover, _value(row, m["y"]["field"]), on_hand * cost, urgency, on_hand == 0


def encode_ids(values: list[Any]) -> dict[str, Any]:
    """Ids of the points: ``prefix`` + ``numbers`` (zero-padded to ``width``) when every id is the
    same prefix and width of digits and fits an Int32; else ``values`` (strings, None for none)."""
    parts = [re.fullmatch(r"(.*?)(\d+)", v) if isinstance(v, str) else None for v in values]
    if values and all(parts):
        prefixes = {m.group(1) for m in parts if m}
        widths = {len(m.group(2)) for m in parts if m}
        numbers = [int(m.group(2)) for m in parts if m]
        if len(prefixes) == 1 and len(widths) == 1 and max(numbers) < 2**31:
            packed = struct.pack(f"<{len(numbers)}i", *numbers)
            return {
                "prefix": prefixes.pop(),
                "width": widths.pop(),
                "numbers": base64.b64encode(packed).decode(),
                "values": None,
            }
    return {
        "prefix": None,
        "width": None,
        "numbers": None,
        "values": [None if v is None else str(v) for v in values],
    }


def cloud(rows: list[dict[str, Any]], overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    m = mapping_for(rows, None, overrides)
    total = len(rows)
    step = math.ceil(total / MAX_POINTS) if total > MAX_POINTS else 1
    picked = list(range(0, total, step))
    pts: dict[str, list[Any]] = {k: [] for k in ("x", "y", "z", "color", "size", "highlight", "row_index")}
    for i in picked:
        row = rows[i]
        if m["kind"] == "inventory":
            x, y, z, size, hot = _inventory_point(row, m)
        elif m["kind"] == "none":
            continue
        else:
            x, y, z = (_value(row, m[a]["field"]) for a in "xyz")
            size, hot = _value(row, m["size"]["field"]) if m["size"]["field"] else 1.0, False
        pts["x"].append(round(x, 6))
        pts["y"].append(round(y, 6))
        pts["z"].append(round(z, 6))
        color_field = m["color"]["field"]
        pts["color"].append(
            str(row[color_field]) if color_field and row.get(color_field) is not None else None
        )
        pts["size"].append(round(size, 6))
        pts["highlight"].append(hot)
        pts["row_index"].append(i)
    # the column that names a row, as the table's: _id, else the first column
    id_column = "_id" if not rows or "_id" in rows[0] else next(iter(rows[0]), "_id")
    axes = (
        {a: {k: m[a][k] for k in ("field", "label", "unit", "scale")} for a in "xyz"}
        if m["kind"] != "none"
        else {a: {"field": None, "label": "—", "unit": None, "scale": "linear"} for a in "xyz"}
    )
    return {
        "points": pts,
        "axes": axes,
        "color": m.get("color", {"field": None, "categories": [], "palette": PALETTE}),
        "size": {"field": m.get("size", {}).get("field")},
        "ids": {"column": id_column, **encode_ids([rows[i].get(id_column) for i in pts["row_index"]])},
        "total": total,
        "sampled": step > 1,
        "sample_size": len(picked) if m["kind"] != "none" else 0,
    }
