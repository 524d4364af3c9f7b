"""Generation projects: ten reference songs with their catalog matches, and the takes generated.

One table (``GENERATION_TABLE``), string ``pk`` / ``sk``, every key starting with the artist, so
one artist never reads another's project::

    A#<artist>                  / P#<project id>   the project: name, the kept take
    A#<artist>#P#<project id>   / S#<song id>      a reference song: its library track, its
                                                   candidates and its match (or none yet)
    A#<artist>#P#<project id>   / T#<take id>      a generated take: seed, status, audio keys
    A#<artist>#P#<project id>   / TRACK#<track id> a library track's place in the project

Adding and removing songs are transactions with the project's ``song_count`` (at most
``MAX_SONGS``) and the ``TRACK#`` markers (each track once), so two requests at the same time
cannot push a project past ten songs or add one track twice.

A song's ``status`` says where identification stands: ``identifying`` (fingerprinting queued
or running), ``matched`` (a catalog entry is chosen, by the fingerprint or by hand),
``doubtful`` (candidates, none sure enough to choose alone), ``unmatched`` (nothing found),
``failed`` (the audio could not be fingerprinted; ``error`` says why).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

from boto3.dynamodb.conditions import Key

from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.items import from_item, to_item
from soundmosaic.platform.paging import new_id

MAX_SONGS = 10
IDENTIFYING, MATCHED, DOUBTFUL = "identifying", "matched", "doubtful"
UNMATCHED, FAILED = "unmatched", "failed"
NEEDS_RIGHTS = "needs_rights"  # matched to a named catalog's recording whose rights holders are unknown
GENERATING, READY = "generating", "ready"  # a take's status (or FAILED)


class ProjectNotFound(LookupError):
    pass


class SongsRefused(ValueError):
    """Adding these songs would put a track in the project twice or pass ``MAX_SONGS``."""


@dataclass
class Project:
    artist_id: str
    project_id: str
    name: str
    kept_take_id: str | None = None
    song_count: int = 0
    identify_job_id: str | None = None  # the latest song_identify job
    created_at: str = field(default_factory=clock.iso)
    updated_at: str = field(default_factory=clock.iso)


@dataclass
class Song:
    """A reference song: a library track and what the catalog says it is.

    ``candidates``: ``{recording_id, title, artists, isrc, confidence, verdict}``, best first.
    ``match``: ``{recording_id, title, artists, isrc, work_id, holders: {holder: "n/d"},
    holder_names, confidence, by: "fingerprint" | "acoustid" | "hand"}`` or None.
    ``external``: the named catalog's recording it was matched to (``generation.external``):
    ``{source, recording_id, title, artists, isrc, url}``, or None.
    """

    artist_id: str
    project_id: str
    song_id: str
    track_id: str
    title: str
    status: str = IDENTIFYING
    candidates: list[dict[str, Any]] = field(default_factory=list)
    match: dict[str, Any] | None = None
    error: str | None = None
    external: dict[str, Any] | None = None
    notes_key: str | None = None  # prepared notes (JSON) in the media bucket, once made
    added_at: str = field(default_factory=clock.iso)
    updated_at: str = field(default_factory=clock.iso)


@dataclass
class Take:
    """A generated song. ``provenance_track_id`` is the id its royalties are split under."""

    artist_id: str
    project_id: str
    take_id: str
    seed: int
    seconds: float
    influence: str  # the ten songs' share of the model's influence, exact ("85/100")
    weights: dict[str, str] | None = None  # song_id -> its relative weight, exact ("3", "1/2"); None: equal
    job_id: str | None = None
    status: str = GENERATING
    prompt: str = ""
    engine: str | None = None
    offline: bool | None = None
    audio_key: str | None = None  # the master (WAV)
    preview_key: str | None = None  # what the browser plays (MP3)
    midi_key: str | None = None
    peaks_key: str | None = None
    duration_s: float | None = None
    provenance_track_id: str | None = None
    provenance_version: int | None = None
    kept: bool = False
    error: str | None = None
    publication: dict[str, Any] | None = None  # {release_id, content_hash} once requested
    created_at: str = field(default_factory=clock.iso)
    updated_at: str = field(default_factory=clock.iso)


T = TypeVar("T", Project, Song, Take)


def _load(cls: type[T], item: dict[str, Any]) -> T:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in from_item(item).items() if k in names})


def project_pk(artist_id: str) -> str:
    return f"A#{artist_id}"


def child_pk(artist_id: str, project_id: str) -> str:
    return f"A#{artist_id}#P#{project_id}"


def project_prefix(artist_id: str, project_id: str) -> str:
    """Where a project's media live in the media bucket (notes, takes: see ``takes``)."""
    return f"artists/{artist_id}/generation/{project_id}/"


