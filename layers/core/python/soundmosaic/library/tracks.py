"""Track records: one per ingested audio file, in the tracks table, owned by one artist.

Listing and search go through the artist's tracks index (``platform.search``: words of title,
artist, file name and tags; key; BPM), kept in step by every write here; the table stays the
truth and ``TrackStore.reindex`` makes the index again from it. See docs/samples.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key

from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.items import from_item, to_item
from soundmosaic.platform.paging import BadCursor, decode_cursor, encode_cursor
from soundmosaic.platform.search import Query, Schema, SearchIndex, words


class TrackNotFound(LookupError):
    pass


@dataclass
class Track:
    artist_id: str
    track_id: str
    title: str
    filename: str
    media_key: str
    size_bytes: int
    facts: dict[str, Any]  # AudioFacts.as_dict(): duration, sample rate, channels, codec...
    artist_name: str | None = None
    tags: list[str] = field(default_factory=list)
    source: str = "upload"
    job_id: str | None = None
    bpm: float | None = None  # set by the audio lab's analysis
    key: str | None = None
    export_key: str | None = None
    processed_at: str | None = None
    created_at: str = field(default_factory=clock.iso)
    updated_at: str = field(default_factory=clock.iso)

    @property
    def search_text(self) -> str:
        return " ".join([self.title, self.artist_name or "", self.filename, *self.tags]).lower()

    @staticmethod
    def from_item(item: dict[str, Any]) -> Track:
        names = Track.__dataclass_fields__
        return Track(**{k: v for k, v in from_item(item).items() if k in names})

    def to_item(self) -> dict[str, Any]:
        return to_item({**asdict(self), "search": self.search_text})


def _track_words(row: dict[str, Any]) -> list[str]:
    return [*words(row.get("title"), row.get("artist_name"), row.get("filename"), *row.get("tags", [])),
            *(f"tag={t.casefold()}" for t in row.get("tags", []))]


TRACKS_INDEX = Schema("tracks", "track_id", _track_words, labels=("key",), numbers=("bpm",))


def index_row(track: Track) -> dict[str, Any]:
    """The track as the index holds it (the table's fields, no Nones)."""
    row: dict[str, Any] = from_item(to_item(asdict(track)))
    return row


class TrackStore:
    def __init__(self, table_name: str | None = None) -> None:
        self.table = aws.resource("dynamodb").Table(table_name or resource("TRACKS_TABLE"))

    @property
    def index(self) -> SearchIndex:
        return SearchIndex(TRACKS_INDEX)

    def _reindex(self, artist_id: str, track_id: str) -> None:
        item = self.table.get_item(Key={"artist_id": artist_id, "track_id": track_id},
                                   ConsistentRead=True).get("Item")
        if item:
            row = index_row(Track.from_item(item))
            self.index.update(artist_id, lambda s: s.apply(put=[row]))
        else:
            self.index.update(artist_id, lambda s: s.apply(delete=[track_id]))

    def put(self, track: Track) -> Track:
        self.table.put_item(Item=track.to_item())
        self.index.update(track.artist_id, lambda s: s.apply(put=[index_row(track)]))
        return track

    def reindex(self, artist_id: str) -> int:
        """Make the artist's tracks index again from the table (after a failed index write)."""
        from soundmosaic.platform.snapshot import Snapshot

        rows, query = [], {"KeyConditionExpression": Key("artist_id").eq(artist_id)}
        while True:
            reply = self.table.query(**query)
            rows += [index_row(Track.from_item(i)) for i in reply["Items"]]
            if "LastEvaluatedKey" not in reply:
                break
            query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
        self.index.replace(artist_id, Snapshot(TRACKS_INDEX, rows))
        return len(rows)

    def get(self, artist_id: str, track_id: str) -> Track:
        item = self.table.get_item(Key={"artist_id": artist_id, "track_id": track_id}).get("Item")
        if not item:
            raise TrackNotFound(track_id)
        return Track.from_item(item)

    def page(self, artist_id: str, limit: int = 50, cursor: str | None = None,
             query: str | None = None, tag: str | None = None, key: str | None = None,
             bpm_min: float | None = None, bpm_max: float | None = None) -> tuple[list[Track], str | None]:
        """One page of the artist's tracks, newest first, from the tracks index; every word of
        ``query`` must start a word of the title, artist, file name or tags (case and accents
        ignored); ``tag`` (exact), ``key`` and the bpm range filter. The cursor names the last
        track of the previous page (and the artist: it never works for another)."""
        after = decode_cursor(cursor, "artist_id", artist_id).get("track_id") if cursor else None
        if cursor and not isinstance(after, str):
            raise BadCursor("cursor is not one this API returned")
        search = Query(words=words(query), terms=[f"tag={tag.strip().casefold()}"] if tag else [],
                       equal={"key": key.strip()} if key and key.strip() else {},
                       ranges={} if bpm_min is None and bpm_max is None else {"bpm": (bpm_min, bpm_max)})
        rows, last = self.index.current(artist_id).page(search, limit, after)
        next_cursor = encode_cursor({"artist_id": artist_id, "track_id": last}) if last else None
        return [Track.from_item(r) for r in rows], next_cursor

    def set_analysis(self, artist_id: str, track_id: str, bpm: float | None, key: str | None) -> None:
        self._set(artist_id, track_id, {"bpm": bpm, "key": key})

    def set_processed(self, artist_id: str, track_id: str, export_key: str) -> None:
        self._set(artist_id, track_id, {"export_key": export_key, "processed_at": clock.iso()})

    def edit(self, artist_id: str, track_id: str, title: str | None = None,
             artist_name: str | None = None, tags: list[str] | None = None) -> Track:
        """Rename or retag; the search text follows."""
        track = self.get(artist_id, track_id)
        if title is not None:
            track.title = title
        if artist_name is not None:
            track.artist_name = artist_name
        if tags is not None:
            track.tags = sorted({t.strip() for t in tags if t.strip()})
        track.updated_at = clock.iso()
        return self.put(track)

    def _set(self, artist_id: str, track_id: str, values: dict[str, Any]) -> None:
        removed = [k for k, v in values.items() if v is None]
        kept = {**to_item(values), "updated_at": clock.iso()}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in kept)
        if removed:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in removed)
        self.table.update_item(
            Key={"artist_id": artist_id, "track_id": track_id},
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(track_id)",
            ExpressionAttributeNames={f"#{k}": k for k in [*kept, *removed]},
            ExpressionAttributeValues={f":{k}": v for k, v in kept.items()},
        )
        self._reindex(artist_id, track_id)

    def delete(self, artist_id: str, track_id: str) -> None:
        self.table.delete_item(Key={"artist_id": artist_id, "track_id": track_id})
        self.index.update(artist_id, lambda s: s.apply(delete=[track_id]))
