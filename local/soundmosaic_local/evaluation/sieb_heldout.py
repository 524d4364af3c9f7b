"""Sieb's held-out questions: planner questions written after the offline parser was frozen, by
someone who had not seen its vocabulary, and never used to tune it. The main set
(``sieb_questions``) was written while the parser was built, so it shows coverage; this one
shows how the parser does on phrasings it was not shaped by. Answers in plain Python, as there.
"""

from __future__ import annotations

from decimal import Decimal

from .sieb_questions import Case, Data, _below, _date, _group_sum

HELD_OUT: list[Case] = [
    Case("list suppliers located in Poland", "filter: equality",
         lambda d: {s for s, x in d.sup.items() if x["country"] == "Poland"}, "ids:_id"),
    Case("show me speakers that are discontinued", "filter: equality + boolean",
         lambda d: {p for p, x in d.prod.items() if x["category"] == "Speakers" and x["discontinued"]},
         "ids:_id"),
    Case("how many products do we have in the Stage Lighting category?", "count",
         lambda d: sum(1 for x in d.prod.values() if x["category"] == "Stage Lighting"), "count"),
    Case("suppliers certified CE", "filter: array",
         lambda d: {s for s, x in d.sup.items() if "CE" in x["certifications"]}, "ids:_id"),
    Case("inventory positions in Warsaw that are out of stock", "derived: stock-out",
         lambda d: {r["_id"] for r in d.inv if r["warehouse"]["city"] == "Warsaw" and r["on_hand"] == 0},
         "ids:_id"),
    Case("number of positions under their reorder point in Amsterdam", "derived: below reorder point + count",
         lambda d: sum(1 for r in d.inv if r["warehouse"]["city"] == "Amsterdam" and _below(r)), "count"),
    Case("total units on hand per warehouse", "group sum",
         lambda d: _group_sum(d.inv, lambda r: r["warehouse"]["city"], lambda r: r["on_hand"]), "groups"),
    Case("average lead time of suppliers by country", "group avg",
         lambda d: {c: sum(x["lead_time_days"] for x in d.sup.values() if x["country"] == c)
                    / sum(1 for x in d.sup.values() if x["country"] == c)
                    for c in {x["country"] for x in d.sup.values()}}, "groups"),
    Case("products with unit cost above 500 euros", "filter: range on decimal",
         lambda d: {p for p in d.prod if d.cost(p) > 500}, "ids:_id"),
    Case("microphones launched since 2024", "filter: date + equality",
         lambda d: {p for p, x in d.prod.items() if x["category"] == "Microphones"
                    and _date(x["launched"]) >= "2024-01-01"}, "ids:_id"),
    Case("inactive suppliers", "filter: boolean",
         lambda d: {s for s, x in d.sup.items() if not x["active"]}, "ids:_id"),
    Case("which products come from suppliers in China?", "join: product->supplier",
         lambda d: {p for p, x in d.prod.items() if d.sup[x["supplier_id"]]["country"] == "China"},
         "ids:_id"),
    Case("stock value in Berlin", "derived: stock value + sum",
         lambda d: sum((d.value(r) for r in d.inv if r["warehouse"]["city"] == "Berlin"), Decimal(0)),
         "value"),
    Case("how many suppliers have a reliability above 0.9", "filter: range + count",
         lambda d: sum(1 for x in d.sup.values() if x["reliability"] > 0.9), "count"),
    Case("number of products per category", "group count",
         lambda d: _group_sum(list(d.prod.values()), lambda x: x["category"], lambda x: 1), "groups"),
    Case("what's the weather in Hamburg tomorrow?", "refusal: another domain",
         lambda d: None, "not_understood"),
]

__all__ = ["HELD_OUT", "Data"]
