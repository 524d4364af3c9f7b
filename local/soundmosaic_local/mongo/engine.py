"""The in-process engine behind the embedded wire server: mongomock, completed where Sieb's
pipelines need MongoDB's documented semantics that mongomock 4.3 lacks.

Added here (each checked by tests/unit/sieb/test_conformance.py against the outputs MongoDB's
manual documents):
- arithmetic on Decimal128 (``$add``, ``$subtract``, ``$multiply``, ``$divide``): MongoDB returns
  a decimal when an operand is a decimal; mongomock refused;
- ``$avg`` (group) over Decimal128 values: a decimal average, not mongomock's ``None``;
- ``$toDouble`` and ``$round`` (half to even, like MongoDB's ``$round``).
Everything else is mongomock's own; known gaps are listed in docs/sieb.md.
"""

from __future__ import annotations

import decimal
import functools
from typing import Any

import mongomock
from bson.decimal128 import Decimal128
from mongomock import aggregate as agg

_DEC = decimal.Context(prec=34)  # Decimal128's precision
_original_arith = agg._Parser._handle_arithmetic_operator
_original_convert = agg._Parser._handle_type_convertion_operator


def _num(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, Decimal128) else value


def _arith(self: Any, operator: str, values: Any) -> Any:
    if operator == "$round":
        args = values if isinstance(values, list) else [values, 0]
        number, places = list(self.parse_many(args)) + [0] * (2 - len(args))
        if number is None:
            return None
        if isinstance(number, Decimal128):
            return Decimal128(number.to_decimal().quantize(decimal.Decimal(1).scaleb(-int(places)),
                                                           rounding=decimal.ROUND_HALF_EVEN))
        rounded = float(decimal.Decimal(repr(number)).quantize(decimal.Decimal(1).scaleb(-int(places)),
                                                               rounding=decimal.ROUND_HALF_EVEN))
        return int(rounded) if isinstance(number, int) else rounded
    if operator in ("$add", "$subtract", "$multiply", "$divide") and isinstance(values, list):
        parsed = list(self.parse_many(values))
        if any(isinstance(v, Decimal128) for v in parsed):
            if any(v is None for v in parsed):
                return None
            nums = [decimal.Decimal(repr(v)) if isinstance(v, float) else decimal.Decimal(_num(v)) for v in parsed]
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


def install() -> None:
    """Patch mongomock's expression parser once (idempotent)."""
    agg.arithmetic_operators.add("$round")
    if "$toDouble" not in agg.type_convertion_operators:
        agg.type_convertion_operators.append("$toDouble")
    agg._Parser._handle_arithmetic_operator = _arith
    agg._Parser._handle_type_convertion_operator = _convert
    agg._GROUPING_OPERATOR_MAP["$avg"] = _avg


def new_client() -> mongomock.MongoClient:
    install()
    return mongomock.MongoClient()
