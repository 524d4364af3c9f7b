"""The royalty tables, their keys, and items as DynamoDB attribute values (no float on the way).

Three tables, each with a string partition key ``pk`` and sort key ``sk``, on-demand, no GSI:

``LEDGER_TABLE``
    ``H#<holder>`` / ``E#<period>#<line key>``  ledger entry (append-only)
    ``L#<line key>`` / ``L``                    line record: the idempotency claim and its status
    ``T#<track>`` / ``A#<period>#<line key>``   a line's allocation, for the track's split view
    ``C#<source>#<content hash>`` / ``C``       first line with this content in this statement
    ``HELD#<track>`` / ``<line key>``           suspense index of held lines
    ``I#<import id>`` / ``SUMMARY``, ``ERR#<line no>``  import summary and its rejected lines
    ``F#<file sha256>`` / ``F``                 which statement a file was imported as
``AUDIT_TABLE``
    ``A#<operation id>`` / ``<seq>``            one record per write step, written before it
``PROVENANCE_TABLE``
    ``P#<track id>`` / ``V#<version>``          a track's provenance, versions immutable
    ``P#<isrc>`` / ``ALIAS``                    ISRC -> generated-track id

The resource list (``platform.resource list``: ``royalty-ledger``, ``royalty-audit``,
``royalty-provenance``) names them for the CDK app and the local runtime; ``create`` makes
them elsewhere (unit tests, benchmarks).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from soundmosaic.platform import aws
from soundmosaic.platform.config import resource

LEDGER, AUDIT, PROVENANCE = "LEDGER_TABLE", "AUDIT_TABLE", "PROVENANCE_TABLE"


def name(env: str, given: str | None) -> str:
    return given or resource(env)


def create(*names: str) -> None:
    """Create tables with the ``pk``/``sk`` schema above, if they do not exist."""
    ddb = aws.client("dynamodb")
    existing = set(ddb.list_tables()["TableNames"])
    for table in names:
        if table in existing:
            continue
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def av(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value. Money is int here; float is refused."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, Decimal):
        return {"N": str(value)}
    if isinstance(value, Mapping):
        return {"M": {str(k): av(v) for k, v in value.items() if v is not None}}
    if isinstance(value, list | tuple):
        return {"L": [av(v) for v in value]}
    raise TypeError(f"cannot store {type(value).__name__} in the ledger (money is int, never float)")


def item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: av(v) for k, v in values.items() if v is not None}


def value(attribute: Mapping[str, Any]) -> Any:
    """Back from an attribute value; numbers are int when whole (all ledger numbers are)."""
    kind, raw = next(iter(attribute.items()))
    if kind == "S":
        return raw
    if kind == "N":
        return int(raw) if "." not in raw and "e" not in raw.lower() else Decimal(raw)
    if kind == "M":
        return {k: value(v) for k, v in raw.items()}
    if kind == "L":
        return [value(v) for v in raw]
    if kind == "BOOL":
        return bool(raw)
    if kind == "NULL":
        return None
    raise TypeError(f"unexpected attribute type {kind}")


def values(raw_item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: value(v) for k, v in raw_item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}
