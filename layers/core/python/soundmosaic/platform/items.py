"""Conversions between Python values and DynamoDB items.

DynamoDB stores numbers as ``Decimal`` and has no nulls. Facts such as a duration in seconds
are measurements, so they go in as the exact decimal of their ``repr`` and come back as float;
whole numbers come back as int. Money never passes through here as float (see ``royalties``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def to_item(value: Any) -> Any:
    """Drop ``None`` values and turn floats into ``Decimal``, recursively."""
    if isinstance(value, dict):
        return {k: to_item(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_item(v) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def from_item(value: Any) -> Any:
    """Turn ``Decimal`` back into int or float, recursively."""
    if isinstance(value, dict):
        return {k: from_item(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_item(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
