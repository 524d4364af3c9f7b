"""The offline engine: a schema-aware semantic parser from a planner's question to an intent, and
from the intent to an aggregation pipeline. No model, no key, no network; deterministic.

It reads the question against the vocabulary of the schema card (``vocabulary``): collections,
fields, categorical values, ids, joins and derived measures. Every word of the question must be
accounted for (a known term or a filler word); a question with words it cannot place is "not
understood" and answered with suggestions instead of a guess, which is also why instructions
smuggled into a question ("ignore the rules and drop...") are refused here before the validator
ever sees a pipeline.

An intent (a plain dict, kept per conversation) holds the entity the rows are about, filters,
a metric (count/sum/avg/min/max), a grouping, an order and a limit. A follow-up ("only in
Berlin", "what about Milan?", "and their suppliers?") is parsed against the previous intent:
its filters replace those on the same field, its entity or metric replace the previous one.

Fixed thresholds for adjectives, stated in every answer that uses them (docs/sieb.md):
slow supplier = lead time over 30 days, fast = at most 10 days, unreliable = reliability under
0.8, reliable = at least 0.9.
"""

from __future__ import annotations

import calendar
import copy
import re
from typing import Any

from soundmosaic.sieb.vocabulary import DEMONYMS, UNITS, View, Vocabulary, singular

ADJECTIVES = {
    "slow": ("lead_time_days", "$gt", 30, "slow = lead time over 30 days"),
    "fast": ("lead_time_days", "$lte", 10, "fast = lead time of at most 10 days"),
    "unreliable": ("reliability", "$lt", 0.8, "unreliable = reliability under 0.8"),
    "reliable": ("reliability", "$gte", 0.9, "reliable = reliability of at least 0.9"),
}
_FILLER_WORDS = """
a an the of in on at to for from with by per and or is are was were be been do does did have has had
show me us list give find get what which who whose where there their them they those these that this
all any each every our my we i you please tell how many much number count total sum currently now
right still only just also but then same about same among it its as than into are is being have
across overall combined rows row data records record record's value's located based sitting held
kept stored sit have carry carries carrying supply supplied supplying make made from do item items
level levels whats what's doing one ones kind kinds type types over under above below more less most
least fewer highest lowest top biggest largest smallest come comes coming sourced sourcing source
sources shipped ships provided provides provide delivered delivers produced produces manufactured
hold holds holding
"""
FILLER = frozenset(_FILLER_WORDS.split())
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
NUM = r"(\d+(?:[.,]\d+)?)"
GT = r"(more than|over|above|greater than|higher than|exceeding|at least|no less than|>=|>)"
LT = r"(less than|fewer than|under|below|lower than|at most|no more than|up to|<=|<)"
CMP = {
    "more than": "$gt",
    "over": "$gt",
    "above": "$gt",
    "greater than": "$gt",
    "higher than": "$gt",
    "exceeding": "$gt",
    "at least": "$gte",
    "no less than": "$gte",
    ">=": "$gte",
    ">": "$gt",
    "less than": "$lt",
    "fewer than": "$lt",
    "under": "$lt",
    "below": "$lt",
    "lower than": "$lt",
    "at most": "$lte",
    "no more than": "$lte",
    "up to": "$lte",
    "<=": "$lte",
    "<": "$lt",
}
# Longest spelling first, and never inside a word ("euros" is not "eur" + "os").
CURRENCY = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
}
UNIT_WORDS = (
    r"(?:(?:kilograms?|kilos?|kg|percent|%|days?|weeks?|units?|pieces?|pcs|"
    + "|".join(re.escape(c) for c in sorted(CURRENCY, key=len, reverse=True))
    + r")(?![a-z]))"
)
SYMBOL = r"(?:([€$£])\s*)?"  # a currency written before the amount
FOLLOW_UP = re.compile(
    r"^(only|just|and|what about|how about|now|of those|of these|among them|but|same|"
    r"also|then|filter|restrict|limit|narrow|exclude|except|without)\b"
)
MAX_LIMIT = 1000


class NotUnderstood(Exception):
    def __init__(self, message: str, unknown: list[str]) -> None:
        super().__init__(message)
        self.unknown = unknown


