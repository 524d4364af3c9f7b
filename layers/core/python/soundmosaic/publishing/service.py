"""Publishing a kept take: its release (ISRC, splits, artwork), the outbox, the publication view.

``publish_take`` turns a ready, kept take into a ``Release`` and asks the outbox to publish it;
the queue consumer (``functions/publishing``) packages it and sends it to the distributor. The
same take published again returns the same publication. The ISRC is the one given (validated)
or one assigned from ``SOUNDMOSAIC_ISRC_PREFIX`` and an atomic counter, reserved on the take
once and for all, and recorded on a new provenance version so statements naming it split with
the take's provenance. Packages go under ``artists/<artist>/releases/<release id>/`` in the
media bucket: the artist travels in the queue message, so one consumer serves every artist.

Environment variables
---------------------
PUBLICATIONS_TABLE, PUBLISH_QUEUE, MEDIA_BUCKET, GENERATION_TABLE, PROVENANCE_TABLE
    The outbox records, its queue, the media (takes, artwork, packages), takes and provenance.
SOUNDMOSAIC_DISTRIBUTOR_URL / _TOKEN / _AUTH_HEADER / _TIMEOUT_S
    The distributor (see ``distributor``). In AWS the token may instead be the
    ``SOUNDMOSAIC_DISTRIBUTOR_TOKEN`` entry of the ``PROVIDER_KEYS_SECRET`` JSON secret.
SOUNDMOSAIC_ISRC_PREFIX
    Country, registrant and year of assigned ISRCs (7 characters, default ``ZZSMG`` + the
    current two-digit year: "ZZ" is no country, a test prefix); the designation is 5 digits.
SOUNDMOSAIC_DDEX_SENDER_DPID / _SENDER_NAME / _RECIPIENT_DPID / _RECIPIENT_NAME / _TEST
    The DDEX message header (defaults: sandbox party ids, ``TestMessage``).
SOUNDMOSAIC_PUBLISH_MAX_ATTEMPTS / _BACKOFF_S / _MAX_BACKOFF_S
    Outbox attempts per round (5) and the retry backoff (30 s doubling, at most 3600 s).
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import wave
from collections.abc import Mapping
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from soundmosaic.generation import projects
from soundmosaic.generation.projects import ProjectStore, Take
from soundmosaic.library.media import presigned_get
from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import resource
from soundmosaic.publishing import ddex
from soundmosaic.publishing.distributor import DistributorClient, DistributorConfig
from soundmosaic.publishing.outbox import FAILED_RETRYING, Outbox, Publication, PublishError
from soundmosaic.publishing.release import Asset, Release, splits_from_provenance
from soundmosaic.royalties.provenance import Provenance, ProvenanceError, isrc
from soundmosaic.royalties.tenancy import TenantProvenance, platform_actor

_PREFIX = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{2}")
_ARTIST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}")
SANDBOX_HEADER = {"sender_dpid": "PADPIDA2014120301X", "sender_name": "SoundMosaic",
                  "recipient_dpid": "PADPIDA2007040502I", "recipient_name": "Sandbox Distributor"}
COUNTER_PK = "COUNTER#ISRC"
_UNDELIVERED = "http://distributor.invalid"  # never called: requests only (see ``outbox``)


class NotPublishable(RuntimeError):
    """The take cannot be published (yet): not ready, not kept, no provenance, ISRC taken (409)."""


class NotPublished(LookupError):
    """The take has no publication (404)."""


# -- configuration ---------------------------------------------------------------------------------


def isrc_prefix(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    prefix = (env.get("SOUNDMOSAIC_ISRC_PREFIX") or f"ZZSMG{clock.now():%y}").strip().upper()
    if not _PREFIX.fullmatch(prefix):
        raise RuntimeError(f"SOUNDMOSAIC_ISRC_PREFIX {prefix!r} must be a country code, a 3-character "
                           "registrant and a 2-digit year, e.g. ZZSMG26")
    return prefix


def header(env: Mapping[str, str] | None = None) -> ddex.Header:
    """The DDEX header from the environment; ``created`` is set per publication by the outbox."""
    env = os.environ if env is None else env
    values = {k: env.get(f"SOUNDMOSAIC_DDEX_{k.upper()}") or v for k, v in SANDBOX_HEADER.items()}
    test = (env.get("SOUNDMOSAIC_DDEX_TEST") or "true").lower() not in ("0", "false", "no")
    return ddex.Header(created=clock.iso(), test=test, **values)


@functools.cache
def _secret_token(secret_id: str) -> str:
    raw = aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    values = json.loads(raw or "{}")
    return str(values.get("SOUNDMOSAIC_DISTRIBUTOR_TOKEN") or "") if isinstance(values, dict) else ""


def distributor_config(env: Mapping[str, str] | None = None) -> DistributorConfig:
    """``DistributorConfig.from_env``, with the token from the provider-keys secret in AWS."""
    merged = dict(os.environ if env is None else env)
    secret = merged.get("PROVIDER_KEYS_SECRET")
    if not merged.get("SOUNDMOSAIC_DISTRIBUTOR_TOKEN") and secret:
        merged["SOUNDMOSAIC_DISTRIBUTOR_TOKEN"] = _secret_token(secret)
    return DistributorConfig.from_env(merged)


def package_prefix(artist_id: str) -> str:
    return f"artists/{artist_id}/releases"


class ArtistOutbox(Outbox):
    """The outbox whose messages name the artist, so packages land under the artist's prefix."""

    def __init__(self, *args: Any, artist_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.artist_id = artist_id
        if artist_id:
            self.package_prefix = package_prefix(artist_id)

    def for_artist(self, artist_id: str) -> ArtistOutbox:
        if not _ARTIST.fullmatch(artist_id):
            raise PublishError(f"not an artist id: {artist_id[:40]!r}")
        return ArtistOutbox(self.table.name, self.queue_url, self.media_bucket, self.package_bucket,
                            self.distributor, self.header, max_attempts=self.max_attempts,
                            backoff_s=self.backoff_s, max_backoff_s=self.max_backoff_s, now=self.now,
                            artist_id=artist_id)

    def process(self, record: Mapping[str, Any]) -> Publication:
        try:
            artist = json.loads(record.get("body") or record["Body"]).get("artist_id")
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise PublishError(f"not a publishing message: {err!r}") from err
        if artist and artist != self.artist_id:
            return self.for_artist(str(artist)).process(record)
        return super().process(record)

    def _enqueue(self, pub: Publication) -> Publication:
        body = {"release_id": pub.release_id, "content_hash": pub.content_hash}
        if self.artist_id:
            body["artist_id"] = self.artist_id
        aws.client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body))
        # The artist on the record too: the sweep queues a publication again without a message.
        return self._set(pub, {"sent_at": self.now(), "artist_id": self.artist_id})

    def sweep(self, grace_s: int = 60, statuses: tuple[str, ...] = (FAILED_RETRYING,),
              everything: bool = False) -> list[str]:
        """Queue again the publications left ``failed_retrying`` past their next try (+ grace).

        SQS redelivers a retried message by itself; this catches the ones that never come back (a
        message moved to the DLQ; a local stack restarted: its queues are not kept, so it sweeps
        every unfinished status at start, due or not: ``everything``). A duplicate message is
        harmless: done steps are skipped and distributor calls carry idempotency keys. Returns
        the release ids queued.
        """
        due = clock.iso(clock.now() - timedelta(seconds=grace_s))
        query: dict[str, Any] = {
            "FilterExpression": " OR ".join(f"#s0 = :s{i}" for i in range(len(statuses))),
            "ExpressionAttributeNames": {"#s0": "status"},
            "ExpressionAttributeValues": {f":s{i}": s for i, s in enumerate(statuses)}}
        queued = []
        while True:
            reply = self.table.scan(**query)
            for item in reply["Items"]:
                waiting = item["status"] == FAILED_RETRYING and not item.get("next_try_at", "") < due
                if waiting and not everything:
                    continue  # its message is still on the queue, waiting out the backoff
                pub = Publication.from_item(item)
                box = self.for_artist(item["artist_id"]) if item.get("artist_id") else self
                box._enqueue(pub)
                queued.append(pub.release_id)
            if "LastEvaluatedKey" not in reply:
                return queued
            query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]


