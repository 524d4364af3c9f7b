"""Which tenant (artist or label) a generated track's provenance belongs to.

The provenance table is keyed by track id, and statements name tracks by id or ISRC, so without
an owner one tenant's statement could be split with another tenant's provenance. The first
tenant to record a track's provenance owns it:

``PROVENANCE_TABLE``
    ``P#<track id>`` / ``OWNER``        the owning tenant (put only if absent, never changed)
    ``TENANT#<artist>`` / ``T#<track>``  the tenant's tracks, for listing their rights holders

``TenantProvenance`` is the ``ProvenanceStore`` a tenant's import splits with: a track owned by
another tenant (or by none) has no provenance for it, so such lines are held as unknown tracks.

Only the platform writes provenance: the take workflow (from the catalog's rights holders and
the generation's weights), publishing (the same weights with an ISRC) and a royalty admin's
audited correction. A tenant's request never carries holders or shares. ``recorded_by`` says
which (``platform:generation:<artist>``, ``platform:publishing:<artist>``, ``admin:<id>``), and a
version recorded any other way (before this rule) is not split with and not shown to holders.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from soundmosaic.platform import clock
from soundmosaic.royalties import tables
from soundmosaic.royalties.provenance import Provenance
from soundmosaic.royalties.provenance_store import ProvenanceStore

PLATFORM_WRITERS = ("platform:", "admin:")


def platform_actor(step: str, artist_id: str) -> str:
    """``recorded_by`` of a version the platform writes for an artist (``step``: generation...)."""
    return f"platform:{step}:{artist_id}"


def platform_recorded(provenance: Provenance) -> bool:
    return (provenance.recorded_by or "").startswith(PLATFORM_WRITERS)


class TrackTaken(PermissionError):
    """The track id's provenance belongs to another tenant."""


class TenantProvenance(ProvenanceStore):
    """Provenance as one tenant sees it: only the tracks that tenant owns."""

    def __init__(self, artist_id: str, table_name: str | None = None, audit_table: str | None = None) -> None:
        super().__init__(table_name, audit_table)
        self.artist_id = artist_id

    def owner(self, track_id: str) -> str | None:
        found = self._ddb.get_item(TableName=self.table, Key=tables.key(f"P#{track_id}", "OWNER"),
                                   ConsistentRead=True).get("Item")
        return tables.value(found["artist_id"]) if found else None

    def claim(self, track_id: str) -> None:
        """Make the tenant the track's owner (again: a no-op); ``TrackTaken`` if another owns it."""
        try:
            self._ddb.put_item(
                TableName=self.table,
                Item=tables.item({"pk": f"P#{track_id}", "sk": "OWNER", "artist_id": self.artist_id,
                                  "claimed_at": clock.iso()}),
                ConditionExpression="attribute_not_exists(pk) OR artist_id = :a",
                ExpressionAttributeValues={":a": {"S": self.artist_id}},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException as err:
            raise TrackTaken(f"track id {track_id} is in use by another account") from err
        self._ddb.put_item(TableName=self.table, Item=tables.item(
            {"pk": f"TENANT#{self.artist_id}", "sk": f"T#{track_id}", "track_id": track_id}))

    def record_owned(self, provenance: Provenance, actor: str) -> Provenance:
        """Claim the track, then record its provenance as the next version (platform writers only)."""
        if not actor.startswith(PLATFORM_WRITERS):
            raise PermissionError(f"provenance is recorded by the platform, not by {actor!r}")
        self.claim(provenance.track_id)
        return self.record(provenance, actor)

    def latest(self, ref: str) -> Provenance | None:
        """The latest version the platform recorded for a track the tenant owns, else None."""
        track_id = self.resolve(ref)
        if track_id is None or self.owner(track_id) != self.artist_id:
            return None
        found = super().latest(track_id)
        return found if found is not None and platform_recorded(found) else None

    def tracks(self) -> Iterator[str]:
        """The ids of the tenant's tracks, in id order."""
        query: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"TENANT#{self.artist_id}"}},
        }
        while True:
            reply = self._ddb.query(**query)
            yield from (tables.value(i["track_id"]) for i in reply["Items"])
            if "LastEvaluatedKey" not in reply:
                return
            query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
