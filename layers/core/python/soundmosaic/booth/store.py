"""The booth table (``BOOTH_TABLE``): events, participants, codes, collages, audit, rate counters.

One DynamoDB table, keyed ``pk``/``sk``:

- ``event#<event>`` / ``meta``: the event (name, organiser, consent texts, retention days)
- ``organiser#<subject>`` / ``event#<event>``: the organiser's list of events
- ``event#<event>`` / ``participant#<id>``: a participant: the sealed PII (``crypto.Sealed``), the
  consents with their texts, the media keys, the print state. Nothing else holds PII.
- ``code#<sha256>`` / ``code``: a download code's hash -> event and participant
- ``event#<event>`` / ``collage#<id>``: a collage request and the participants in it
- ``event#<event>`` / ``audit#<time>#<id>``: an erasure: who, when, which opaque id; no PII
- ``rate#<client hash>#<minute>`` / ``rate``: public lookups counted, expiring with DynamoDB's TTL
"""

from __future__ import annotations

import time
from typing import Any

from boto3.dynamodb.conditions import Key

from soundmosaic.platform import aws, config, items

TABLE_ENV = "BOOTH_TABLE"


def table() -> Any:
    return aws.resource("dynamodb").Table(config.resource(TABLE_ENV))


def event_pk(event_id: str) -> str:
    return f"event#{event_id}"


def get(pk: str, sk: str) -> dict[str, Any] | None:
    item = table().get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
    return items.from_item(item) if item else None


def put(item: dict[str, Any], *, new: bool = False) -> None:
    extra = {"ConditionExpression": "attribute_not_exists(pk)"} if new else {}
    table().put_item(Item=items.to_item(item), **extra)


def delete(pk: str, sk: str) -> None:
    table().delete_item(Key={"pk": pk, "sk": sk})


def query(pk: str, prefix: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": Key("pk").eq(pk) & Key("sk").begins_with(prefix),
        "ConsistentRead": True,
    }
    while True:
        page = table().query(**kwargs)
        out.extend(items.from_item(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def update(pk: str, sk: str, values: dict[str, Any]) -> None:
    """Set ``values`` on an existing item (never creates one: an erased record stays erased)."""
    names = {f"#k{i}": k for i, k in enumerate(values)}
    vals = {f":v{i}": items.to_item(v) for i, v in enumerate(values.values())}
    table().update_item(
        Key={"pk": pk, "sk": sk},
        ConditionExpression="attribute_exists(pk)",
        UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(values))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=vals,
    )


def count_hit(client: str, window: int) -> int:
    """Add one to the client's counter for this minute window; the new count."""
    reply = table().update_item(
        Key={"pk": f"rate#{client}#{window}", "sk": "rate"},
        UpdateExpression="ADD #n :one SET expires_at = if_not_exists(expires_at, :exp)",
        ExpressionAttributeNames={"#n": "count"},
        ExpressionAttributeValues={":one": 1, ":exp": int(time.time()) + 180},
        ReturnValues="UPDATED_NEW",
    )
    return int(reply["Attributes"]["count"])
