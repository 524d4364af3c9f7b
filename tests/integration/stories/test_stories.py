"""The stories room end to end on the local stack, over HTTP: ``soundmosaic stories make``
(stories.json last, 2048 x 2048 and 9:16 collages, contact sheet), reading the album, picking a
collage into the artistDNA, lyrics from a library track's transcription, the provider path
(Claude's fake for the stories, a collage deployment on Replicate's fake), the listener collage,
tenancy, and bad input refused before any job: empty, German and 10,000-line lyrics, a corrupt
cover, another artist's cover, a track without lyrics.

The engines are the real offline ones; the workflow is the real ASL file executed by moto.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image
from soundmosaic.library.keys import track_prefix
from soundmosaic.platform import aws
from soundmosaic.platform.resources import physical_name

from tests.audio import tone
from tests.fakes import FakeAnthropic, FakeReplicate, FakeSpotify

pytestmark = pytest.mark.integration

SONGS = [
    {"title": "Harbour Lights", "lyrics": "[00:01.00]I left the harbour lights behind\nMarie was waving from "
     "the pier\nThe cold river took my paper crown\nI cried in the rain, alone in Lisbon"},
    {"title": "Home", "lyrics": "The river brought me home again\nThe harbour lights are bright and warm\n"
     "We are free, we are alive\nI love the morning sun"},
]


def _cover(colour=(200, 60, 40)) -> bytes:
    yy, xx = np.mgrid[0:300, 0:300]
    disc = ((xx - 150) ** 2 + (yy - 140) ** 2 < 90**2)[..., None]
    img = np.where(disc, np.array(colour), np.array([30, 40, 110]))
    out = io.BytesIO()
    Image.fromarray(img.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def upload_reference(api, data: bytes, name: str = "cover.png") -> str:
    ref = api.http.post("/studio/references", json={"filename": name, "content_type": "image/png",
                                                     "size_bytes": len(data)})
    assert ref.status_code == 201, ref.text
    assert httpx.put(ref.json()["url"], content=data, headers=ref.json()["headers"]).status_code == 200
    return str(ref.json()["key"])


def wait(api, job_id: str, timeout: float = 600) -> dict:
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        job = api.http.get(f"/jobs/{job_id}").json()
        seen.append(job["stage"])
        if job["status"] in ("succeeded", "failed"):
            return {**job, "seen": seen}
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {seen[-3:]}")


@pytest.fixture(scope="module")
def made(stack, tmp_path_factory) -> dict:
    """``soundmosaic stories make`` against the package's running stack (found by its data dir)."""
    folder = tmp_path_factory.mktemp("album")
    (folder / "cover.png").write_bytes(_cover())
    (folder / "harbour.lrc").write_bytes(SONGS[0]["lyrics"].encode("utf-16"))  # a file, in UTF-16
    songs = [{"title": SONGS[0]["title"], "lyrics_file": "harbour.lrc"}, SONGS[1]]
    (folder / "album.json").write_text(json.dumps({"title": "Paper Harbour", "artist_name": "Nova",
                                                   "description": "An EP about leaving Lisbon.",
                                                   "cover": "cover.png", "songs": songs}))
    done = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(stack.data_dir),
                           "--artist", "artist-a", "stories", "make", str(folder / "album.json"),
                           "--out", str(folder / "out")], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip().splitlines()[-1])
    return {"path": path, "out": folder / "out", "stderr": done.stderr, **json.loads(path.read_text())}


def test_cli_prints_the_stories_json_last_and_writes_the_collages(made):
    assert made["path"] == (made["out"] / "stories.json").resolve()
    stories = made["stories"]
    assert [s["title"] for s in stories] == ["Harbour Lights", "Home"]
    assert all(s["status"] == "ok" and s["engine"] == "offline:offline-stories-v1" for s in stories)
    assert all(q in SONGS[0]["lyrics"] for q in stories[0]["quotes"])
    assert stories[1]["continues"][0]["title"] == "Harbour Lights"
    assert "“Harbour Lights”" in stories[1]["story"]
    files = sorted(p.name for p in made["out"].glob("*.png"))
    assert files == ["01-Harbour-Lights-square.png", "01-Harbour-Lights-story.png", "02-Home-square.png",
                     "02-Home-story.png", "contact-sheet.png"]
    assert Image.open(made["out"] / "01-Harbour-Lights-square.png").size == (2048, 2048)
    assert Image.open(made["out"] / "02-Home-story.png").size == (1152, 2048)
    assert "2 of 2 songs have their story" in made["stderr"]