def distributor() -> DistributorClient:
    """The distributor client from the environment (and the secret); the consumer's."""
    return DistributorClient(distributor_config())


def outbox(artist_id: str | None = None, *, client: DistributorClient | None = None) -> ArtistOutbox:
    """The outbox from the environment (see the module's docstring).

    Without ``client`` it can request, read and retry publications but not deliver them: the
    API needs no distributor URL or token, only the consumer (``functions/publishing``) does.
    """
    env = os.environ
    media = resource("MEDIA_BUCKET")
    client = client or DistributorClient(DistributorConfig(_UNDELIVERED))
    return ArtistOutbox(resource("PUBLICATIONS_TABLE"), resource("PUBLISH_QUEUE"), media, media, client,
                        header(), max_attempts=int(env.get("SOUNDMOSAIC_PUBLISH_MAX_ATTEMPTS") or 5),
                        backoff_s=int(env.get("SOUNDMOSAIC_PUBLISH_BACKOFF_S") or 30),
                        max_backoff_s=int(env.get("SOUNDMOSAIC_PUBLISH_MAX_BACKOFF_S") or 3600),
                        artist_id=artist_id)


# -- publishing --------------------------------------------------------------------------------------


def publish_take(artist_id: str, project_id: str, take_id: str, *, title: str, genre: str,
                 artist_name: str | None = None, release_date: str | None = None,
                 isrc_code: str | None = None, artwork_id: str | None = None,
                 label: str = "") -> dict[str, Any]:
    """Publish a ready, kept take; the same take again returns its publication. See the module."""
    store = ProjectStore()
    store.get(artist_id, project_id)  # ProjectNotFound: not this artist's
    take = store.take(artist_id, project_id, take_id)
    if take.publication:
        return publication_view(artist_id, project_id, take_id)
    if take.status != projects.READY or not take.audio_key:
        raise NotPublishable(f"take {take_id} is {take.status}: only a ready take can be published")
    if not take.kept:
        raise NotPublishable(f"take {take_id} is not kept: keep it first "
                             f"(POST .../takes/{take_id}/keep), then publish it")
    if not take.provenance_track_id:
        raise NotPublishable(f"take {take_id} has no provenance: its royalties could not be split")
    tenant = TenantProvenance(artist_id)
    current = tenant.latest(take.provenance_track_id)
    if current is None:
        raise NotPublishable(f"take {take_id}: no provenance of track {take.provenance_track_id} "
                             "is recorded for this account")
    # The files first: a refusal about them reserves no ISRC and records no provenance.
    audio = _get(resource("MEDIA_BUCKET"), take.audio_key)
    artwork_key, artwork_bytes, artwork_info = _artwork(artist_id, take, title, artist_name or artist_id,
                                                        genre, artwork_id)
    code = _reserve_isrc(store, tenant, take, isrc_code)
    if current.isrc != code:
        try:
            current = tenant.record_owned(Provenance.from_dict({**current.to_dict(), "isrc": code}),
                                          platform_actor("publishing", artist_id))
        except ProvenanceError as err:
            raise NotPublishable(str(err)) from err
        store.set_take(artist_id, project_id, take_id, provenance_version=current.version)
    year = (release_date or clock.iso())[:4]
    owner = label or artist_name or artist_id
    splits = splits_from_provenance(current)
    release = Release(
        release_id=f"smg-{take_id}", title=title, artist=artist_name or artist_id, isrc=code, genre=genre,
        release_date=release_date or clock.iso()[:10], p_line=f"{year} {owner}", c_line=f"{year} {owner}",
        audio=Asset.of(take.audio_key, audio), duration_s=_seconds(audio, take),
        artwork=Asset.of(artwork_key, artwork_bytes), splits=splits, label=label,
        holder_names={h: n for h, n in _holder_names(store, artist_id, project_id, current).items()
                      if h in splits})
    box = outbox(artist_id)
    try:
        pub = box.request_publish(release)
    finally:
        box.distributor.close()
    store.set_take(artist_id, project_id, take_id, publication={
        "release_id": pub.release_id, "content_hash": pub.content_hash, "isrc": code,
        "artwork": artwork_info})
    return publication_view(artist_id, project_id, take_id)


