"""The catalogs the customer named: Apple Music (search by hand) and AcoustID (identification).

When keys are configured (the environment, or the provider keys secret in AWS):

- **Apple Music** (``APPLE_MUSIC_KEY_ID``, ``APPLE_MUSIC_TEAM_ID``, ``APPLE_MUSIC_PRIVATE_KEY``):
  ``search`` answers catalog songs for the match-by-hand dialog beside the local catalog, and
  ``resolve("apple-music:<id>")`` reads one song back when the artist picks it.
- **AcoustID** (``ACOUSTID_API_KEY``): ``identify`` looks a fingerprint up when the local catalog
  has no match; a match is a MusicBrainz recording, read back with its ISRCs.

Neither catalog knows rights holders' shares. A named catalog's recording is usable only when
the platform's catalog holds its rights: a catalog recording with the same id (added by a royalty
admin with ``add_rights``, audited) or the same ISRC. Until then the song is ``needs_rights``
and the project cannot generate; the recording waits in the admins' list (``pending``). Without
keys, only the local catalog is used, as before. See docs/generation.md, "Named catalogs".
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from soundmosaic.catalog.lookup import Candidate, CatalogLookup, LookupFailed
from soundmosaic.catalog.store import CatalogStore, Recording
from soundmosaic.platform import aws, clock
from soundmosaic.providers.keys import with_secret_keys
from soundmosaic.royalties import tables
from soundmosaic.royalties.audit import AuditLog
from soundmosaic.royalties.provenance import ProvenanceError, Work

LOCAL, APPLE, MUSICBRAINZ = "local", "apple-music", "musicbrainz"
PENDING = "RIGHTS#PENDING"  # catalog table: recordings of named catalogs waiting for rights holders


class SourceNotConfigured(LookupError):
    """A named catalog was asked for, but its keys are not configured (409)."""


class ExternalNotFound(LookupError):
    """The named catalog has no such recording (404)."""


def _env() -> dict[str, str]:
    return with_secret_keys(os.environ)


def sources(env: Mapping[str, str] | None = None) -> list[str]:
    """The catalogs search and identification use now: always the local one, and the named ones
    whose keys are set (``musicbrainz``: AcoustID for identification)."""
    env = _env() if env is None else env
    found = [LOCAL]
    if all(env.get(k) for k in ("APPLE_MUSIC_KEY_ID", "APPLE_MUSIC_TEAM_ID")) and (
            env.get("APPLE_MUSIC_PRIVATE_KEY") or env.get("APPLE_MUSIC_PRIVATE_KEY_PATH")):
        found.append(APPLE)
    if env.get("ACOUSTID_API_KEY"):
        found.append(MUSICBRAINZ)
    return found


def lookup(source: str) -> CatalogLookup:
    """The named catalog's client; ``SourceNotConfigured`` without its keys."""
    env = _env()
    if source not in sources(env) or source == LOCAL:
        raise SourceNotConfigured(f"the {source} catalog is not configured (no keys): "
                                  "search the local catalog instead")
    if source == APPLE:
        from soundmosaic.catalog.lookup.apple_music import AppleMusicLookup

        return AppleMusicLookup.from_env(env)
    from soundmosaic.catalog.lookup.musicbrainz import MusicBrainzLookup

    return MusicBrainzLookup.from_env(env)


def catalog_entry(recording: Recording) -> dict[str, Any]:
    """A catalog recording with its work and rights holders (shares exact: ``"3/5"``)."""
    return {"recording_id": recording.recording_id, "title": recording.title,
            "artists": list(recording.artists), "isrc": recording.isrc,
            "duration_ms": recording.duration_ms, "work_id": recording.work.work_id,
            "work_title": recording.work_title or recording.title,
            "holders": {h: str(s) for h, s in sorted(recording.shares().items())},
            "holder_names": dict(recording.holder_names)}