def test_the_album_reads_back_and_a_collage_is_picked_into_the_dna(api, other, made):
    album_id = made["album_id"]
    album = api.http.get(f"/stories/albums/{album_id}").json()
    assert album["finished"] and album["contact_sheet_url"] and len(album["songs"]) == 2
    assert album["songs"][0]["lyrics"].startswith("I left the harbour")  # the LRC timestamp is gone
    assert set(album["songs"][1]["collages"]) == {"square", "story"}
    assert any(a["album_id"] == album_id for a in api.http.get("/stories/albums").json())
    picked = api.http.post(f"/stories/albums/{album_id}/songs/1/pick", json={"format": "story"})
    assert picked.status_code == 200, picked.text
    dna = api.http.get("/studio/dna").json()
    assert dna["version"] == picked.json()["dna_version"]
    entry = dna["artworks"][-1]
    assert entry["artwork_id"] == album_id and entry["title"] == "Home" and entry["offline"] is True
    assert entry["media_key"].endswith("/songs/01/story.png")
    # Another artist sees none of it.
    assert other.http.get(f"/stories/albums/{album_id}").status_code == 404
    assert other.http.post(f"/stories/albums/{album_id}/songs/1/pick", json={}).status_code == 404
    assert all(a["album_id"] != album_id for a in other.http.get("/stories/albums").json())
    assert api.http.post(f"/stories/albums/{album_id}/songs/7/pick", json={}).status_code == 404
    gif = api.http.post(f"/stories/albums/{album_id}/songs/0/pick", json={"format": "gif"})
    assert gif.status_code == 422


def _album(cover_key: str, songs: list[dict]) -> dict:
    return {"title": "T", "artist_name": "Nova", "cover_key": cover_key, "songs": songs}


def test_bad_input_is_refused_before_any_job(api, other):
    cover = upload_reference(api, _cover())
    jobs_before = len(api.http.get("/jobs", params={"limit": 200}).json()["items"])
    cases = [
        (_album(cover, [{"title": "Empty", "lyrics": "  \n "}]), 400, "the lyrics are empty"),
        (_album(cover, [{"title": "Deutsch", "lyrics": "Ich bin nicht mit dir und wir sind noch hier"}]), 400,
         "German, not English"),
        (_album(cover, [{"title": "Long", "lyrics": "la\n" * 10_000}]), 400,
         "10,001 lines; the limit is 400"),
        (_album(cover, [{"title": "No lyrics"}]), 400, "the lyrics are empty"),
        (_album(upload_reference(api, _cover()[:200], "broken.png"), SONGS), 400,
         "the cover: corrupt or truncated"),
        (_album(upload_reference(other, _cover()), SONGS), 404, "no reference"),
        (_album("artists/artist-a/tracks/x/original.wav", SONGS), 404, "no reference"),
    ]
    for body, status, reason in cases:
        reply = api.http.post("/stories/albums", json=body)
        assert reply.status_code == status, (reason, reply.text)
        assert reason in reply.json()["message"], reply.text
    assert api.http.post("/stories/albums", json={**_album(cover, SONGS), "x": 1}).status_code == 422
    assert len(api.http.get("/jobs", params={"limit": 200}).json()["items"]) == jobs_before


@pytest.fixture
def small(monkeypatch):
    """Quarter-size collages (512 x 512 and 288 x 512) where the size is not what is tested."""
    monkeypatch.setenv("SOUNDMOSAIC_STORIES_SCALE", "0.25")  # the stack runs its handlers in this process


