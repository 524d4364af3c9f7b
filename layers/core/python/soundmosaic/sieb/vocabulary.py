"""The offline engine's vocabulary, built from a schema card: which words name which collection,
field, value, join and derived measure.

Nothing about the sample data is written here: collections, fields, categorical values, ids and
joins come from the card. What is fixed is English: synonyms of common supply-chain words and the
derived terms of the data's README (available, stock value, days of cover, below reorder point,
stock-out), which are offered only when the collections have the fields they are made of
(``on_hand``, ``reserved``, ``reorder_point``, ``daily_demand``, ``unit_cost``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Words planners use for a collection, tried by the collection's name and singular too.
ENTITY_SYNONYMS = {
    "products": ["sku", "skus", "item", "items", "article", "articles", "product", "products"],
    "inventory": [
        "position",
        "positions",
        "stock position",
        "stock positions",
        "inventory",
        "stock level",
        "stock levels",
        "inventory positions",
        "inventory rows",
    ],
    "suppliers": ["vendor", "vendors", "supplier", "suppliers"],
}
# Field words beyond the field's own name (``lead_time_days`` -> "lead time days", "lead time").
FIELD_SYNONYMS = {
    "on_hand": [
        "on hand",
        "units on hand",
        "stock on hand",
        "quantity on hand",
        "on-hand",
        "units",
        "stock",
        "stock level",
        "stock levels",
        "quantity",
    ],
    "unit_cost": ["unit cost", "cost", "costs", "costing"],
    "unit_price": ["unit price", "price", "priced"],
    "weight_kg": ["weight", "weighing", "weighs"],
    "lead_time_days": ["lead time", "lead times", "lead-time"],
    "daily_demand": ["daily demand", "demand"],
    "reorder_qty": ["reorder quantity", "reorder qty"],
    "reorder_point": ["reorder point", "reorder level"],
    "last_counted": ["last counted", "counted"],
    "launched": ["launched", "launch", "launch date"],
    "reliability": ["reliability"],
    "warehouse.city": ["warehouse", "warehouses", "warehouse city"],
    "certifications": ["certification", "certifications", "certificate", "certificates"],
}
UNITS = {
    "lead_time_days": "days",
    "daily_demand": "units/day",
    "unit_cost": "EUR",
    "unit_price": "EUR",
    "weight_kg": "kg",
    "on_hand": "units",
    "reserved": "units",
    "reorder_point": "units",
    "reorder_qty": "units",
    "available": "units",
    "stock_value": "EUR",
    "days_of_cover": "days",
}


# English adjectives of country names, used where a field named "country" holds the name.
DEMONYMS = {
    "Argentina": "Argentinian",
    "Australia": "Australian",
    "Austria": "Austrian",
    "Belgium": "Belgian",
    "Brazil": "Brazilian",
    "Bulgaria": "Bulgarian",
    "Canada": "Canadian",
    "Chile": "Chilean",
    "China": "Chinese",
    "Czech Republic": "Czech",
    "Czechia": "Czech",
    "Denmark": "Danish",
    "Egypt": "Egyptian",
    "Finland": "Finnish",
    "France": "French",
    "Germany": "German",
    "Greece": "Greek",
    "Hungary": "Hungarian",
    "India": "Indian",
    "Indonesia": "Indonesian",
    "Ireland": "Irish",
    "Israel": "Israeli",
    "Italy": "Italian",
    "Japan": "Japanese",
    "Malaysia": "Malaysian",
    "Mexico": "Mexican",
    "Netherlands": "Dutch",
    "Norway": "Norwegian",
    "Philippines": "Filipino",
    "Poland": "Polish",
    "Portugal": "Portuguese",
    "Romania": "Romanian",
    "Russia": "Russian",
    "Slovakia": "Slovak",
    "South Africa": "South African",
    "South Korea": "Korean",
    "Spain": "Spanish",
    "Sweden": "Swedish",
    "Switzerland": "Swiss",
    "Taiwan": "Taiwanese",
    "Thailand": "Thai",
    "Turkey": "Turkish",
    "Ukraine": "Ukrainian",
    "United Kingdom": "British",
    "United States": "American",
    "Vietnam": "Vietnamese",
}


@dataclass
class Derived:
    name: str
    phrases: list[str]
    expr: dict[str, Any]
    needs: set[str]  # view paths
    additive: bool
    unit: str | None = None


@dataclass
class View:
    """One base collection with the collections its relations reach (``alias`` -> collection)."""

    base: str
    joins: list[tuple[str, str, str, str]] = field(default_factory=list)  # (alias, coll, local, foreign)
    paths: dict[str, tuple[str, str]] = field(default_factory=dict)  # view path -> (coll, field)


def singular(name: str) -> str:
    return name[:-3] + "y" if name.endswith("ies") else name[:-1] if name.endswith("s") else name


def words_of(path: str) -> list[str]:
    last = path.split(".")[-1]
    parts = [p for p in re.split(r"[_.]", path) if p]
    out = {" ".join(parts), " ".join(last.split("_"))}
    trimmed = [p for p in last.split("_") if p not in ("days", "kg", "id", "qty", "code")]
    if trimmed:
        out.add(" ".join(trimmed))
    return sorted(out, key=len, reverse=True)


class Vocabulary:
    def __init__(self, card: dict[str, Any]) -> None:
        self.card = card
        self.collections = card["collections"]
        self.relations = [(r["from"].split(".", 1), r["to"].split(".", 1)) for r in card["relations"]]
        self.entities: dict[str, str] = {}
        for name in self.collections:
            for word in {name, singular(name), *ENTITY_SYNONYMS.get(name, [])}:
                self.entities[word.lower()] = name
        for (_src, fld), (dst, _) in self.relations:
            self.entities.setdefault(fld.lower(), dst)  # "sku" -> products
        self.views = {name: self._view(name) for name in self.collections}

    # -- views ----------------------------------------------------------------------------------
    def _view(self, base: str) -> View:
        view = View(base)
        for path in self.collections[base]["fields"]:
            view.paths[path] = (base, path)
        frontier = [(base, "")]
        seen = {base}
        while frontier:
            coll, prefix = frontier.pop(0)
            for (src, fld), (dst, dst_field) in self.relations:
                if src != coll or dst in seen or dst_field != "_id":
                    continue
                alias = singular(dst)
                taken = {p.split(".")[0] for p in view.paths}
                if alias in taken:  # "gigs.band" holds the band's id: the joined band is "band_doc"
                    alias = f"{alias}_doc"
                view.joins.append((alias, dst, f"{prefix}{fld}", "_id"))
                for path in self.collections[dst]["fields"]:
                    view.paths[f"{alias}.{path}"] = (dst, path)
                seen.add(dst)
                frontier.append((dst, f"{alias}."))
        return view

    def key_to(self, view: View, coll: str) -> str | None:
        """The view path that holds ``coll``'s id (``sku``, ``product.supplier_id``, ``_id``)."""
        if coll == view.base:
            return "_id"
        for _alias, dst, local, _ in view.joins:
            if dst == coll:
                return local
        return None

    def reaches(self, base: str, coll: str) -> bool:
        return self.key_to(self.views[base], coll) is not None

    def fact(self) -> str:
        """The collection that reaches most others (inventory in the sample)."""
        return max(self.collections, key=lambda n: (len(self.views[n].joins), self.collections[n]["count"]))

    # -- fields ---------------------------------------------------------------------------------
    def field_phrases(self) -> list[tuple[str, str, str]]:
        """(phrase, collection, field), longest phrase first; a phrase naming fields in two
        collections is kept for each (the view decides)."""
        out = []
        for coll, info in self.collections.items():
            for path, f in info["fields"].items():
                if path == "_id" or "point" in f["types"] or "object" in f["types"]:
                    continue
                for phrase in {*words_of(path), *FIELD_SYNONYMS.get(path, [])}:
                    out.append((phrase, coll, path))
        return sorted(out, key=lambda t: -len(t[0]))

    def field_type(self, coll: str, path: str) -> str:
        types = self.collections[coll]["fields"].get(path, {}).get("types", ["string"])
        return next((t for t in types if t != "null"), "string")

    def categorical(self) -> list[tuple[str, str, str]]:
        """(value, collection, field) for categorical strings, longest value first."""
        out = []
        for coll, info in self.collections.items():
            for path, f in info["fields"].items():
                if path == "_id":
                    continue
                for value in f.get("values", []):
                    if len(value) >= 2:
                        out.append((value, coll, path))
        return sorted(out, key=lambda t: -len(t[0]))

    def id_prefixes(self) -> dict[str, str]:
        """'SKU' -> 'products' from the examples of each collection's _id."""
        out = {}
        for coll, info in self.collections.items():
            for ex in info["fields"].get("_id", {}).get("examples", []):
                m = re.match(r"^([A-Za-z]{2,6})-\d+$", str(ex))
                if m:
                    out[m.group(1).upper()] = coll
        return out

    # -- derived measures -----------------------------------------------------------------------
    def derived(self, view: View) -> dict[str, Derived]:
        def has(name: str) -> str | None:  # the base's own field first, then the nearest join's
            return min((p for p in view.paths if p.split(".")[-1] == name), key=len, default=None)

        on_hand, reserved = has("on_hand"), has("reserved")
        point, demand, cost = has("reorder_point"), has("daily_demand"), has("unit_cost")
        out: dict[str, Derived] = {}
        if on_hand and reserved:
            out["available"] = Derived(
                "available",
                [
                    "available stock",
                    "available units",
                    "units available",
                    "stock available",
                    "available",
                    "availability",
                ],
                {"$subtract": [f"${on_hand}", f"${reserved}"]},
                {on_hand, reserved},
                True,
                "units",
            )
        if on_hand and cost:
            out["stock_value"] = Derived(
                "stock_value",
                ["stock value", "inventory value", "value of stock", "stock worth", "value"],
                {"$multiply": [f"${on_hand}", f"${cost}"]},
                {on_hand, cost},
                True,
                "EUR",
            )
        if on_hand and demand:
            out["days_of_cover"] = Derived(
                "days_of_cover",
                ["days of cover", "days of coverage", "cover", "coverage", "days of stock"],
                {"$cond": [{"$gt": [f"${demand}", 0]}, {"$divide": [f"${on_hand}", f"${demand}"]}, None]},
                {on_hand, demand},
                False,
                "days",
            )
        if on_hand and point:
            out["urgency"] = Derived(
                "urgency",
                ["urgency"],
                {
                    "$cond": [
                        {"$gt": [f"${point}", 0]},
                        {
                            "$max": [
                                0,
                                {"$divide": [{"$subtract": [f"${point}", f"${on_hand}"]}, f"${point}"]},
                            ]
                        },
                        0,
                    ]
                },
                {on_hand, point},
                False,
                None,
            )
        return out