def rights_for(recording_id: str, isrc: str | None) -> Recording | None:
    """The platform's catalog recording (with rights holders) for a named catalog's recording."""
    store = CatalogStore()
    found = store.get(recording_id)
    if found is None and isrc:
        found = next(iter(store.by_isrc(isrc)), None)
    return found


def external_view(found: Candidate) -> dict[str, Any]:
    return {"source": found.source if found.source != "acoustid" else MUSICBRAINZ,
            "recording_id": f"{MUSICBRAINZ if found.source == 'acoustid' else found.source}:{found.ref}",
            "title": found.title, "artists": list(found.artists), "isrc": found.isrc, "url": found.url}


def entry(found: Candidate) -> dict[str, Any]:
    """A search result: the recording, and its rights from the platform's catalog if known."""
    view = external_view(found)
    local = rights_for(view["recording_id"], found.isrc)
    return {**view, "duration_ms": found.duration_ms, "rights": "known" if local else "needed",
            "work_id": local.work.work_id if local else None,
            "holders": {h: str(s) for h, s in sorted(local.shares().items())} if local else {},
            "holder_names": dict(local.holder_names) if local else {}}


def search(source: str, query: str, limit: int = 20) -> dict[str, Any]:
    """Songs of a named catalog for ``query`` (title, artist or ISRC)."""
    from soundmosaic.royalties.provenance import isrc

    if not query.strip():
        raise ValueError("q: say what to look for (title, artist or ISRC)")
    client = lookup(source)
    try:
        code = isrc(query)
        found = client.by_isrc(code) if code else client.search(query, limit)
    finally:
        client.close()
    return {"source": source, "items": [entry(c) for c in found[:limit]]}


def resolve(recording_id: str) -> Candidate:
    """A named catalog's recording read back from that catalog (never from the request)."""
    source, _, ref = recording_id.partition(":")
    client = lookup(source)
    try:
        found = client.song(ref) if source == APPLE else client.recording(ref)  # type: ignore[attr-defined]
    finally:
        client.close()
    if found is None:
        raise ExternalNotFound(f"the {source} catalog has no recording {ref[:60]}")
    return found


def is_external(recording_id: str) -> bool:
    return recording_id.partition(":")[0] in (APPLE, MUSICBRAINZ)


def request_rights(found: Candidate) -> None:
    """Put the recording on the royalty admins' list (once; again is a no-op)."""
    view = external_view(found)
    aws.client("dynamodb").put_item(TableName=CatalogStore().table, Item=tables.item({
        "pk": PENDING, "sk": view["recording_id"], "title": view["title"], "artists": view["artists"],
        "isrc": view["isrc"], "url": view["url"], "source": view["source"], "requested_at": clock.iso()}))


def pending() -> list[dict[str, Any]]:
    """The named catalogs' recordings that songs are waiting on, for a royalty admin."""
    ddb, store = aws.client("dynamodb"), CatalogStore()
    query: dict[str, Any] = {"TableName": store.table, "KeyConditionExpression": "pk = :p",
                             "ExpressionAttributeValues": {":p": {"S": PENDING}}}
    items: list[dict[str, Any]] = []
    while True:
        reply = ddb.query(**query)
        for raw in reply["Items"]:
            item = {k: tables.value(v) for k, v in raw.items()}
            items.append({"recording_id": item["sk"], "source": item["source"], "title": item["title"],
                          "artists": list(item.get("artists") or []), "isrc": item.get("isrc"),
                          "url": item.get("url"), "requested_at": item["requested_at"]})
        if "LastEvaluatedKey" not in reply:
            return items
        query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]


