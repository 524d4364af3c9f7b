"""The stories room's routes (``/stories/...``): an album's stories and collages, picks into the
artistDNA, the listener collage. A Powertools ``Router`` included by ``api/app.py``.

The artist comes from the token's claims, never from a body. The cover and photos are the
caller's studio references (``POST /studio/references``). Making an album's stories is a job
(202; follow it at ``GET /jobs/{job_id}``, read it at ``GET /stories/albums/{album_id}``).
docs/stories.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import Field

from .caller import artist, request_id
from .models import Job, Number, Reply, Request

router = Router()
Key = Annotated[str, Field(max_length=1024)]


class StorySongIn(Request):
    title: str = Field(min_length=1, max_length=120)
    lyrics: str | None = Field(default=None, max_length=80_000,
                               description="typed, or the text of a .txt/.lrc file (timestamps are dropped)")
    track_id: str | None = Field(default=None, max_length=64,
                                 description="without lyrics: the audio lab's transcription of this track")


class StoryAlbumRequest(Request):
    title: str = Field(min_length=1, max_length=120)
    artist_name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    cover_key: Key = Field(description="the cover, uploaded as a studio reference")
    photo_keys: list[Key] = Field(default_factory=list, max_length=3,
                                  description="the artist's photos, uploaded as studio references")
    songs: list[StorySongIn] = Field(min_length=1, max_length=30)


class StoryPickRequest(Request):
    format: Literal["square", "story"] = "square"


class StoryListenerSong(Request):
    title: str = Field(min_length=1, max_length=120)
    artist: str = Field(default="", max_length=120)
    mood: str = Field(default="", max_length=60)
    valence: float | None = Field(default=None, ge=0, le=1)
    energy: float | None = Field(default=None, ge=0, le=1)
    cover_key: Key | None = None


class StoryListenerRequest(Request):
    songs: list[StoryListenerSong] = Field(default_factory=list, max_length=5)
    track_ids: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=5)


class StoryLink(Reply):
    index: int
    title: str
    shared: list[str]


class StorySong(Reply):
    index: int
    title: str
    lyrics: str
    status: Literal["queued", "ok", "failed"]
    collages: dict[str, str]
    story: str | None = None
    quotes: list[str] | None = None
    mood: str | None = None
    sentiment: Number | None = None
    motifs: list[str] | None = None
    characters: list[str] | None = None
    places: list[str] | None = None
    noun_phrases: list[str] | None = None
    point_of_view: str | None = None
    arc_position: Literal["opening", "middle", "closing"] | None = None
    continues: list[StoryLink] | None = None
    engine: str | None = None
    offline: bool | None = None
    quotes_dropped: int | None = None
    cost_usd: str | None = None
    error: str | None = None


class StoryAlbum(Reply):
    album_id: str
    title: str
    artist_name: str
    description: str
    created_at: str
    cover_url: str
    finished: bool
    contact_sheet_url: str | None
    songs: list[StorySong]


class StoryAlbumSummary(Reply):
    album_id: str
    title: str
    songs: int
    created_at: str


class StoryPicked(Reply):
    dna_version: int


class StoryListenerSongOut(Reply):
    title: str
    artist: str
    mood: str
    cover: bool


class StoryListenerCollage(Reply):
    key: str
    url: str
    engine: str
    width: int
    height: int
    songs: list[StoryListenerSongOut]
    source: Literal["typed", "spotify"]
    audio_features: bool | None = Field(default=None, description="Spotify: whether it gave the tracks' "
                                        "audio features (it refuses them to apps made after 2024-11-27)")


class SpotifyAuthorizeRequest(Request):
    redirect_uri: str = Field(min_length=8, max_length=500, pattern=r"^https?://",
                              description="registered with the Spotify app; Spotify sends the code there")


class SpotifyAuthorize(Reply):
    url: str
    state: str


class SpotifyCollageRequest(Request):
    code: str = Field(min_length=1, max_length=2000)
    state: str = Field(min_length=16, max_length=64)


@router.post("/stories/albums", status_code=202)
def start_album(body: StoryAlbumRequest) -> Job:
    """Stories and collages for every song of an album; the job's result names stories.json."""
    from soundmosaic.stories import service

    album: dict[str, Any] = {"title": body.title, "artist_name": body.artist_name,
                             "description": body.description,
                             "songs": [s.model_dump() for s in body.songs]}
    job = service.start_make(artist(), album, body.cover_key, body.photo_keys, request_id())
    return Job.model_validate(job.__dict__)


@router.get("/stories/albums")
def list_albums() -> list[StoryAlbumSummary]:
    from soundmosaic.stories import service

    return [StoryAlbumSummary.model_validate(a) for a in service.list_albums(artist())]


@router.get("/stories/albums/<album_id>")
def get_album(album_id: str) -> StoryAlbum:
    from soundmosaic.stories import service

    return StoryAlbum.model_validate(service.get_album(artist(), album_id))


@router.post("/stories/albums/<album_id>/songs/<index>/pick")
def pick(album_id: str, index: str, body: StoryPickRequest) -> StoryPicked:
    """A song's collage into the artistDNA (a new version)."""
    from soundmosaic.stories import service
    from soundmosaic.studio.store import StudioNotFound

    if not index.isdigit() or len(index) > 3:
        raise StudioNotFound(f"no song {index[:10]!r}")
    return StoryPicked.model_validate(service.pick(artist(), album_id, int(index), body.format))


@router.post("/stories/listener", status_code=201)
def listener(body: StoryListenerRequest) -> StoryListenerCollage:
    """One shareable collage from five songs: typed (with optional cover references) or library tracks."""
    from soundmosaic.stories import service

    songs = [s.model_dump() for s in body.songs]
    return StoryListenerCollage.model_validate(service.listener_collage(artist(), songs, body.track_ids))


@router.post("/stories/spotify/authorize")
def spotify_authorize(body: SpotifyAuthorizeRequest) -> SpotifyAuthorize:
    """Where to send the listener to connect Spotify (OAuth with PKCE, scope user-top-read)."""
    from soundmosaic.stories import service

    return SpotifyAuthorize.model_validate(service.spotify_authorize(artist(), body.redirect_uri))


@router.post("/stories/spotify/collage", status_code=201)
def spotify_collage(body: SpotifyCollageRequest) -> StoryListenerCollage:
    """The listener collage from the Spotify top five, with the code Spotify sent back."""
    from soundmosaic.stories import service

    return StoryListenerCollage.model_validate(service.spotify_collage(artist(), body.code, body.state))
