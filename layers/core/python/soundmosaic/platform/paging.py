"""Newest-first paging over one artist's partition, with an opaque cursor.

Sort keys are time-ordered ids (``new_id``), so reading a partition backwards lists the newest
first. A filter (search) is applied by DynamoDB after reading, so a page is filled by reading on
until ``limit`` matches are found; the cursor is the key of the last item returned, never a
page boundary, so nothing is skipped between pages.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from typing import Any

from boto3.dynamodb.conditions import ConditionBase, Key

from soundmosaic.platform.items import from_item


class BadCursor(ValueError):
    pass


def new_id() -> str:
    """Time-ordered id: 12 hex digits of milliseconds, then 12 random hex digits."""
    return f"{int(time.time() * 1000):012x}{os.urandom(6).hex()}"


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, partition: str, artist_id: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as err:
        raise BadCursor("cursor is not one this API returned") from err
    # A cursor is a key: it must stay inside the caller's own partition.
    if not isinstance(key, dict) or key.get(partition) != artist_id or len(key) != 2:
        raise BadCursor("cursor is not one this API returned")
    return key


def page(table: Any, artist_id: str, sort_key: str, limit: int, cursor: str | None = None,
         filter_expression: ConditionBase | None = None) -> tuple[list[dict[str, Any]], str | None]:
    query: dict[str, Any] = {
        "KeyConditionExpression": Key("artist_id").eq(artist_id),
        "ScanIndexForward": False,
    }
    if filter_expression is not None:
        # DynamoDB filters after reading: let each Query read a full 1 MB page rather than
        # a page's worth of items, or a rare match costs one round trip per few items.
        query["FilterExpression"] = filter_expression
    else:
        query["Limit"] = limit + 1  # one more tells whether a next page exists
    if cursor:
        query["ExclusiveStartKey"] = decode_cursor(cursor, "artist_id", artist_id)
    items: list[dict[str, Any]] = []
    while True:
        reply = table.query(**query)
        for item in reply["Items"]:
            items.append(from_item(item))
            if len(items) == limit:
                last = {"artist_id": artist_id, sort_key: item[sort_key]}
                more = item is not reply["Items"][-1] or "LastEvaluatedKey" in reply
                return items, encode_cursor(last) if more else None
        if "LastEvaluatedKey" not in reply:
            return items, None
        query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