def add_rights(admin_id: str, recording_id: str, holders: Mapping[str, str],
               holder_names: Mapping[str, str] | None = None,
               work_title: str | None = None, reason: str | None = None,
               holder_roles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A royalty admin adds a named catalog's recording to the platform's catalog with its rights
    holders' shares (exact, summing to 1), recorded in the audit log with the admin's reason and
    the holders' roles (the catalog keeps shares and names; the roles are the audit's record).
    Title, artists and ISRC come from the named catalog, never from the form."""
    if not is_external(recording_id):
        raise ValueError(f"{recording_id[:60]!r} is not a recording of a named catalog")
    names, roles = dict(holder_names or {}), dict(holder_roles or {})
    for field, given in (("holder_names", names), ("holder_roles", roles)):
        unknown = sorted(set(given) - set(holders))
        if unknown:
            raise ValueError(f"{field} name holders without a share: {', '.join(unknown)[:120]}")
    found = resolve(recording_id)
    try:
        work = Work(f"work:{recording_id}", dict(holders))
        recording = Recording(recording_id, found.title, found.artists, found.isrc, found.duration_ms or 0,
                              work, work_title=(work_title or "").strip() or found.title, holder_names=names)
    except ProvenanceError as err:
        raise ValueError(str(err)) from err
    audit = AuditLog(tables.name(tables.AUDIT, None), "add-rights", f"admin:{admin_id}")
    CatalogStore().put(recording)
    audit.record("put-recording", recording_id=recording_id, work_id=work.work_id, isrc=found.isrc,
                 holders={h: str(s) for h, s in sorted(work.holders.items())},
                 **({"reason": reason.strip()} if reason and reason.strip() else {}),
                 **({"roles": dict(sorted(roles.items()))} if roles else {}))
    aws.client("dynamodb").delete_item(TableName=CatalogStore().table, Key=tables.key(PENDING, recording_id))
    return {**catalog_entry(recording), "audit_operation": audit.operation_id}


def refresh_metadata() -> dict[str, Any]:
    """The weekly refresh of what the platform's catalog holds from the named catalogs: each
    recording added from one (``apple-music:<id>``, ``musicbrainz:<mbid>``) is read again and its
    title, artists, ISRC and length updated (rights holders stay the admin's). The report says
    what changed; a catalog whose keys are not set is skipped, one that fails is reported."""
    store = CatalogStore()
    configured = sources()
    checked, changed, skipped, failed = 0, [], 0, []
    for recording_id in _named_recording_ids():
        source = recording_id.partition(":")[0]
        if source not in configured:
            skipped += 1
            continue
        old = store.get(recording_id)
        if old is None:
            continue
        checked += 1
        try:
            found = resolve(recording_id)
        except ExternalNotFound:
            failed.append({"recording_id": recording_id, "reason": f"no longer in the {source} catalog"})
            continue
        except LookupFailed as err:
            failed.append({"recording_id": recording_id, "reason": str(err)})
            continue
        duration = found.duration_ms or old.duration_ms
        now: dict[str, Any] = {"title": found.title, "artists": list(found.artists), "isrc": found.isrc,
                               "duration_ms": duration}
        was: dict[str, Any] = {"title": old.title, "artists": list(old.artists), "isrc": old.isrc,
                               "duration_ms": old.duration_ms}
        diff = {k: {"before": was[k], "after": now[k]} for k in now if now[k] != was[k]}
        if diff:
            store.put(Recording(recording_id, found.title, found.artists, found.isrc, duration,
                                old.work, old.work_title, old.holder_names))
            changed.append({"recording_id": recording_id, "changes": diff})
    return {"checked": checked, "changed": changed, "skipped_without_keys": skipped, "failed": failed}


def _named_recording_ids() -> Iterator[str]:
    values = {":a": {"S": f"R#{APPLE}:"}, ":m": {"S": f"R#{MUSICBRAINZ}:"}, ":s": {"S": "R"}}
    scan: dict[str, Any] = {"TableName": CatalogStore().table, "ProjectionExpression": "pk",
                            "FilterExpression": "(begins_with(pk, :a) OR begins_with(pk, :m)) AND sk = :s",
                            "ExpressionAttributeValues": values}
    ddb = aws.client("dynamodb")
    while True:
        reply = ddb.scan(**scan)
        yield from (tables.value(i["pk"]).removeprefix("R#") for i in reply["Items"])
        if "LastEvaluatedKey" not in reply:
            return
        scan["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
