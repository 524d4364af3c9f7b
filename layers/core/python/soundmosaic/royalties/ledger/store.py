"""The ledger table's requests: conditional puts, consistent reads, queries, batches.

Items are plain dicts (``tables.item``/``tables.values`` convert them). ``put_if_absent`` is the
ledger's only guard against double counting: nothing is ever overwritten by it, and
``put_same`` accepts an item already there only if it is identical (a finished line resumed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from soundmosaic.platform import aws
from soundmosaic.royalties import tables
from soundmosaic.royalties.ledger.errors import LedgerConflict


class LedgerStore:
    """One ledger table (its name from the resource list by default)."""

    def __init__(self, table: str | None = None) -> None:
        self.table = tables.name(tables.LEDGER, table)
        self._ddb = aws.client("dynamodb")

    def put_if_absent(self, values: dict[str, Any]) -> bool:
        try:
            self._ddb.put_item(TableName=self.table, Item=tables.item(values),
                               ConditionExpression="attribute_not_exists(pk)")
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def put_same(self, values: dict[str, Any]) -> None:
        """Put if absent; an item already there must be the same (a finished line resumed)."""
        if self.put_if_absent(values):
            return
        existing = self.get(values["pk"], values["sk"])
        wanted = {k: v for k, v in values.items() if v is not None}
        if existing != wanted:
            raise LedgerConflict(f"{values['pk']} {values['sk']} exists with different content")

    def put_plain(self, values: dict[str, Any]) -> None:
        self._ddb.put_item(TableName=self.table, Item=tables.item(values))

    def put_batch(self, items: list[dict[str, Any]]) -> None:
        """Plain puts in one ``BatchWriteItem`` (at most 25 items), retrying unprocessed ones."""
        requests = {self.table: [{"PutRequest": {"Item": tables.item(v)}} for v in items]}
        while requests.get(self.table):
            reply = self._ddb.batch_write_item(RequestItems=requests)
            requests = reply.get("UnprocessedItems") or {}

    def update_if(self, pk: str, sk: str, update: str, condition: str, names: dict[str, str],
                  values: dict[str, Any]) -> bool:
        """``UpdateItem`` under ``condition`` (raw attribute values); False if the condition failed."""
        try:
            self._ddb.update_item(TableName=self.table, Key=tables.key(pk, sk), UpdateExpression=update,
                                  ConditionExpression=condition, ExpressionAttributeNames=names,
                                  ExpressionAttributeValues=values)
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def delete(self, pk: str, sk: str) -> None:
        self._ddb.delete_item(TableName=self.table, Key=tables.key(pk, sk))

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        found = self._ddb.get_item(TableName=self.table, Key=tables.key(pk, sk),
                                   ConsistentRead=True).get("Item")
        return tables.values(found) if found else None

    def line(self, line_key: str) -> dict[str, Any] | None:
        return self.get(f"L#{line_key}", "L")

    def lines(self, keys: set[str]) -> dict[str, dict[str, Any]]:
        """Line records of ``keys`` (at most 100) that exist, by key."""
        if not keys:
            return {}
        request = {self.table: {"Keys": [tables.key(f"L#{k}", "L") for k in sorted(keys)],
                                "ConsistentRead": True}}
        found: dict[str, dict[str, Any]] = {}
        while request:
            reply = self._ddb.batch_get_item(RequestItems=request)
            for raw in reply["Responses"].get(self.table, []):
                record = tables.values(raw)
                found[record["key"]] = record
            request = reply.get("UnprocessedKeys") or {}
        return found

    def query(self, pk: str, low: str | None = None, high: str | None = None) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = {"TableName": self.table, "ConsistentRead": True,
                                 "ExpressionAttributeValues": {":pk": {"S": pk}}}
        if low is not None and high is not None:
            query["KeyConditionExpression"] = "pk = :pk AND sk BETWEEN :low AND :high"
            query["ExpressionAttributeValues"].update({":low": {"S": low}, ":high": {"S": high}})
        else:
            query["KeyConditionExpression"] = "pk = :pk"
        while True:
            reply = self._ddb.query(**query)
            yield from (tables.values(i) for i in reply["Items"])
            if "LastEvaluatedKey" not in reply:
                return
            query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