class _Text:
    """The question with a mask of the characters already explained."""

    def __init__(self, question: str) -> None:
        self.raw = question.strip()
        self.low = re.sub(r"[?!;]", " ", self.raw.lower())
        self.used = [False] * len(self.low)

    def masked(self) -> str:
        """The question with explained characters read as '#'."""
        return "".join("#" if u else c for c, u in zip(self.low, self.used, strict=True))

    def find(self, pattern: str) -> list[re.Match[str]]:
        """Matches in what is not explained yet."""
        return list(re.finditer(pattern, self.masked()))

    def take(self, m: re.Match[str] | tuple[int, int]) -> None:
        start, end = (m.start(), m.end()) if isinstance(m, re.Match) else m
        for i in range(start, end):
            self.used[i] = True

    def leftover(self) -> list[str]:
        rest = "".join(c if not u else " " for c, u in zip(self.low, self.used, strict=True))
        words = re.findall(r"[a-z0-9€$£%][a-z0-9€$£%'-]*", rest)
        return [w for w in words if w.strip("'-") not in FILLER and not re.fullmatch(r"[\d.,]+", w)]


def _phrase_re(phrases: list[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))


def _participle(path: str) -> str:
    """The verb form of an array field's name ("certifications" -> "certified", "qualifications"
    -> "qualified"); other names stand as they are."""
    last = path.split(".")[-1].replace("_", " ")
    return re.escape(last[: -len("ications")] + "ied") if last.endswith("ications") else re.escape(last)


def _number(text: str) -> float | int:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