def publication_view(artist_id: str, project_id: str, take_id: str) -> dict[str, Any]:
    """The outbox record of the take's publication, its package files (presigned GETs), its artwork."""
    take = ProjectStore().take(artist_id, project_id, take_id)
    if not take.publication:
        raise NotPublished(f"take {take_id} is not published")
    ref = take.publication
    box = outbox(artist_id)
    try:
        pub = box.get(ref["release_id"], ref["content_hash"])
    except PublishError as err:
        raise NotPublished(str(err)) from err
    finally:
        box.distributor.close()
    view = asdict(pub)
    view.pop("rounds", None)
    view["isrc"] = ref.get("isrc") or pub.release.get("isrc")
    view["artwork"] = ref.get("artwork")
    view["package_files"] = _package_files(box.package_bucket, pub.package_prefix)
    return view


def retry(artist_id: str, project_id: str, take_id: str) -> dict[str, Any]:
    """Queue a failed publication again (409 unless it ended ``failed``)."""
    take = ProjectStore().take(artist_id, project_id, take_id)
    if not take.publication:
        raise NotPublished(f"take {take_id} is not published")
    box = outbox(artist_id)
    try:
        box.retry(take.publication["release_id"], take.publication["content_hash"])
    except PublishError as err:
        raise NotPublishable(str(err)) from err
    finally:
        box.distributor.close()
    return publication_view(artist_id, project_id, take_id)


