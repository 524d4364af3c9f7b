"""The writers' room records in the ``writers`` DynamoDB table (pk/sk), one partition per room
(docs/writers.md):

- ``ROOM#<room>`` / ``META``: name, language, creator; ``MEMBER#<user>``: role
- ``USER#<user>`` / ``ROOM#<room>``: the same membership, to list a user's rooms
- ``ROOM#<room>`` / ``DOC#<document>``: a document's intake status, episode, version, error
- ``ROOM#<room>`` / ``HASH#<sha256>``: the first document with that content (nothing twice)
- ``ROOM#<room>`` / ``EPISODE#<n>``: the episode's current document and revision counter
- ``ROOM#<room>`` / ``TURN#<turn>``, ``SESSION#<user>#<session>``: chat turns and sessions
- ``ROOM#<room>`` / ``CALL#<iso time>#<id>``: one model call's usage, cost and latency
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.items import from_item, to_item


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def room_pk(room_id: str) -> str:
    return f"ROOM#{room_id}"


class WritersStore:
    def __init__(self, table_name: str | None = None) -> None:
        self.table = aws.resource("dynamodb").Table(table_name or resource("WRITERS_TABLE"))

    # -- items -------------------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def put(self, item: dict[str, Any], *, only_new: bool = False) -> bool:
        """Write ``item``; with ``only_new`` only if its key is free (False when it was taken)."""
        extra = {"ConditionExpression": "attribute_not_exists(pk)"} if only_new else {}
        try:
            self.table.put_item(Item=to_item(item), **extra)
        except ClientError as err:
            if only_new and err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def update(self, pk: str, sk: str, values: dict[str, Any], *, exists: bool = True) -> dict[str, Any]:
        names = {f"#k{i}": k for i, k in enumerate(values)}
        vals = {f":v{i}": to_item(v) for i, v in enumerate(values.values())}
        expr = "SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(values)))
        extra = {"ConditionExpression": "attribute_exists(pk)"} if exists else {}
        reply = self.table.update_item(
            Key={"pk": pk, "sk": sk},
            UpdateExpression=expr,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=vals,
            ReturnValues="ALL_NEW",
            **extra,
        )
        return from_item(reply["Attributes"])

    def add(self, pk: str, sk: str, counter: str, amount: int = 1) -> int:
        reply = self.table.update_item(
            Key={"pk": pk, "sk": sk},
            UpdateExpression="ADD #c :n",
            ExpressionAttributeNames={"#c": counter},
            ExpressionAttributeValues={":n": amount},
            ReturnValues="UPDATED_NEW",
        )
        return int(reply["Attributes"][counter])

    def delete(self, pk: str, sk: str) -> None:
        self.table.delete_item(Key={"pk": pk, "sk": sk})

    def query(
        self,
        pk: str,
        prefix: str = "",
        *,
        start: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        cond: Any = Key("pk").eq(pk)
        if start is not None:
            cond = cond & Key("sk").between(start, prefix + "\uffff")
        elif prefix:
            cond = cond & Key("sk").begins_with(prefix)
        args: dict[str, Any] = {"KeyConditionExpression": cond, "ScanIndexForward": not newest_first}
        items: list[dict[str, Any]] = []
        while True:
            reply = self.table.query(**args)
            items.extend(from_item(i) for i in reply.get("Items", []))
            if "LastEvaluatedKey" not in reply or (limit and len(items) >= limit):
                return items[:limit] if limit else items
            args["ExclusiveStartKey"] = reply["LastEvaluatedKey"]

    def rooms_with_activity(self) -> list[str]:
        """Every room id (the weekly refresh walks them; a scan of META items only)."""
        rooms: list[str] = []
        args: dict[str, Any] = {
            "FilterExpression": "sk = :m",
            "ExpressionAttributeValues": {":m": "META"},
            "ProjectionExpression": "room_id",
        }
        while True:
            reply = self.table.scan(**args)
            rooms.extend(str(i["room_id"]) for i in reply.get("Items", []))
            if "LastEvaluatedKey" not in reply:
                return rooms
            args["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
