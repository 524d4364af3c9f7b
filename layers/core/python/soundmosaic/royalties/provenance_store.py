"""Provenance records in DynamoDB: immutable versions per generated track, ISRC aliases.

Generation records a track's provenance; publishing may add an ISRC (a new version with the
same works). The ledger reads the latest version when it splits a line and writes that version
number on every entry, so a statement can always say which weights it used. A version is never
changed; a wrong provenance is corrected by recording a new version and re-splitting the
affected lines (``Ledger.reverse`` then ``Ledger.resplit``).
"""

from __future__ import annotations

import json
from typing import Any

from soundmosaic.platform import aws, clock
from soundmosaic.royalties import tables
from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.provenance import Provenance, ProvenanceError, isrc, track_ref


class ProvenanceStore:
    def __init__(self, table_name: str | None = None, audit_table: str | None = None) -> None:
        self.table = tables.name(tables.PROVENANCE, table_name)
        self.audit_table = tables.name(tables.AUDIT, audit_table)
        self._ddb = aws.client("dynamodb")

    def record(self, provenance: Provenance, actor: str) -> Provenance:
        """Store ``provenance`` as the track's next version; returns it with version and time."""
        audit = AuditLog(self.audit_table, "record-provenance", actor)
        if provenance.isrc:
            self._alias(provenance.isrc, provenance.track_id)
        for _attempt in range(5):
            latest = self.latest(provenance.track_id)
            version = (latest.version if latest else 0) + 1
            data = Provenance.from_dict({**provenance.to_dict(), "version": version,
                                         "recorded_at": clock.iso(), "recorded_by": actor})
            weights = data.holder_weights()
            audit.record("put-provenance", track_id=data.track_id, version=version,
                         holders=len(weights), isrc=data.isrc)
            try:
                self._ddb.put_item(
                    TableName=self.table,
                    Item=tables.item({"pk": f"P#{data.track_id}", "sk": f"V#{version:06d}",
                                      "track_id": data.track_id, "version": version, "isrc": data.isrc,
                                      "recorded_at": data.recorded_at, "recorded_by": actor,
                                      "data": json.dumps(data.to_dict(), sort_keys=True)}),
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except self._ddb.exceptions.ConditionalCheckFailedException:
                continue  # another writer took this version number: read the latest and go again
            return data
        raise ProvenanceError(f"could not record provenance of {provenance.track_id}: too many writers")

    def _alias(self, code: str, track_id: str) -> None:
        try:
            self._ddb.put_item(
                TableName=self.table,
                Item=tables.item({"pk": f"P#{code}", "sk": "ALIAS", "track_id": track_id}),
                ConditionExpression="attribute_not_exists(pk) OR track_id = :t",
                ExpressionAttributeValues={":t": {"S": track_id}},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException as err:
            raise ProvenanceError(f"ISRC {code} already belongs to another track") from err

    def resolve(self, ref: str) -> str | None:
        """The generated-track id a statement's track reference (id or ISRC) stands for."""
        ref = track_ref(ref)
        if not isrc(ref):
            return ref
        found = self._ddb.get_item(TableName=self.table, Key=tables.key(f"P#{ref}", "ALIAS"),
                                   ConsistentRead=True).get("Item")
        return tables.value(found["track_id"]) if found else None

    def latest(self, ref: str) -> Provenance | None:
        """The newest version for a track id or ISRC; None if the track has no provenance."""
        track_id = self.resolve(ref)
        if track_id is None:
            return None
        reply = self._ddb.query(
            TableName=self.table, KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
            ExpressionAttributeValues={":pk": {"S": f"P#{track_id}"}, ":v": {"S": "V#"}},
            ScanIndexForward=False, Limit=1, ConsistentRead=True,
        )
        return _provenance(reply["Items"][0]) if reply["Items"] else None

    def get(self, track_id: str, version: int) -> Provenance | None:
        found = self._ddb.get_item(TableName=self.table, Key=tables.key(f"P#{track_id}", f"V#{version:06d}"),
                                   ConsistentRead=True).get("Item")
        return _provenance(found) if found else None


def _provenance(raw: dict[str, Any]) -> Provenance:
    return Provenance.from_dict(json.loads(tables.value(raw["data"])))