class Parser:
    """question (+ the previous intent) -> intent, against one schema card."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.v = vocab
        self.fact = vocab.fact()
        self.fact_view = vocab.views[self.fact]
        self.derived = vocab.derived(self.fact_view)
        self.fields = vocab.field_phrases()
        self.numeric = [
            (p, c, f) for p, c, f in self.fields if vocab.field_type(c, f) in ("int", "double", "decimal")
        ]
        self.dates = [(p, c, f) for p, c, f in self.fields if vocab.field_type(c, f) == "date"]
        self.bools = [(p, c, f) for p, c, f in self.fields if vocab.field_type(c, f) == "bool"]

    # -- measures --------------------------------------------------------------------------------
    def measure_phrases(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, d in self.derived.items():
            for p in d.phrases:
                out.setdefault(p, {"derived": name})
        for p, c, f in self.numeric:
            out.setdefault(p, {"coll": c, "field": f})
        return out

    def parse(self, question: str, previous: dict[str, Any] | None = None) -> dict[str, Any]:
        t = _Text(question)
        intent: dict[str, Any] = {
            "entity": None,
            "filters": [],
            "metric": None,
            "group_by": None,
            "order": None,
            "limit": None,
            "notes": [],
        }
        measures = self.measure_phrases()
        m_re = _phrase_re(list(measures))
        self._ids(t, intent)
        self._dates(t, intent)
        self._comparisons(t, intent, measures, m_re)
        self._terms(t, intent)
        self._aggregates(t, intent, measures, m_re)
        self._bare_measure(t, intent, measures)
        self._values(t, intent)
        self._booleans(t, intent)
        self._entities(t, intent)
        unknown = t.leftover()
        recognised = (
            intent["entity"] or intent["filters"] or intent["metric"] or intent["group_by"] or intent["order"]
        )
        if unknown or not recognised:
            what = ", ".join(repr(w) for w in unknown) if unknown else "nothing I know"
            raise NotUnderstood(f"I could not place {what} in this data's vocabulary", unknown)
        follow = previous is not None and (FOLLOW_UP.match(t.low.strip()) is not None or not intent["entity"])
        if follow and previous is not None:
            intent = self._merge(previous, intent)
        if not intent["entity"]:
            intent["entity"] = self._default_entity(intent)
        return intent

    # -- pieces ----------------------------------------------------------------------------------
    def _add(
        self,
        intent: dict[str, Any],
        coll: str | None,
        field: str | None,
        op: str,
        value: Any,
        derived: str | None = None,
        note: str | None = None,
    ) -> None:
        flt: dict[str, Any] = {"op": op, "value": value}
        if derived:
            flt["derived"] = derived
        else:
            flt.update(coll=coll, field=field)
        intent["filters"].append(flt)
        if note:
            intent["notes"].append(note)

    def _ids(self, t: _Text, intent: dict[str, Any]) -> None:
        """Ids named in the question ("SKU-00042"; a list of them, as "ask about the selection"
        sends): one id filters by equality, several of a collection by ``$in`` (any of them)."""
        prefixes = self.v.id_prefixes()
        named: dict[str, list[str]] = {}
        for m in t.find(r"\b([a-z]{2,6})-(\d+)\b"):
            coll = prefixes.get(m.group(1).upper())
            if coll:
                named.setdefault(coll, []).append(m.group(0).upper())
                t.take(m)
        for coll, ids in named.items():
            unique = list(dict.fromkeys(ids))
            if len(unique) == 1:
                self._add(intent, coll, "_id", "$eq", unique[0])
            else:
                self._add(intent, coll, "_id", "$in", unique)

    def _dates(self, t: _Text, intent: dict[str, Any]) -> None:
        if not self.dates:
            return
        d_re = _phrase_re([p for p, _, _ in self.dates])
        month = _phrase_re(list(MONTHS))
        date = rf"(\d{{4}}-\d{{2}}-\d{{2}}|(?:{month})\s+\d{{4}}|\d{{4}})"
        for m in t.find(
            rf"\b(not\s+)?({d_re})\s+(?:on\s+)?(before|after|since|in|during|until|by)\s+{date}\b"
        ):
            negated, phrase, word, when = m.group(1), m.group(2), m.group(3), m.group(4)
            coll, field = next((c, f) for p, c, f in self.dates if p == phrase)
            start, end = self._span(when)
            if (negated and word == "since") or word in ("before", "until"):
                ops = [("$lt", start)]
            elif word == "by":
                ops = [("$lt", end)]
            elif word == "after":
                ops = [("$gte", end)]
            elif word == "since":
                ops = [("$gte", start)]
            else:
                ops = [("$gte", start), ("$lt", end)]
            for op, value in ops:
                self._add(intent, coll, field, op, {"$date": value})
            t.take(m)

    @staticmethod
    def _span(when: str) -> tuple[str, str]:
        """A date's first instant and the first instant after it (ISO, UTC)."""
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
            import datetime

            day = datetime.date.fromisoformat(when)
            return f"{day}T00:00:00Z", f"{day + datetime.timedelta(days=1)}T00:00:00Z"
        parts = when.split()
        if len(parts) == 2:
            month, year = MONTHS[parts[0]], int(parts[1])
            nxt = (year + (month == 12), month % 12 + 1)
            return f"{year}-{month:02d}-01T00:00:00Z", f"{nxt[0]}-{nxt[1]:02d}-01T00:00:00Z"
        year = int(when)
        return f"{year}-01-01T00:00:00Z", f"{year + 1}-01-01T00:00:00Z"

    def _measure_filter(
        self, intent: dict[str, Any], target: dict[str, Any], op: str, raw: str, unit: str | None
    ) -> None:
        value = _number(raw)
        name = target.get("derived") or target["field"]
        currency = CURRENCY.get(unit or "")
        if currency and UNITS.get(name) != currency:  # no silent conversion: amounts are in one unit
            raise NotUnderstood(
                f"{name.replace('_', ' ')} is not in {currency} here (unit: {UNITS.get(name) or 'none'})",
                [unit or ""],
            )
        if unit in ("week", "weeks"):  # a duration in weeks, for a measure kept in days
            if UNITS.get(name) != "days":
                raise NotUnderstood(f"{name.replace('_', ' ')} is not a duration", [unit])
            value = value * 7
        if "derived" in target:
            self._add(intent, None, None, op, value, derived=target["derived"])
            return
        if target["field"] == "reliability" and (unit in ("%", "percent") or value > 1):
            value = value / 100
        self._add(intent, target["coll"], target["field"], op, value)

    def _comparisons(self, t: _Text, intent: dict[str, Any], measures: dict[str, Any], m_re: str) -> None:
        for m in t.find(
            rf"\b({m_re})\s+(?:is\s+|are\s+|of\s+)?between\s+{NUM}\s*{UNIT_WORDS}?\s+and\s+{NUM}"
            rf"\s*{UNIT_WORDS}?"
        ):
            self._measure_filter(intent, measures[m.group(1)], "$gte", m.group(2), None)
            self._measure_filter(intent, measures[m.group(1)], "$lte", m.group(3), None)
            t.take(m)
        for m in t.find(
            rf"\b({m_re})\s+(?:(?:is|are|of|with|stands at)\s+)?(?:{GT}|{LT})\s+{SYMBOL}{NUM}\s*"
            rf"({UNIT_WORDS})?"
        ):
            cmp = m.group(2) or m.group(3)
            unit = m.group(6) or m.group(4)
            self._measure_filter(intent, measures[m.group(1)], CMP[cmp], m.group(5), unit)
            t.take(m)
        for m in t.find(rf"(?:{GT}|{LT})\s+{SYMBOL}{NUM}\s*({UNIT_WORDS})?\s+(?:(?:of|in)\s+)?({m_re})\b"):
            cmp = m.group(1) or m.group(2)
            unit = m.group(5) or m.group(3)
            self._measure_filter(intent, measures[m.group(6)], CMP[cmp], m.group(4), unit)
            t.take(m)

    def _terms(self, t: _Text, intent: dict[str, Any]) -> None:
        fact = self.fact
        fields = self.v.collections[fact]["fields"]
        if "on_hand" in fields and "reorder_point" in fields:
            for m in t.find(
                r"\b(?:(?:are|is|sit|sits|fall|fell|fallen|dropped)\s+)?(?:below|under|beneath|"
                r"lower than)\s+(?:the\s+|their\s+|its\s+)?(?:reorder point|reorder level)s?\b|"
                r"\bneeds?\s+(?:a\s+)?reorder(?:ing)?\b|\bdue for reorder(?:ing)?\b|"
                r"\bto reorder\b"
            ):
                self._add(
                    intent,
                    fact,
                    "on_hand",
                    "$ltfield",
                    "reorder_point",
                    note="below reorder point = on_hand < reorder_point",
                )
                t.take(m)
        if "on_hand" in fields:
            for m in t.find(
                r"\b(?:stock-?\s?outs?|stocked[- ]out|out of stock|sold out|zero stock|no stock|"
                r"nothing on hand)\b"
            ):
                self._add(intent, fact, "on_hand", "$eq", 0, note="stock-out = on_hand = 0")
                t.take(m)
            for m in t.find(r"\bin stock\b"):
                self._add(intent, fact, "on_hand", "$gt", 0)
                t.take(m)
        for word, (field, op, value, note) in ADJECTIVES.items():
            owner = next((c for c, info in self.v.collections.items() if field in info["fields"]), None)
            if owner is None:
                continue
            for m in t.find(rf"\b{word}\b"):
                self._add(intent, owner, field, op, value, note=note)
                t.take(m)

    def _dims(self) -> dict[str, tuple[str, str]]:
        """Words that name a grouping: categorical fields and the collections joins reach."""
        out: dict[str, tuple[str, str]] = {}
        for coll, info in self.v.collections.items():
            for path, f in info["fields"].items():
                if "values" in f and path != "_id" and "array" not in f["types"]:
                    for p in [
                        path.split(".")[-1].replace("_", " "),
                        path.replace(".", " ").replace("_", " "),
                    ]:
                        out.setdefault(p, (coll, path))
                        out.setdefault(p + "s", (coll, path))
                        if p.endswith("y"):
                            out.setdefault(p[:-1] + "ies", (coll, path))
        for word, coll in self.v.entities.items():
            out.setdefault(word, (coll, "_id"))
        if "warehouse.city" in self.v.collections[self.fact]["fields"]:
            out["warehouse"] = out["warehouses"] = (self.fact, "warehouse.city")
        return out

    def _aggregates(self, t: _Text, intent: dict[str, Any], measures: dict[str, Any], m_re: str) -> None:
        dims = self._dims()
        d_re = _phrase_re(list(dims))
        up = r"(most|highest|largest|biggest|longest|greatest|least|lowest|fewest|smallest|shortest)"
        for m in t.find(
            rf"\bwhich\s+({d_re})\s+(?:has|have|holds?|carr(?:y|ies)|shows?)\s+the\s+{up}\s+"
            rf"(?:total\s+)?({m_re})?"
        ):
            coll, field = dims[m.group(1)]
            direction = 1 if m.group(2) in ("least", "lowest", "fewest", "smallest", "shortest") else -1
            target = measures.get(m.group(3) or "")
            if target and target.get("coll") == coll and field == "_id":
                intent["entity"] = coll
                intent["order"] = {**target, "dir": direction}
            else:
                intent["group_by"] = {"coll": coll, "field": field}
                intent["metric"] = {"op": "sum", **target} if target else {"op": "count"}
                intent["order"] = {"metric": True, "dir": direction}
            intent["limit"] = 1
            t.take(m)
        for m in t.find(rf"\btop\s+(\d+)\s+({d_re})\b"):
            coll, field = dims[m.group(2)]
            if field != "_id":  # "top 3 warehouses by stock value": a ranking of groups
                intent["group_by"] = {"coll": coll, "field": field}
                intent["limit"] = min(int(m.group(1)), MAX_LIMIT)
                t.take(m)
        for m in t.find(
            r"\btop\s+(\d+)\b|\b(\d+)\s+(?=\w+(?:\s+\w+)?\s+(?:with|by|having|have|has)\s+the\s+)"
        ):
            intent["limit"] = min(int(m.group(1) or m.group(2)), MAX_LIMIT)
            t.take(m)
        for m in t.find(
            rf"\b(?:with|having|by|have|has)\s+the\s+{up}\s+({m_re})\b|\b(?:ranked|sorted|ordered)?\s*by\s+"
            rf"({m_re})(\s+(?:descending|desc|ascending|asc))?\b"
        ):
            target = measures[m.group(2) or m.group(3)]
            direction = (
                1
                if (
                    m.group(1) in ("least", "lowest", "fewest", "smallest", "shortest")
                    or (m.group(4) or "").strip().startswith("asc")
                )
                else -1
            )
            intent["order"] = {**target, "dir": direction}
            t.take(m)
        cost = next(((c, f) for _, c, f in self.numeric if f == "unit_cost"), None)
        if cost:
            for m in t.find(r"\b(?:(\d+)\s+)?(most expensive|priciest|cheapest|least expensive)\b"):
                intent["order"] = {
                    "coll": cost[0],
                    "field": cost[1],
                    "dir": -1 if m.group(2) in ("most expensive", "priciest") else 1,
                }
                intent["limit"] = int(m.group(1)) if m.group(1) else intent["limit"] or 1
                intent["entity"] = intent["entity"] or cost[0]
                intent["notes"].append("expensive = by unit cost")
                t.take(m)
        ops = {
            "sum": r"total|sum of(?: the)?|overall|combined",
            "avg": r"average|avg|mean",
            "max": r"maximum|max|highest|largest|longest|biggest",
            "min": r"minimum|min|lowest|smallest|shortest",
        }
        for op, words in ops.items():
            for m in t.find(rf"\b(?:{words})\s+({m_re})\b"):
                intent["metric"] = {"op": op, **measures[m.group(1)]}
                t.take(m)
        for m in t.find(r"\bhow many\b|\bnumber of\b|\bcount(?: of)?\b"):
            intent["metric"] = intent["metric"] or {"op": "count"}
            t.take(m)
        for m in t.find(
            rf"\b(?:by|per|for each|in each|for every|each|every|across|grouped by|broken down by)"
            rf"\s+({d_re})\b"
        ):
            intent["group_by"] = {"coll": dims[m.group(1)][0], "field": dims[m.group(1)][1]}
            t.take(m)
        if intent["group_by"] and intent["metric"] is None and not intent["order"]:
            for m in t.find(rf"\b({m_re})\b"):  # "stock value by category": the sum of it
                intent["metric"] = {"op": "sum", **measures[m.group(1)]}
                t.take(m)
                break
        if (
            intent["group_by"]
            and intent["order"]
            and "metric" not in intent["order"]
            and intent["metric"] is None
        ):
            intent["metric"] = {"op": "sum", **{k: v for k, v in intent["order"].items() if k != "dir"}}
            intent["order"] = {"metric": True, "dir": intent["order"]["dir"]}

    def _bare_measure(self, t: _Text, intent: dict[str, Any], measures: dict[str, Any]) -> None:
        """An additive derived measure named with no rows to show it on ("stock value in Berlin",
        "available units of SKU-00042") asks for its total; with an entity ("positions in Berlin
        with their stock value") it stays a column."""
        if intent["metric"] or intent["group_by"] or intent["order"]:
            return
        additive = [
            p for p, spec in measures.items() if "derived" in spec and self.derived[spec["derived"]].additive
        ]
        hits = t.find(rf"\b({_phrase_re(additive)})\b") if additive else []
        if len(hits) != 1:
            return
        m = hits[0]
        rest = t.masked()[: m.start()] + " " + t.masked()[m.end() :]
        if re.search(rf"\b({_phrase_re(list(self.v.entities))})\b", rest):
            return
        intent["metric"] = {"op": "sum", **measures[m.group(1)]}
        intent["notes"].append(f"{m.group(1)} named alone = its total")
        t.take(m)

    def _values(self, t: _Text, intent: dict[str, Any]) -> None:
        supplier_ctx = (
            r"(?:suppliers?|vendors?)\s+(?:(?:that|which|who)\s+)?(?:(?:are|is)\s+)?"
            r"(?:located\s+|based\s+|sitting\s+)?(?:in|from)\s+$"
        )
        for value, coll, field in self.v.categorical():
            verb = (
                _participle(field) if "array" in self.v.collections[coll]["fields"][field]["types"] else None
            )
            before = rf"(?:(?:{verb}|holding|having)\s+(?:as\s+|for\s+|with\s+)?)?" if verb else ""
            after = rf"(?:[- ]{verb}|[- ]{singular(field.split('.')[-1])})?" if verb else ""
            for m in t.find(
                rf"(?<![\w-])(not\s+|without\s+|lacking\s+|no\s+|non-)?{before}{re.escape(value.lower())}"
                rf"(?:e?s)?{after}(?![\w-])"
            ):
                written = t.raw[m.start() : m.end()]
                if len(value) <= 3 and value.isupper() and not re.search(rf"\b{re.escape(value)}", written):
                    continue  # short codes ("US", "HAM") only when written in capitals: "us" is a word
                owners = [(c, f) for v, c, f in self.v.categorical() if v == value]
                chosen = (coll, field)
                if len(owners) > 1:
                    before = t.low[: m.start()]
                    if re.search(supplier_ctx, before) and any(c != self.fact for c, _ in owners):
                        chosen = next((c, f) for c, f in owners if c != self.fact)
                    else:
                        chosen = next(((c, f) for c, f in owners if c == self.fact), owners[0])
                if chosen != (coll, field):
                    continue
                # on an array, {field: {$ne: v}} means no element is v: "not certified CE"
                self._add(intent, coll, field, "$ne" if m.group(1) else "$eq", value)
                t.take(m)
        for value, coll, field in self.v.categorical():  # "Chinese suppliers": country China
            demonym = DEMONYMS.get(value)
            if demonym and field.split(".")[-1] == "country":
                for m in t.find(rf"(?<![\w-])(non-|not\s+)?{demonym.lower()}(?![\w-])"):
                    self._add(intent, coll, field, "$ne" if m.group(1) else "$eq", value)
                    t.take(m)

    def _booleans(self, t: _Text, intent: dict[str, Any]) -> None:
        for phrase, coll, field in self.bools:
            neg = rf"(?:not\s+|non-?|in|un){re.escape(phrase)}"
            for m in t.find(rf"\b{neg}\b|\bno longer\s+{re.escape(phrase)}\b"):
                self._add(intent, coll, field, "$eq", False)
                t.take(m)
            for m in t.find(rf"\b{re.escape(phrase)}\b"):
                self._add(intent, coll, field, "$eq", True)
                t.take(m)

    def _entities(self, t: _Text, intent: dict[str, Any]) -> None:
        e_re = _phrase_re(list(self.v.entities))
        for m in t.find(rf"\b({e_re})\b"):
            intent["entity"] = intent["entity"] or self.v.entities[m.group(1)]
            t.take(m)
        # field words alone ("with their lead time") are fine: they name columns, not filters
        f_re = _phrase_re(
            [p for p, _, _ in self.fields] + [p for d in self.derived.values() for p in d.phrases]
        )
        for m in t.find(rf"\b({f_re})\b"):
            t.take(m)
        for m in t.find(r"\b(?:stock|inventory)\b"):
            t.take(m)

    def _default_entity(self, intent: dict[str, Any]) -> str:
        colls = {f.get("coll") for f in intent["filters"] if f.get("coll")}
        if any("derived" in f for f in intent["filters"]) or self.fact in colls:
            return self.fact
        for key in ("metric", "order"):
            if intent[key] and "derived" in intent[key]:
                return self.fact
        if intent["group_by"]:
            return str(intent["group_by"]["coll"]) if intent["group_by"]["field"] != "_id" else self.fact
        return self.fact if not colls else sorted(colls, key=lambda c: -len(self.v.views[c].joins))[0]

    @staticmethod
    def _merge(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        merged = copy.deepcopy(previous)
        replaced = {(f.get("coll"), f.get("field"), f.get("derived")) for f in new["filters"]}
        merged["filters"] = [
            f for f in merged["filters"] if (f.get("coll"), f.get("field"), f.get("derived")) not in replaced
        ]
        merged["filters"] += new["filters"]
        merged["notes"] = sorted(set(previous.get("notes", []) + new["notes"]))
        if new["entity"] and new["entity"] != previous.get("entity"):
            merged.update(entity=new["entity"], metric=None, group_by=None, order=None, limit=None)
        for key in ("metric", "group_by", "order", "limit"):
            if new[key] is not None:
                merged[key] = new[key]
        return merged


# -- intent -> pipeline -----------------------------------------------------------------------------


class Planner:
    """Builds the pipeline of an intent over the base collection that reaches all it needs."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.v = vocab
        self.fact = vocab.fact()

    def base_for(self, intent: dict[str, Any]) -> str:
        needed = {f["coll"] for f in intent["filters"] if "coll" in f}
        for key in ("metric", "order", "group_by"):
            if intent.get(key) and intent[key].get("coll"):
                needed.add(intent[key]["coll"])
        uses_derived = any(
            "derived" in (x or {}) for x in [*intent["filters"], intent.get("metric"), intent.get("order")]
        )
        entity = intent["entity"]
        candidates = [entity] if not uses_derived else []
        candidates += sorted(self.v.collections, key=lambda c: len(self.v.views[c].joins))
        for base in candidates:
            if uses_derived and base != self.fact:
                continue
            if all(self.v.reaches(base, c) for c in needed | {entity}):
                return base
        return self.fact

    def pipeline(self, intent: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        base = self.base_for(intent)
        view = self.v.views[base]
        derived = self.v.derived(view)
        entity = intent["entity"]
        # Rows stay inventory positions (the cloud's default mapping) when they are about the fact
        # collection or about what a position names directly ("which SKUs ...": the sku column),
        # unless an additive measure ranks them ("top 10 SKUs by stock value": summed per SKU).
        entity_key = self.v.key_to(view, entity) or "_id"
        ranked_sum = bool(intent["order"]) and self._additive(intent["order"], derived)
        rows_are_positions = (
            intent["metric"] is None
            and base == self.fact
            and (entity == base or ("." not in entity_key and not ranked_sum))
        )

        def path(coll: str, field: str) -> str:
            if coll == base:
                return field
            key = next(alias for alias, dst, _, _ in view.joins if dst == coll)
            return f"{key}.{field}"

        stages: list[dict[str, Any]] = []
        needed_aliases: set[str] = set()

        def need(p: str) -> None:
            parts = p.split(".")
            for alias, _, local, _ in view.joins:
                if parts[0] == alias:
                    needed_aliases.add(alias)
                    need(local)

        def cond(flt: dict[str, Any]) -> dict[str, Any]:
            if "derived" in flt:
                return {flt["derived"]: {flt["op"]: flt["value"]}}
            p = path(flt["coll"], flt["field"])
            if flt["field"] == "_id" and flt["coll"] != base:
                p = self.v.key_to(view, flt["coll"]) or p  # "SKU-00042": the position's own sku
            if flt["op"] == "$ltfield":
                return {"$expr": {"$lt": [f"${p}", f"${path(flt['coll'], flt['value'])}"]}}
            return {p: flt["value"]} if flt["op"] == "$eq" else {p: {flt["op"]: flt["value"]}}

        def is_early(f: dict[str, Any]) -> bool:
            key = self.v.key_to(view, f.get("coll", "")) if f.get("field") == "_id" else None
            return f.get("coll") == base or (key is not None and "." not in key)

        early = [cond(f) for f in intent["filters"] if "coll" in f and is_early(f)]
        late = [f for f in intent["filters"] if "coll" in f and not is_early(f)]
        derived_filters = [f for f in intent["filters"] if "derived" in f]
        used_derived = {f["derived"] for f in derived_filters}
        for key in ("metric", "order"):
            if intent.get(key) and intent[key].get("derived"):
                used_derived.add(intent[key]["derived"])
        if rows_are_positions:
            used_derived |= set(derived)
            for alias, _, _, _ in view.joins:
                needed_aliases.add(alias)
        for f in late:
            need(path(f["coll"], f["field"]))
        for name in used_derived:
            for p in derived[name].needs:
                need(p)
        for key in ("metric", "order", "group_by"):
            spec = intent.get(key)
            if spec and spec.get("coll"):
                need(path(spec["coll"], spec["field"]))
        need(entity_key)

        if early:
            stages.append({"$match": early[0] if len(early) == 1 else {"$and": early}})
        for alias, dst, local, foreign in view.joins:
            if alias in needed_aliases:
                stages.append(
                    {"$lookup": {"from": dst, "localField": local, "foreignField": foreign, "as": alias}}
                )
                stages.append({"$unwind": f"${alias}"})
        if late:
            conds = [cond(f) for f in late]
            stages.append({"$match": conds[0] if len(conds) == 1 else {"$and": conds}})
        if used_derived:
            stages.append({"$addFields": {n: derived[n].expr for n in sorted(used_derived)}})
        if derived_filters:
            conds = [cond(f) for f in derived_filters]
            stages.append({"$match": conds[0] if len(conds) == 1 else {"$and": conds}})

        def measure_expr(spec: dict[str, Any]) -> str:
            return f"${spec['derived']}" if "derived" in spec else f"${path(spec['coll'], spec['field'])}"

        def measure_name(spec: dict[str, Any]) -> str:
            return spec.get("derived") or spec["field"]

        metric, group = intent["metric"], intent["group_by"]
        if group:
            dim = (
                path(group["coll"], group["field"])
                if group["field"] != "_id"
                else self.v.key_to(view, group["coll"])
            )
            dim_name = (group["field"] if group["field"] != "_id" else singular(group["coll"])).replace(
                ".", "_"
            )
            name, acc = self._accumulator(metric, measure_expr, measure_name)
            if metric and metric["op"] == "count" and entity not in (base, group["coll"]):
                stages.append({"$group": {"_id": {"d": f"${dim}", "k": f"${entity_key}"}}})
                stages.append({"$group": {"_id": "$_id.d", name: {"$sum": 1}}})
            else:
                stages.append({"$group": {"_id": f"${dim}", name: acc}})
            direction = (intent["order"] or {}).get("dir", -1)
            stages.append({"$sort": {name: direction, "_id": 1}})
            if intent["limit"]:
                stages.append({"$limit": intent["limit"]})
            stages.append({"$project": {"_id": 0, dim_name: "$_id", name: 1}})
            return base, stages
        if metric:
            name, acc = self._accumulator(metric, measure_expr, measure_name)
            if metric["op"] == "count":
                if entity != base:
                    stages.append({"$group": {"_id": f"${entity_key}"}})
                stages.append({"$count": name})
            else:
                stages.append({"$group": {"_id": None, name: acc}})
                stages.append({"$project": {"_id": 0, name: 1}})
            return base, stages
        order = intent["order"]
        if entity != base and not rows_are_positions:
            grp: dict[str, Any] = {"_id": f"${entity_key}"}
            if order:
                grp["m"] = {"$sum" if self._additive(order, derived) else "$min": measure_expr(order)}
            stages.append({"$group": grp})
            stages.append(
                {"$lookup": {"from": entity, "localField": "_id", "foreignField": "_id", "as": "doc"}}
            )
            stages.append({"$unwind": "$doc"})
            if order:
                mname = measure_name(order)
                stages.append({"$addFields": {f"doc.{mname}": "$m"}})
                stages.append({"$replaceRoot": {"newRoot": "$doc"}})
                stages.append({"$sort": {mname: order["dir"], "_id": 1}})
            else:
                stages.append({"$replaceRoot": {"newRoot": "$doc"}})
                stages.append({"$sort": {"_id": 1}})
        else:
            if order:
                stages.append({"$sort": {measure_expr(order)[1:]: order["dir"], "_id": 1}})
            else:
                stages.append({"$sort": {"_id": 1}})
        if intent["limit"]:
            stages.append({"$limit": intent["limit"]})
        if rows_are_positions:
            stages.append({"$project": self._position_projection(view, derived)})
        return base, stages

    @staticmethod
    def _additive(order: dict[str, Any], derived: dict[str, Any]) -> bool:
        if "derived" in order:
            return bool(derived[order["derived"]].additive)
        return order.get("field") in ("on_hand", "reserved", "daily_demand", "reorder_qty")

    @staticmethod
    def _accumulator(metric: dict[str, Any] | None, expr: Any, name: Any) -> tuple[str, dict[str, Any]]:
        if not metric or metric["op"] == "count":
            return "count", {"$sum": 1}
        return f"{metric['op']}_{name(metric)}", {f"${metric['op']}": expr(metric)}

    def _position_projection(self, view: View, derived: dict[str, Any]) -> dict[str, Any]:
        proj: dict[str, Any] = {"_id": 1}
        for p, (coll, _) in view.paths.items():
            if coll == view.base:
                proj[p] = 1
        for alias, dst, _, _ in view.joins:
            for field in ("name", "category", "lead_time_days", "unit_cost", "reliability", "country"):
                if field in self.v.collections[dst]["fields"]:
                    proj[f"{alias}.{field}"] = 1
        for name in derived:
            proj[name] = 1
        return proj


def unit_of(name: str) -> str | None:
    return UNITS.get(
        name.split(".")[-1]
        .removeprefix("sum_")
        .removeprefix("avg_")
        .removeprefix("min_")
        .removeprefix("max_")
    )
