"""Track records: one per ingested audio file, in the tracks table, owned by one artist."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase

from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.items import from_item, to_item
from soundmosaic.platform.paging import page


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


class TrackStore:
    def __init__(self, table_name: str | None = None) -> None:
        self.table = aws.resource("dynamodb").Table(table_name or resource("TRACKS_TABLE"))

    def put(self, track: Track) -> Track:
        self.table.put_item(Item=track.to_item())
        return track

    def get(self, artist_id: str, track_id: str) -> Track:
        item = self.table.get_item(Key={"artist_id": artist_id, "track_id": track_id}).get("Item")
        if not item:
            raise TrackNotFound(track_id)
        return Track.from_item(item)

    def page(self, artist_id: str, limit: int = 50, cursor: str | None = None,
             query: str | None = None, tag: str | None = None, key: str | None = None,
             bpm_min: float | None = None, bpm_max: float | None = None) -> tuple[list[Track], str | None]:
        """One page of the artist's tracks, newest first; ``query`` matches title, artist,
        file name and tags, case-insensitively; ``tag``, ``key`` and the bpm range filter."""
        conditions: list[ConditionBase] = []
        if query and query.strip():
            conditions.append(Attr("search").contains(query.strip().lower()))
        if tag:
            conditions.append(Attr("tags").contains(tag.strip()))
        if key:
            conditions.append(Attr("key").eq(key.strip()))
        if bpm_min is not None:
            conditions.append(Attr("bpm").gte(to_item(float(bpm_min))))
        if bpm_max is not None:
            conditions.append(Attr("bpm").lte(to_item(float(bpm_max))))
        filt: ConditionBase | None = None
        for condition in conditions:
            filt = condition if filt is None else filt & condition
        items, next_cursor = page(self.table, artist_id, "track_id", limit, cursor, filt)
        return [Track.from_item(i) for i in items], next_cursor

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

    def delete(self, artist_id: str, track_id: str) -> None:
        self.table.delete_item(Key={"artist_id": artist_id, "track_id": track_id})
