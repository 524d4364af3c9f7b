"""The in-process engine behind the embedded wire server: mongomock, completed where Sieb's
pipelines need MongoDB's documented semantics that mongomock 4.3 lacks.

Added here (each checked by tests/unit/sieb/test_conformance.py against the outputs MongoDB's
manual documents):
- arithmetic on Decimal128 (``$add``, ``$subtract``, ``$multiply``, ``$divide``): MongoDB returns
  a decimal when an operand is a decimal; mongomock refused;
- ``$avg`` (group) over Decimal128 values: a decimal average, not mongomock's ``None``;
- ``$toDouble`` and ``$round`` (half to even, like MongoDB's ``$round``);
- ordering and comparing Decimal128 with other numbers (``$sort``, ``$gt``...): MongoDB compares
  all numeric types by value; mongomock could not sort a decimal;
- ``$count`` and ``$group`` over no documents output no document (mongomock made one with 0);
- ``$sortByCount`` (``$group`` + ``$sort``, as the manual defines it);
- ``$lookup`` with ``localField``/``foreignField`` by a hash of the foreign collection (the same
  equality semantics, including arrays and null/missing), where mongomock ran one query per
  input document (two minutes for the sample's three-way join);
- ``maxTimeMS`` during a command, as MongoDB does it: ``deadline(ms)`` sets a per-thread deadline
  that every pipeline stage, every document a filter tests and every expression evaluated checks,
  so a long command stops mid-way with ``MaxTimeExpired`` (the server answers code 50,
  MaxTimeMSExpired) instead of running to the end. One Python sort or one hash build is not cut.
Everything else is mongomock's own; known gaps are listed in docs/sieb.md.
"""

from __future__ import annotations

import contextlib
import copy
import decimal
import functools
import threading
import time
from collections.abc import Iterator
from typing import Any

import mongomock
from bson.decimal128 import Decimal128
from mongomock import aggregate as agg
from mongomock import collection as mongomock_collection
from mongomock import filtering

_DEC = decimal.Context(prec=34)  # Decimal128's precision
_original_arith = agg._Parser._handle_arithmetic_operator
_original_convert = agg._Parser._handle_type_convertion_operator
_original_lookup = agg._handle_lookup_stage
_original_compare = filtering.bson_compare
_original_parse = agg._Parser.parse
_original_filter_applies = filtering.filter_applies
_deadline = threading.local()


class MaxTimeExpired(Exception):
    """The command ran past its ``maxTimeMS``."""


def check_deadline() -> None:
    at = getattr(_deadline, "at", None)
    if at is not None and time.monotonic() > at:
        raise MaxTimeExpired("operation exceeded time limit")