# -- parts ---------------------------------------------------------------------------------------------


def _reserve_isrc(store: ProjectStore, tenant: TenantProvenance, take: Take, given: str | None) -> str:
    """The take's ISRC: reserved once (a conditional put beside the take), never changed."""
    key = {"pk": projects.child_pk(take.artist_id, take.project_id), "sk": f"ISRC#{take.take_id}"}
    normal = None
    if given is not None:
        normal = isrc(given)
        if normal is None:
            raise ValueError(f"isrc {given!r} is not an ISRC (CC-XXX-YY-NNNNN, e.g. ZZSMG2600001)")
    reserved = store.table.get_item(Key=key, ConsistentRead=True).get("Item")
    if reserved is None:
        code = normal
        if code is not None:
            owner = tenant.resolve(code)
            if owner not in (None, take.provenance_track_id):
                raise NotPublishable(f"ISRC {code} already belongs to another track")
        else:
            code = _assign_isrc(store)
        try:
            store.table.put_item(Item={**key, "isrc": code, "reserved_at": clock.iso()},
                                 ConditionExpression="attribute_not_exists(pk)")
            return code
        except store.table.meta.client.exceptions.ConditionalCheckFailedException:
            reserved = store.table.get_item(Key=key, ConsistentRead=True)["Item"]  # a concurrent request won
    assert reserved is not None
    if normal is not None and normal != reserved["isrc"]:
        raise NotPublishable(f"take {take.take_id} already has ISRC {reserved['isrc']}")
    return str(reserved["isrc"])