def test_lyrics_come_from_a_library_tracks_transcription(api, tmp_path, small):
    job = api.job_for(api.upload(tone(tmp_path / "take.wav", seconds=2))["key"])
    track_id = job["result"]["track_id"]
    cover = upload_reference(api, _cover())
    refused = api.http.post("/stories/albums", json=_album(cover, [{"title": "Take", "track_id": track_id}]))
    assert refused.status_code == 400 and "run the audio lab's lyrics stage" in refused.json()["message"]
    # What the audio lab's lyrics stage leaves under the track (lyrics/lyrics.txt).
    aws.client("s3").put_object(Bucket=physical_name("local", "media"),
                                Key=f"{track_prefix('artist-a', track_id)}lyrics/lyrics.txt",
                                Body=b"I hear the river calling me home\nThe morning light is on the water")
    started = api.http.post("/stories/albums", json=_album(cover, [{"title": "Take", "track_id": track_id}]))
    assert started.status_code == 202, started.text
    album = api.http.get(f"/stories/albums/{started.json()['subject']['album_id']}").json()
    assert album["songs"][0]["lyrics"].startswith("I hear the river calling me home")
    wait(api, started.json()["job_id"])


def test_the_provider_path_stories_from_claude_collages_from_a_collage_deployment(api, monkeypatch, tmp_path,
                                                                                  small):
    registry = tmp_path / "stories-registry.toml"
    registry.write_text('[[text]]\nprovider = "anthropic"\nmodel = "claude-sonnet-4-6"\nattempts = 1\n\n'
                        '[[image]]\nprovider = "replicate"\ndeployment = "nova-label/collage-sdxl"\n'
                        'attempts = 1\nprice_per_call = 0.01\n')
    with FakeAnthropic() as claude, FakeReplicate() as replicate:
        env = {**claude.env(), **replicate.env(), "SOUNDMOSAIC_STORIES_REGISTRY": str(registry)}
        for name, value in env.items():
            monkeypatch.setenv(name, value)  # the stack runs its handlers in this process
        claude.respond_with(json.dumps({"story": "Leaving the harbour.",
                                        "quotes": ["Marie was waving from the pier"]}))
        started = api.http.post("/stories/albums", json=_album(upload_reference(api, _cover()), SONGS[:1]))
        job = wait(api, started.json()["job_id"])
        predictions = [r.json() for r in replicate.requests if r.method == "POST"]
    assert job["status"] == "succeeded", job
    assert any(stage.startswith("song 1/1") for stage in job["seen"])
    song = api.http.get(f"/stories/albums/{job['result']['album_id']}").json()["songs"][0]
    assert song["engine"] == "anthropic:claude-sonnet-4-6"
    assert song["quotes"] == ["Marie was waving from the pier"]
    assert [r.path for r in replicate.requests if r.method == "POST"] == \
        ["/v1/deployments/nova-label/collage-sdxl/predictions"] * 2
    assert all("torn paper edges" in p["input"]["prompt"] for p in predictions)
    assert {(p["input"]["width"], p["input"]["height"]) for p in predictions} == {(512, 512), (288, 512)}
    assert "<<<BRIEF" in json.dumps(claude.requests[-1].json()["messages"])  # the lyrics went as data


def test_a_listener_collage_from_five_typed_songs(api, other):
    cover = upload_reference(api, _cover((240, 200, 40)))
    songs = [{"title": f"Song {n}", "artist": "Someone", "mood": mood} for n, mood in
             enumerate(("sad", "happy", "angry", "dreamy", ""), start=1)]
    songs[0]["cover_key"] = cover
    reply = api.http.post("/stories/listener", json={"songs": songs})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert [s["mood"] for s in body["songs"]] == ["melancholic", "euphoric", "angry", "dreamy", "calm"]
    assert Image.open(io.BytesIO(httpx.get(body["url"]).content)).size == (1080, 1920)
    assert api.http.post("/stories/listener", json={"songs": songs[:4]}).status_code == 400
    assert other.http.post("/stories/listener", json={"songs": songs}).status_code == 404  # not their cover


