"""The audit log: who wrote what to the ledger, when, under which operation.

Every ledger operation (an import, applying held lines, a reversal, a re-split, recording a
provenance) has an operation id. Before each write step it puts one audit record naming what it
is about to write (line keys, holders, totals per currency) and after the step one naming what
happened (written, duplicate, held, conflict). Writing the intent *first* means no ledger write
can exist without an audit record, even if the process dies between the two. Records are
immutable: ``A#<operation id>`` / ``<sequence>``, put only if absent.
"""

from __future__ import annotations

import itertools
from typing import Any

from soundmosaic.platform import aws, clock
from soundmosaic.platform.paging import new_id
from soundmosaic.royalties import tables


class AuditLog:
    """The records of one operation."""

    def __init__(self, table_name: str, operation: str, actor: str, operation_id: str | None = None) -> None:
        if not actor or not isinstance(actor, str):
            raise ValueError("every ledger write needs an actor (user or service id)")
        self.table = table_name
        self.operation = operation
        self.actor = actor
        self.operation_id = operation_id or new_id()
        self._seq = itertools.count()

    def record(self, action: str, **details: Any) -> None:
        seq = next(self._seq)
        aws.client("dynamodb").put_item(
            TableName=self.table,
            Item=tables.item({
                "pk": f"A#{self.operation_id}", "sk": f"{seq:08d}", "operation_id": self.operation_id,
                "operation": self.operation, "action": action, "actor": self.actor, "at": clock.iso(),
                **details,
            }),
            ConditionExpression="attribute_not_exists(pk)",
        )


def records(table_name: str, operation_id: str) -> list[dict[str, Any]]:
    """Every audit record of an operation, in order."""
    query: dict[str, Any] = {
        "TableName": table_name, "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"A#{operation_id}"}},
    }
    found: list[dict[str, Any]] = []
    while True:
        reply = aws.client("dynamodb").query(**query)
        found.extend(tables.values(i) for i in reply["Items"])
        if "LastEvaluatedKey" not in reply:
            return found
        query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