def _assign_isrc(store: ProjectStore) -> str:
    prefix = isrc_prefix()
    reply = store.table.update_item(Key={"pk": COUNTER_PK, "sk": prefix}, UpdateExpression="ADD #n :one",
                                    ExpressionAttributeNames={"#n": "next"},
                                    ExpressionAttributeValues={":one": 1}, ReturnValues="UPDATED_NEW")
    number = int(reply["Attributes"]["next"])
    if number > 99_999:
        raise NotPublishable(f"ISRC prefix {prefix} has no designation codes left (99999 used); "
                             "set SOUNDMOSAIC_ISRC_PREFIX to a new one")
    return f"{prefix}{number:05d}"


def _get(bucket: str, key: str) -> bytes:
    s3 = aws.client("s3")
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey as err:
        raise NotPublishable(f"{key.rsplit('/', 1)[-1]} is missing from the media bucket") from err


def _seconds(audio: bytes, take: Take) -> int:
    """Whole seconds of the master (read from the WAV header; the take's record otherwise)."""
    try:
        with wave.open(io.BytesIO(audio)) as reader:
            seconds = reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError):
        seconds = float(take.duration_s or 0)
    return max(1, round(seconds))


def _artwork(artist_id: str, take: Take, title: str, artist_name: str, genre: str,
             artwork_id: str | None) -> tuple[str, bytes, dict[str, Any]]:
    """The picked studio artwork, or a cover rendered now by the offline artwork engine."""
    media = resource("MEDIA_BUCKET")
    if artwork_id:
        from soundmosaic.studio.dna import DnaStore

        picked = [a for a in DnaStore().get(artist_id)["artworks"] if a.get("artwork_id") == artwork_id]
        if not picked:
            raise ValueError(f"artwork {artwork_id} has no picked candidate: pick one in the studio first")
        entry = picked[-1]
        key = str(entry["media_key"])
        return key, _get(media, key), {"source": "studio", "artwork_id": artwork_id,
                                       "candidate_id": entry.get("candidate_id"),
                                       "offline": entry.get("offline")}
    from soundmosaic.providers.offline import artwork as engine
    from soundmosaic.studio import artwork as studio_artwork

    assert take.audio_key is not None
    key = f"{take.audio_key.rsplit('/', 1)[0]}/cover.png"
    side = studio_artwork.size()
    # Seeded by the take: the same take gets the same cover, so a repeated request is the same release.
    png = engine.render(f"{genre} single cover", {"title": title, "artist_name": artist_name, "genre": genre},
                        side, side, take.seed)
    aws.client("s3").put_object(Bucket=media, Key=key, Body=png, ContentType="image/png")
    return key, png, {"source": "offline", "offline": True, "engine": engine.ENGINE,
                      "note": "no artwork was picked: this cover was rendered by the offline artwork engine"}


def _holder_names(store: ProjectStore, artist_id: str, project_id: str, prov: Provenance) -> dict[str, str]:
    """Display names: the reference songs' matches first, then the catalog's works."""
    names: dict[str, str] = {}
    for song in store.songs(artist_id, project_id):
        names.update((song.match or {}).get("holder_names") or {})
    works = [i.work.work_id for i in (*prov.reference, *prov.training)]
    ddb, table = aws.client("dynamodb"), os.environ.get("CATALOG_TABLE")
    for start in range(0, len(works), 100) if table else ():
        keys = [{"pk": {"S": f"W#{w}"}, "sk": {"S": "W"}} for w in works[start:start + 100]]
        reply = ddb.batch_get_item(RequestItems={table: {"Keys": keys}})
        for item in reply.get("Responses", {}).get(table, []):
            for holder, name in (item.get("holder_names", {}).get("M") or {}).items():
                names.setdefault(holder, name.get("S", holder))
    return names


def _package_files(bucket: str, prefix: str | None) -> list[dict[str, Any]]:
    if not prefix:
        return []
    s3, files = aws.client("s3"), []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            name = obj["Key"][len(prefix):]
            files.append({"name": name, "size": obj["Size"], "url": presigned_get(bucket, obj["Key"])})
    return files