def test_a_listener_collage_from_spotify(api, other, monkeypatch):
    redirect = "http://127.0.0.1:5173/stories/listener"
    assert api.http.post("/stories/spotify/authorize", json={"redirect_uri": redirect}).status_code == 400
    with FakeSpotify(corrupt_cover=2) as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)  # the stack runs its handlers in this process
        started = api.http.post("/stories/spotify/authorize", json={"redirect_uri": redirect})
        assert started.status_code == 200, started.text
        consent = httpx.get(started.json()["url"], follow_redirects=False)  # the listener says yes
        back = dict(parse_qsl(urlsplit(consent.headers["location"]).query))
        assert back["state"] == started.json()["state"]
        # Another artist cannot use this sign-in (the verifier is under the caller's prefix).
        assert other.http.post("/stories/spotify/collage", json=back).status_code == 404
        made = api.http.post("/stories/spotify/collage", json=back)
        assert made.status_code == 201, made.text
        again = api.http.post("/stories/spotify/collage", json=back)
    body = made.json()
    assert body["source"] == "spotify" and body["audio_features"] is True
    assert [s["title"] for s in body["songs"]][:2] == ["Harbour Lights", "Neon Tide"]
    assert [s["mood"] for s in body["songs"]] == ["melancholic", "euphoric", "angry", "calm", "euphoric"]
    # The junk cover is left out (a swatch takes its place).
    assert [s["cover"] for s in body["songs"]] == [True, True, False, True, True]
    assert Image.open(io.BytesIO(httpx.get(body["url"]).content)).size == (1080, 1920)
    assert again.status_code == 404  # a sign-in is used once


def test_cli_says_why_an_album_is_refused(stack, tmp_path):
    (tmp_path / "cover.png").write_bytes(_cover())
    (tmp_path / "album.json").write_text(json.dumps({
        "title": "T", "artist_name": "Nova", "cover": "cover.png",
        "songs": [{"title": "Deutsch", "lyrics": "Ich bin nicht mit dir und wir sind noch hier"}]}))
    done = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(stack.data_dir),
                           "stories", "make", str(tmp_path / "album.json"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "album refused" in done.stderr and "German, not English" in done.stderr
    assert not (tmp_path / "out").exists()
    (tmp_path / "album.json").write_text(json.dumps({"title": "T", "cover": "missing.png", "songs": []}))
    done = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(stack.data_dir),
                           "stories", "make", str(tmp_path / "album.json")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode != 0 and "is not a file" in done.stderr
    (tmp_path / "album.json").write_text(json.dumps({"title": "T", "artist_name": "N", "cover": "cover.png",
                                                     "songs": [{"title": "x" * 300, "lyrics": "la"}]}))
    done = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(stack.data_dir),
                           "stories", "make", str(tmp_path / "album.json")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1 and "songs.0.title: string_too_long" in done.stderr


def test_a_failing_song_is_recorded_while_the_others_go_on(api, monkeypatch, tmp_path, small):
    """Claude answers one song with the JSON asked for and the other with prose (every retry):
    that song fails with the reason, the other gets its story and collages, the job succeeds;
    an album where every song fails fails the job."""
    registry = tmp_path / "stories-registry.toml"
    registry.write_text('[[text]]\nprovider = "anthropic"\nmodel = "claude-sonnet-4-6"\nattempts = 1\n')
    with FakeAnthropic(default_reply="Sure! Here is a lovely story.") as claude:
        for name, value in {**claude.env(), "SOUNDMOSAIC_STORIES_REGISTRY": str(registry)}.items():
            monkeypatch.setenv(name, value)  # the stack runs its handlers in this process
        claude.respond_with(json.dumps({"story": "A story.", "quotes": []}))
        cover = upload_reference(api, _cover())
        job = wait(api, api.http.post("/stories/albums", json=_album(cover, SONGS)).json()["job_id"])
        failed = wait(api, api.http.post("/stories/albums", json=_album(cover, SONGS[:1])).json()["job_id"])
    assert job["status"] == "succeeded", job
    assert len(job["result"]["failed"]) == 1 and job["result"]["stories"] == 1
    songs = api.http.get(f"/stories/albums/{job['result']['album_id']}").json()["songs"]
    bad = songs[job["result"]["failed"][0]]
    good = songs[1 - job["result"]["failed"][0]]
    assert bad["status"] == "failed" and "did not answer the JSON story" in bad["error"]
    assert good["status"] == "ok" and set(good["collages"]) == {"square", "story"}
    assert failed["status"] == "failed" and "no song got its story" in failed["error"]
