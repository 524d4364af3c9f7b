"""What the API asks of the stories room: start an album's stories and collages, read them,
pick a collage into the artistDNA, make a listener collage (docs/stories.md).

Every function takes the calling artist's id first and reads or writes only under
``artists/<artist>/``: the cover and photos must be the caller's studio references
(``POST /studio/references``), a library track named for its lyrics must be the caller's.
Bad input (empty, non-English or overlong lyrics, a corrupt or oversized cover) is refused
before a job exists, so nothing is lost and nothing half-made is left.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from typing import Any

from soundmosaic.library.keys import track_prefix
from soundmosaic.library.tracks import TrackStore
from soundmosaic.platform import clock
from soundmosaic.platform.jobs import Job, new_job_id, start_workflow
from soundmosaic.platform.paging import new_id
from soundmosaic.stories import collage, listener, lyrics, make, spotify
from soundmosaic.studio import service as studio
from soundmosaic.studio.dna import DnaStore
from soundmosaic.studio.store import Media, StudioNotFound


def _track_lyrics(artist_id: str, track_id: str) -> str:
    """The audio lab's transcription of one of the caller's tracks."""
    TrackStore().get(artist_id, track_id)  # TrackNotFound for another artist's id
    try:
        data = Media().get_bytes(f"{track_prefix(artist_id, track_id)}lyrics/lyrics.txt",
                                 "missing", limit=lyrics.MAX_FILE_BYTES)
    except StudioNotFound as err:
        raise lyrics.LyricsError(f"track {track_id} has no lyrics yet: run the audio lab's lyrics "
                                 "stage on it first") from err
    return data.decode("utf-8", errors="replace")


def _check_image(key: str, name: str) -> None:
    data = Media().get_bytes(key, f"{name} is gone", limit=make.MAX_IMAGE_BYTES)
    collage.load(data, name)  # corrupt, truncated or a decompression bomb: a ValueError now


def start_make(artist_id: str, album: dict[str, Any], cover_key: str, photo_keys: list[str],
               correlation_id: str | None) -> Job:
    songs = []
    for item in album.get("songs") or []:
        if isinstance(item, dict) and item.get("track_id") and not item.get("lyrics"):
            item = {**item, "lyrics": _track_lyrics(artist_id, str(item["track_id"]))}
        songs.append(item)
    cleaned = lyrics.album({**album, "songs": songs})
    keys = studio._check_references(artist_id, [cover_key, *photo_keys])
    for number, key in enumerate(keys):
        _check_image(key, "the cover" if number == 0 else f"photo {number}")
    album_id = new_id()
    record = {"album_id": album_id, "created_at": clock.iso(), "album": cleaned.as_dict(),
              "cover_key": keys[0], "photo_keys": keys[1:]}
    Media().put_json(make.prefix(artist_id, album_id) + "album.json", record)
    job = Job(artist_id=artist_id, job_id=new_job_id(), kind="stories", correlation_id=correlation_id,
              subject={"album_id": album_id, "title": cleaned.title, "songs": len(cleaned.songs)})
    return start_workflow(job, "STORIES_MAKE_STATE_MACHINE",
                          {"album_id": album_id, "total": len(cleaned.songs),
                           "items": [{"index": i} for i in range(len(cleaned.songs))]})


def get_album(artist_id: str, album_id: str) -> dict[str, Any]:
    """The album with every story so far and fresh URLs for its collages and contact sheet."""
    media = Media()
    record = make.album_record(artist_id, album_id)
    base = make.prefix(artist_id, album_id)
    songs = []
    for index, song in enumerate(record["album"]["songs"]):
        entry: dict[str, Any] = {"index": index, "title": song["title"], "lyrics": song["lyrics"],
                                 "status": "queued", "collages": {}}
        with contextlib.suppress(StudioNotFound):  # not written yet
            entry.update(media.get_json(make.song_key(artist_id, album_id, index, "story.json"), "none"))
        for name in make.FORMATS:
            key = make.song_key(artist_id, album_id, index, f"{name}.png")
            if media.size(key) is not None:
                entry["collages"][name] = media.url(key)
        songs.append(entry)
    sheet = base + "contact-sheet.png"
    return {"album_id": album_id, "title": record["album"]["title"],
            "artist_name": record["album"]["artist_name"], "description": record["album"]["description"],
            "created_at": record["created_at"], "cover_url": media.url(record["cover_key"]),
            "finished": media.size(base + "stories.json") is not None,
            "contact_sheet_url": media.url(sheet) if media.size(sheet) is not None else None, "songs": songs}


def list_albums(artist_id: str) -> list[dict[str, Any]]:
    media = Media()
    found = []
    for folder in reversed(media.keys(f"artists/{artist_id}/stories/", delimiter="/")[-50:]):
        album_id = folder.rstrip("/").rsplit("/", 1)[-1]
        try:
            record = make.album_record(artist_id, album_id)
        except StudioNotFound:
            continue  # listener collages and other folders
        found.append({"album_id": album_id, "title": record["album"]["title"],
                      "songs": len(record["album"]["songs"]), "created_at": record["created_at"]})
    return found


def pick(artist_id: str, album_id: str, index: int, format_name: str) -> dict[str, Any]:
    """A song's collage as the artist's choice: a new artistDNA version (its ``artworks``)."""
    if format_name not in make.FORMATS:
        raise lyrics.LyricsError(f"format must be one of {', '.join(make.FORMATS)}")
    record = make.album_record(artist_id, album_id)
    if not 0 <= index < len(record["album"]["songs"]):
        raise StudioNotFound(f"no song {index + 1} in album {album_id}")
    media = Media()
    key = make.song_key(artist_id, album_id, index, f"{format_name}.png")
    if media.size(key) is None:
        raise StudioNotFound(f"song {index + 1} has no {format_name} collage yet")
    made = media.get_json(make.song_key(artist_id, album_id, index, "collage.json"), "no collage record")
    told = media.get_json(make.song_key(artist_id, album_id, index, "story.json"), "no story")
    facts = made["formats"][format_name]
    provider, _, model = made["engine"].partition(":")
    entry = {"artwork_id": album_id, "candidate_id": f"c{index:02d}", "title": told["title"][:120],
             "prompt": f"story collage ({format_name}) for {told['title']}"[:1000],
             "final_prompt": str(facts.get("prompt") or (
                 f"{facts.get('layout', '')} collage, palette {' '.join(facts.get('palette', []))}, "
                 f"line: {facts.get('line', '')}"))[:4000],
             "seed": int(facts.get("seed") or 0), "provider": provider, "model": model,
             "offline": bool(made["offline"]), "cost_usd": str(facts.get("cost_usd") or "0"),
             "media_key": key, "chosen_at": clock.iso()}
    version = DnaStore().update(artist_id, f"picked story collage for {told['title']}"[:300],
                                lambda doc: doc["artworks"].append(entry))
    return {"dna_version": version}


def listener_collage(artist_id: str, songs: list[dict[str, Any]], track_ids: list[str]) -> dict[str, Any]:
    """One shareable collage from five songs: typed, the caller's library tracks, or Spotify's."""
    picked = list(songs)
    tracks = TrackStore()
    for track_id in track_ids:
        track = tracks.get(artist_id, track_id)
        picked.append({"title": track.title, "artist": track.artist_name or ""})
    media = Media()
    covers = {}
    for i, song in enumerate(picked):
        if song.get("cover_key"):
            key = studio._check_references(artist_id, [song["cover_key"]])[0]
            covers[i] = media.get_bytes(key, "a cover is gone", limit=make.MAX_IMAGE_BYTES)
    png, facts = listener.render(listener.five(picked), covers)
    key = f"artists/{artist_id}/stories/listener/{new_id()}.png"
    media.put_bytes(key, png, "image/png")
    return {"key": key, "url": media.url(key, filename="my-top-5.png"), **facts, "source": "typed"}



# -- Spotify ---------------------------------------------------------------------------------


def _spotify_key(artist_id: str, state: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", state or ""):
        raise StudioNotFound("no Spotify sign-in with that state")
    return f"artists/{artist_id}/stories/spotify/{state}.json"


def spotify_authorize(artist_id: str, redirect_uri: str) -> dict[str, Any]:
    """Where to send the listener to connect Spotify; the PKCE verifier stays server-side,
    under the caller's prefix, until the code comes back."""
    client = spotify.Spotify(os.environ)
    try:
        verifier, challenge = spotify.pkce()
        state = secrets.token_urlsafe(24)
        Media().put_json(_spotify_key(artist_id, state), {"verifier": verifier, "redirect_uri": redirect_uri,
                                                          "created_at": clock.iso()})
        return {"url": client.authorize_url(redirect_uri, state, challenge), "state": state}
    finally:
        client.close()


