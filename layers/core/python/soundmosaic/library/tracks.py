"""Track records: one per ingested audio file, in the tracks table, owned by one artist."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr

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
             query: str | None = None) -> tuple[list[Track], str | None]:
        """One page of the artist's tracks, newest first; ``query`` matches title, artist,
        file name and tags, case-insensitively."""
        filt = Attr("search").contains(query.strip().lower()) if query and query.strip() else None
        items, next_cursor = page(self.table, artist_id, "track_id", limit, cursor, filt)
        return [Track.from_item(i) for i in items], next_cursor

    def all(self, artist_id: str) -> list[Track]:
        tracks: list[Track] = []
        cursor = None
        while True:
            batch, cursor = self.page(artist_id, limit=500, cursor=cursor)
            tracks.extend(batch)
            if not cursor:
                return tracks

    def delete(self, artist_id: str, track_id: str) -> None:
        self.table.delete_item(Key={"artist_id": artist_id, "track_id": track_id})