@contextlib.contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Commands run on this thread inside the block stop once ``time.monotonic()`` passes ``at``."""
    _deadline.at = at
    try:
        yield
    finally:
        _deadline.at = None


def _parse(self: Any, expression: Any) -> Any:
    check_deadline()
    return _original_parse(self, expression)


def _filter_applies(search_filter: Any, document: Any, *args: Any, **kwargs: Any) -> Any:
    check_deadline()
    return _original_filter_applies(search_filter, document, *args, **kwargs)


def _timed(handler: Any) -> Any:
    def run(in_collection: list[dict[str, Any]], database: Any, options: Any) -> Any:
        check_deadline()
        return handler(in_collection, database, options)

    run.timed = handler  # type: ignore[attr-defined]
    if hasattr(handler, "wrapped"):
        run.wrapped = handler.wrapped  # type: ignore[attr-defined]
    return run


def _num(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, Decimal128) else value


def _arith(self: Any, operator: str, values: Any) -> Any:
    if operator == "$round":
        args = values if isinstance(values, list) else [values, 0]
        number, places = list(self.parse_many(args)) + [0] * (2 - len(args))
        if number is None:
            return None
        if isinstance(number, Decimal128):
            return Decimal128(
                number.to_decimal().quantize(
                    decimal.Decimal(1).scaleb(-int(places)), rounding=decimal.ROUND_HALF_EVEN
                )
            )
        rounded = float(
            decimal.Decimal(repr(number)).quantize(
                decimal.Decimal(1).scaleb(-int(places)), rounding=decimal.ROUND_HALF_EVEN
            )
        )
        return int(rounded) if isinstance(number, int) else rounded
    if operator in ("$add", "$subtract", "$multiply", "$divide") and isinstance(values, list):
        parsed = list(self.parse_many(values))
        if any(isinstance(v, Decimal128) for v in parsed):
            if any(v is None for v in parsed):
                return None
            nums = [
                decimal.Decimal(repr(v)) if isinstance(v, float) else decimal.Decimal(_num(v)) for v in parsed
            ]
            if operator == "$add":
                result = functools.reduce(_DEC.add, nums)
            elif operator == "$multiply":
                result = functools.reduce(_DEC.multiply, nums)
            elif operator == "$subtract":
                result = _DEC.subtract(nums[0], nums[1])
            else:
                result = _DEC.divide(nums[0], nums[1])
            return Decimal128(result)
    return _original_arith(self, operator, values)


def _convert(self: Any, operator: str, values: Any) -> Any:
    if operator == "$toDouble":
        try:
            parsed = self.parse(values)
        except KeyError:
            return None
        if parsed is None:
            return None
        return float(_num(parsed))
    return _original_convert(self, operator, values)


def _avg(values: list[Any]) -> Any:
    decimals = [v.to_decimal() for v in values if isinstance(v, Decimal128)]
    plain = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not decimals:
        return sum(plain) / len(plain) if plain else None
    total = functools.reduce(_DEC.add, decimals + [decimal.Decimal(repr(v)) for v in plain])
    return Decimal128(_DEC.divide(total, len(decimals) + len(plain)))


def _lookup(in_collection: list[dict[str, Any]], database: Any, options: dict[str, Any]) -> Any:
    if (
        "let" in options
        or "pipeline" in options
        or not all(isinstance(options.get(k), str) for k in ("from", "localField", "foreignField", "as"))
    ):
        return _original_lookup(in_collection, database, options)
    foreign = list(database.get_collection(options["from"]).find({}))
    index: dict[Any, list[int]] = {}
    try:
        for i, doc in enumerate(foreign):
            value = _get(doc, options["foreignField"])
            for key in value if isinstance(value, list) else [value]:
                index.setdefault(_key(key), []).append(i)
        for doc in in_collection:
            check_deadline()
            value = _get(doc, options["localField"])
            hits: set[int] = set()
            for key in value if isinstance(value, list) and value else [value]:
                hits.update(index.get(_key(key), ()))
            doc[options["as"]] = [copy.deepcopy(foreign[i]) for i in sorted(hits)]
    except TypeError:  # an unhashable key (an object): mongomock's own, slower way
        return _original_lookup(in_collection, database, options)
    return in_collection


def _get(doc: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list):
            doc = [d.get(part) for d in doc if isinstance(d, dict)]
        else:
            return None
    return doc


def _key(value: Any) -> Any:
    # 1 == 1.0 == Decimal128("1") in MongoDB's comparison; bool is not a number there
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, Decimal128):
        return ("num", value.to_decimal())
    if isinstance(value, (int, float)):
        return ("num", decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value))
    if isinstance(value, dict):
        raise TypeError("object key")
    return value


def _sort_by_count(in_collection: list[dict[str, Any]], database: Any, options: Any) -> Any:
    grouped = agg._handle_group_stage(in_collection, database, {"_id": options, "count": {"$sum": 1}})
    return sorted(grouped, key=lambda d: -d["count"])


def _compare(op: Any, a: Any, b: Any, can_compare_types: bool = True) -> Any:
    return _original_compare(op, _num(a), _num(b), can_compare_types)


def _none_from_nothing(handler: Any) -> Any:
    def run(in_collection: list[dict[str, Any]], database: Any, options: Any) -> Any:
        return [] if not in_collection else handler(in_collection, database, options)

    run.wrapped = handler  # type: ignore[attr-defined]
    return run


def install() -> None:
    """Patch mongomock's expression parser once (idempotent)."""
    agg.arithmetic_operators.add("$round")
    if "$toDouble" not in agg.type_convertion_operators:
        agg.type_convertion_operators.append("$toDouble")
    agg._Parser._handle_arithmetic_operator = _arith  # type: ignore[method-assign]
    agg._Parser._handle_type_convertion_operator = _convert  # type: ignore[method-assign]
    agg._GROUPING_OPERATOR_MAP["$avg"] = _avg
    filtering.bson_compare = _compare
    agg._PIPELINE_HANDLERS["$lookup"] = _lookup
    agg._PIPELINE_HANDLERS["$sortByCount"] = _sort_by_count
    for stage in ("$count", "$group"):
        if not hasattr(agg._PIPELINE_HANDLERS[stage], "wrapped"):
            agg._PIPELINE_HANDLERS[stage] = _none_from_nothing(agg._PIPELINE_HANDLERS[stage])
    agg._Parser.parse = _parse  # type: ignore[method-assign]
    filtering.filter_applies = _filter_applies
    mongomock_collection.filter_applies = _filter_applies  # find() imported the name
    for stage, handler in list(agg._PIPELINE_HANDLERS.items()):
        if handler and not hasattr(handler, "timed"):
            agg._PIPELINE_HANDLERS[stage] = _timed(handler)


def new_client() -> mongomock.MongoClient:
    install()
    return mongomock.MongoClient()