def spotify_collage(artist_id: str, code: str, state: str) -> dict[str, Any]:
    """The listener collage from the caller's Spotify top five (the sign-in is used once)."""
    key = _spotify_key(artist_id, state)
    media = Media()
    pending = media.get_json(key, "no Spotify sign-in with that state (it is used once)")
    media.objects.s3.delete_object(Bucket=media.bucket, Key=key)
    client = spotify.Spotify(os.environ)
    try:
        token = client.exchange(code, pending["verifier"], pending["redirect_uri"])
        tracks = client.top_tracks(token)
        if len(tracks) < listener.COUNT:
            raise lyrics.LyricsError(f"Spotify has {len(tracks)} top tracks for this listener; the collage "
                                     f"needs {listener.COUNT}")
        features = client.audio_features(token, [t["id"] for t in tracks])
        songs = [{"title": t["title"], "artist": t["artist"], **features.get(t["id"], {})} for t in tracks]
        covers = {i: data for i, t in enumerate(tracks) if t["cover_url"]
                  and (data := client.cover(t["cover_url"])) is not None and _decodes(data)}
    finally:
        client.close()
    png, facts = listener.render(listener.five(songs), covers)
    out_key = f"artists/{artist_id}/stories/listener/{new_id()}.png"
    media.put_bytes(out_key, png, "image/png")
    return {"key": out_key, "url": media.url(out_key, filename="my-top-5.png"), **facts,
            "source": "spotify", "audio_features": bool(features)}


def _decodes(data: bytes) -> bool:
    """A vendor's cover that cannot be decoded is left out (a swatch takes its place)."""
    try:
        collage.load(data, "cover")
    except ValueError:
        return False
    return True