class ProjectStore:
    """Projects, songs and takes of every artist in the generation table."""

    def __init__(self, table_name: str | None = None) -> None:
        self.table = aws.resource("dynamodb").Table(table_name or resource("GENERATION_TABLE"))

    # -- projects ------------------------------------------------------------------------------

    def create(self, artist_id: str, name: str) -> Project:
        project = Project(artist_id, new_id(), name.strip() or "Untitled project")
        return self._put(project_pk(artist_id), f"P#{project.project_id}", project)

    def get(self, artist_id: str, project_id: str) -> Project:
        return self._get(Project, project_pk(artist_id), f"P#{project_id}", f"no project {project_id}")

    def projects(self, artist_id: str) -> list[Project]:
        """The artist's projects, newest first."""
        items = self._query(project_pk(artist_id), "P#")
        return sorted((_load(Project, i) for i in items), key=lambda p: p.created_at, reverse=True)

    def set_project(self, artist_id: str, project_id: str, **values: Any) -> Project:
        return _load(Project, self._update(project_pk(artist_id), f"P#{project_id}", values))

    def delete(self, artist_id: str, project_id: str) -> None:
        """The project with its songs and takes (their audio is the caller's to remove)."""
        with self.table.batch_writer() as batch:
            for item in self._query(child_pk(artist_id, project_id), ""):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
            batch.delete_item(Key={"pk": project_pk(artist_id), "sk": f"P#{project_id}"})

    # -- songs ---------------------------------------------------------------------------------

    def put_song(self, song: Song) -> Song:
        """Write a song's record as it is (a new song goes in through ``add_songs``)."""
        return self._put(child_pk(song.artist_id, song.project_id), f"S#{song.song_id}", song)

    def add_songs(self, artist_id: str, project_id: str, songs: list[Song]) -> list[Song]:
        """Add new songs in one transaction, or none (``SongsRefused``; see the module)."""
        pk = child_pk(artist_id, project_id)
        items: list[dict[str, Any]] = [{"Update": {
            "TableName": self.table.name, "Key": {"pk": project_pk(artist_id), "sk": f"P#{project_id}"},
            "UpdateExpression": "SET song_count = if_not_exists(song_count, :zero) + :n",
            "ConditionExpression": "attribute_exists(pk) AND "
                                   "(attribute_not_exists(song_count) OR song_count <= :room)",
            "ExpressionAttributeValues": {":zero": 0, ":n": len(songs), ":room": MAX_SONGS - len(songs)}}}]
        for song in songs:
            marker = {"pk": pk, "sk": f"TRACK#{song.track_id}", "song_id": song.song_id}
            items.append({"Put": {"TableName": self.table.name, "Item": marker,
                                  "ConditionExpression": "attribute_not_exists(pk)"}})
            items.append({"Put": {"TableName": self.table.name,
                                  "Item": {"pk": pk, "sk": f"S#{song.song_id}", **to_item(asdict(song))}}})
        client = self.table.meta.client
        try:
            client.transact_write_items(TransactItems=items)
        except client.exceptions.TransactionCanceledException as err:
            raise SongsRefused(f"another change to the project's songs came first ({len(songs)} not added): "
                               "reload the project and try again") from err
        return songs

    def remove_song(self, song: Song) -> None:
        """Remove a song, its track's marker and its place in the count, together."""
        pk = child_pk(song.artist_id, song.project_id)
        client = self.table.meta.client
        try:
            client.transact_write_items(TransactItems=[
                {"Delete": {"TableName": self.table.name, "Key": {"pk": pk, "sk": f"S#{song.song_id}"},
                            "ConditionExpression": "attribute_exists(pk)"}},
                {"Delete": {"TableName": self.table.name, "Key": {"pk": pk, "sk": f"TRACK#{song.track_id}"}}},
                {"Update": {"TableName": self.table.name,
                            "Key": {"pk": project_pk(song.artist_id), "sk": f"P#{song.project_id}"},
                            "UpdateExpression": "SET song_count = if_not_exists(song_count, :one) - :one",
                            "ConditionExpression": "attribute_not_exists(song_count) OR song_count > :zero",
                            "ExpressionAttributeValues": {":one": 1, ":zero": 0}}}])
        except client.exceptions.TransactionCanceledException as err:
            reasons = err.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                raise ProjectNotFound(f"no song {song.song_id} in project {song.project_id}") from err
            raise  # the count says no song is left: a record written around add_songs

    def song(self, artist_id: str, project_id: str, song_id: str) -> Song:
        return self._get(Song, child_pk(artist_id, project_id), f"S#{song_id}",
                         f"no song {song_id} in project {project_id}")

    def songs(self, artist_id: str, project_id: str) -> list[Song]:
        """The project's songs in the order they were added."""
        items = self._query(child_pk(artist_id, project_id), "S#")
        return sorted((_load(Song, i) for i in items), key=lambda s: (s.added_at, s.song_id))

    def set_song(self, artist_id: str, project_id: str, song_id: str, **values: Any) -> Song:
        return _load(Song, self._update(child_pk(artist_id, project_id), f"S#{song_id}", values))

    # -- takes ---------------------------------------------------------------------------------

    def put_take(self, take: Take) -> Take:
        return self._put(child_pk(take.artist_id, take.project_id), f"T#{take.take_id}", take)

    def take(self, artist_id: str, project_id: str, take_id: str) -> Take:
        return self._get(Take, child_pk(artist_id, project_id), f"T#{take_id}",
                         f"no take {take_id} in project {project_id}")

    def takes(self, artist_id: str, project_id: str) -> list[Take]:
        """The project's takes, newest first."""
        items = self._query(child_pk(artist_id, project_id), "T#")
        return sorted((_load(Take, i) for i in items), key=lambda t: t.created_at, reverse=True)

    def set_take(self, artist_id: str, project_id: str, take_id: str, **values: Any) -> Take:
        return _load(Take, self._update(child_pk(artist_id, project_id), f"T#{take_id}", values))

    # -- storage -------------------------------------------------------------------------------

    def _put(self, pk: str, sk: str, record: T) -> T:
        self.table.put_item(Item={"pk": pk, "sk": sk, **to_item(asdict(record))})
        return record

    def _get(self, cls: type[T], pk: str, sk: str, missing: str) -> T:
        item = self.table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
        if not item:
            raise ProjectNotFound(missing)
        return _load(cls, item)

    def _query(self, pk: str, prefix: str) -> list[dict[str, Any]]:
        condition = Key("pk").eq(pk) & Key("sk").begins_with(prefix) if prefix else Key("pk").eq(pk)
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
        while True:
            reply = self.table.query(**query)
            items += reply["Items"]
            if "LastEvaluatedKey" not in reply:
                return items
            query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]

    def _update(self, pk: str, sk: str, values: dict[str, Any]) -> dict[str, Any]:
        """Set (or, for None, remove) attributes of an existing item; ProjectNotFound if absent."""
        removed = [k for k, v in values.items() if v is None]
        kept = {**to_item({k: v for k, v in values.items() if v is not None}), "updated_at": clock.iso()}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in kept)
        if removed:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in removed)
        client = self.table.meta.client
        try:
            reply = self.table.update_item(
                Key={"pk": pk, "sk": sk}, UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={f"#{k}": k for k in [*kept, *removed]},
                ExpressionAttributeValues={f":{k}": v for k, v in kept.items()}, ReturnValues="ALL_NEW")
        except client.exceptions.ConditionalCheckFailedException:
            raise ProjectNotFound(f"no {sk.split('#', 1)[1]} under {pk.split('#P#')[-1]}") from None
        return dict(reply["Attributes"])


def refusal(songs: list[Song], expected: int = MAX_SONGS) -> str | None:
    """Why these songs cannot be generated from yet (None: they can)."""
    if len(songs) != expected:
        return f"generation needs exactly {expected} matched songs; the project has {len(songs)}"
    rights = [s.title for s in songs if s.status == NEEDS_RIGHTS]
    if rights:
        return (f"{len(rights)} song(s) matched to a recording whose rights holders are not in the catalog: "
                f"{', '.join(rights)}; a royalty admin must add them (or match or remove the songs)")
    waiting = [s.title for s in songs if s.status != MATCHED or not s.match]
    if waiting:
        return (f"{len(waiting)} song(s) not matched to a catalog entry yet: {', '.join(waiting)}; "
                "confirm a candidate, match them by hand from catalog search, or remove them")
    works: dict[str, str] = {}
    for s in songs:
        assert s.match is not None
        other = works.setdefault(s.match["work_id"], s.title)
        if other != s.title:
            return (f"{other!r} and {s.title!r} are matched to the same work; "
                    "each song must be a different work")
    return None
