"""Reference songs and their identification (``soundmosaic.generation.references``) in moto, with
real fpcalc and ffmpeg on the rendered demo catalog: matched, doubtful (two songs overlaid),
unmatched (a chirp), unreadable, removed meanwhile; adding songs and its refusals; matching by
hand; the refusal reasons a project shows; deleting a project with its media."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from soundmosaic.catalog.fingerprint import FingerprintError
from soundmosaic.catalog.store import CatalogStore
from soundmosaic.generation import projects, references
from soundmosaic.generation.projects import ProjectNotFound, ProjectStore
from soundmosaic.generation.references import CatalogEntryNotFound, SongConflict, SourceUnavailable
from soundmosaic.library.tracks import Track, TrackNotFound, TrackStore
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import Job, JobStore
from soundmosaic_local.fixtures import demo_catalog
from soundmosaic_local.http_server import LocalHttpServer, reply

ARTIST, OTHER = "artist-a", "artist-b"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[demo_catalog.DemoSong]:
    return demo_catalog.songs(tmp_path_factory.getbasetemp() / "demo-catalog")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, demo: list[demo_catalog.DemoSong]) -> dict[str, Path]:
    """Audio that is not a plain catalog song: a mashup, a tone, an MP3 copy, garbage."""
    folder = tmp_path_factory.mktemp("clips")

    def ffmpeg(*args: str) -> None:
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)

    # demo-03 and demo-07 overlaid at equal level: demo-03 is recognisable, not certain.
    ffmpeg("-i", str(demo[2].audio), "-i", str(demo[6].audio), "-filter_complex",
           "[0:a][1:a]amix=inputs=2:normalize=0", str(folder / "mashup.wav"))
    # Two gliding sines: music-like enough to fingerprint, like no catalog song. (A steady sine
    # is not a good "nothing": its constant fingerprint lands doubtful against a drone-heavy song.)
    ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.3*sin(2*PI*(200+40*t)*t)|0.3*sin(2*PI*(300+25*t)*t):d=12",
           str(folder / "chirp.wav"))
    ffmpeg("-i", str(demo[4].audio), "-b:a", "128k", str(folder / "demo-05.mp3"))
    (folder / "notes.mp3").write_bytes(b"these are not audio bytes\n" * 500)
    return {p.stem: p for p in folder.iterdir()}


@pytest.fixture
def env(aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        demo: list[demo_catalog.DemoSong]) -> list[Any]:
    """The demo catalog in the catalog table; ffmpeg reads a local copy (moto's in-process S3
    has no URL a subprocess could reach); workflows are recorded, not run."""
    store = CatalogStore()
    for song in demo:
        store.put(song.recording)

    def local_copy(bucket: str, key: str) -> str:
        path = tmp_path / key.replace("/", "_")
        path.write_bytes(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
        return str(path)

    monkeypatch.setattr(references, "source_url", local_copy)
    started: list[Any] = []

    def start(job: Job, machine: str, workflow_input: dict[str, Any]) -> Job:
        JobStore().create(job)
        started.append((job, machine, workflow_input))
        return job

    monkeypatch.setattr(references, "start_workflow", start)
    return started


def track(path: Path, artist: str = ARTIST, title: str | None = None) -> Track:
    """A library track whose original is ``path``."""
    track_id = f"t-{path.stem}-{artist}"
    key = f"artists/{artist}/tracks/{track_id}/original{path.suffix}"
    aws.client("s3").put_object(Bucket=resource("MEDIA_BUCKET"), Key=key, Body=path.read_bytes())
    return TrackStore().put(Track(artist, track_id, title or path.stem, path.name, key, path.stat().st_size,
                                  {"duration_s": 20.0}))


def run_job(started: list[Any]) -> list[dict[str, Any]]:
    """What the song_identify Map does: one identify step per song of the last started job."""
    job, machine, given = started[-1]
    assert machine == "SONG_IDENTIFY_STATE_MACHINE"
    return [references.identify_step({"artist_id": job.artist_id, "job_id": job.job_id,
                                    "project_id": given["project_id"], "song_ids": given["song_ids"],
                                    "song_id": song_id}) for song_id in given["song_ids"]]


def test_songs_are_matched_doubtful_unmatched_or_failed_with_the_reason(
        env: list[Any], demo: list[demo_catalog.DemoSong], clips: dict[str, Path]) -> None:
    project = references.create_project(ARTIST, "  First album  ")
    tracks = [track(demo[2].audio, title="Velvet copy"), track(clips["demo-05"]), track(clips["mashup"]),
              track(clips["chirp"]), track(clips["notes"])]
    added = references.add_songs(ARTIST, project["project_id"], [t.track_id for t in tracks], "corr-1")
    assert [s["status"] for s in added["songs"]] == ["identifying"] * 5
    assert [s["title"] for s in added["songs"]][:2] == ["Velvet copy", "demo-05"]
    job, _, given = env[-1]
    assert added["job"]["job_id"] == job.job_id and job.kind == "song_identify"
    assert given == {"project_id": project["project_id"], "song_ids": [s["song_id"] for s in added["songs"]]}

    results = run_job(env)
    assert [r["status"] for r in results] == ["matched", "matched", "doubtful", "unmatched", "failed"]
    detail = references.project_detail(ARTIST, project["project_id"])
    wav, mp3, mashup, chirp, notes = detail["songs"]
    assert wav["match"]["recording_id"] == "demo-03" and wav["match"]["by"] == "fingerprint"
    assert wav["match"]["work_id"] == "work:demo-03" and wav["match"]["isrc"] == "ZZSMD2600003"
    shares = demo[2].recording.shares()
    assert wav["match"]["holders"] == {h: str(s) for h, s in shares.items()}
    assert all("/" in s or s == "1" for s in wav["match"]["holders"].values())
    assert wav["match"]["holder_names"] == dict(demo[2].recording.holder_names)
    assert wav["match"]["confidence"] >= 0.9 and wav["candidates"][0]["verdict"] == "matched"
    assert mp3["match"]["recording_id"] == "demo-05"  # re-encoded, still the same song
    assert mashup["match"] is None and mashup["candidates"][0]["recording_id"] == "demo-03"
    assert 0.35 <= mashup["candidates"][0]["confidence"] < 0.55
    assert chirp["match"] is None and chirp["candidates"] == [] and chirp["error"] is None
    assert notes["status"] == "failed" and "notes.mp3" in notes["error"] and "not readable" in notes["error"]
    assert JobStore().get(ARTIST, job.job_id).percent == 95  # every song done; MarkSucceeded makes 100
    assert detail["identify_job"]["job_id"] == job.job_id
    assert not detail["ready"] and "exactly 10" in detail["refusal"]

    listed = references.list_projects(ARTIST)["items"]
    assert [(p["name"], p["song_count"], p["matched_count"], p["take_count"]) for p in listed] == [
        ("First album", 5, 2, 0)]

    # Confirming the doubtful candidate by hand; a recording that is not in the catalog is refused.
    with pytest.raises(CatalogEntryNotFound):
        references.match_by_hand(ARTIST, project["project_id"], mashup["song_id"], "demo-99")
    confirmed = references.match_by_hand(ARTIST, project["project_id"], mashup["song_id"], "demo-03")
    assert confirmed["status"] == "matched" and confirmed["match"]["by"] == "hand"
    assert confirmed["match"]["confidence"] == mashup["candidates"][0]["confidence"]  # the candidate's
    searched = references.match_by_hand(ARTIST, project["project_id"], chirp["song_id"], "demo-09")
    assert searched["match"]["confidence"] is None and searched["match"]["work_id"] == "work:demo-09"
    # Five songs, four matched: the one that is not is named.
    songs = ProjectStore().songs(ARTIST, project["project_id"])
    reason = projects.refusal(songs, expected=len(songs)) or ""
    assert reason == ("1 song(s) not matched to a catalog entry yet: notes; confirm a candidate, "
                      "match them by hand from catalog search, or remove them")


def test_identifying_again_and_the_failure_step(env: list[Any], demo: list[demo_catalog.DemoSong]) -> None:
    project = references.create_project(ARTIST, "Again")["project_id"]
    song = references.add_songs(ARTIST, project, [track(demo[0].audio).track_id])["songs"][0]
    run_job(env)
    again = references.reidentify(ARTIST, project, song["song_id"], "corr-2")
    assert again["song"]["status"] == "identifying" and again["song"]["match"] is None
    assert env[-1][2]["song_ids"] == [song["song_id"]]
    failed = references.identify_failed_step({
        "artist_id": ARTIST, "job_id": again["job"]["job_id"], "project_id": project,
        "song_id": song["song_id"], "song_ids": [song["song_id"]],
        "error": {"Error": "Sandbox.Timedout", "Cause": '{"errorMessage": "Task timed out after 900 s"}'}})
    assert failed == {"song_id": song["song_id"], "status": "failed"}
    stored = ProjectStore().song(ARTIST, project, song["song_id"])
    assert stored.error == "identification failed: Sandbox.Timedout: Task timed out after 900 s"
    assert JobStore().get(ARTIST, again["job"]["job_id"]).percent == 95
    run_job(env)
    assert ProjectStore().song(ARTIST, project, song["song_id"]).status == "matched"


def test_a_song_removed_meanwhile_is_left_alone(env: list[Any], demo: list[demo_catalog.DemoSong]) -> None:
    project = references.create_project(ARTIST, "Removed")["project_id"]
    added = references.add_songs(ARTIST, project, [track(s.audio).track_id for s in (demo[1], demo[3])])
    gone = added["songs"][0]["song_id"]
    references.remove_song(ARTIST, project, gone)
    assert [r["status"] for r in run_job(env)] == ["removed", "matched"]
    with pytest.raises(ProjectNotFound):
        ProjectStore().song(ARTIST, project, gone)  # not recreated by the late update
    failed = references.identify_failed_step({"artist_id": ARTIST, "project_id": project, "song_id": gone,
                                            "error": {"Error": "X"}})
    assert failed["status"] == "removed"
    with pytest.raises(ProjectNotFound):
        references.remove_song(ARTIST, project, gone)


def test_a_deleted_library_track_fails_its_song(env: list[Any], demo: list[demo_catalog.DemoSong]) -> None:
    project = references.create_project(ARTIST, "Gone track")["project_id"]
    t = track(demo[5].audio)
    references.add_songs(ARTIST, project, [t.track_id])
    TrackStore().table.delete_item(Key={"artist_id": ARTIST, "track_id": t.track_id})
    assert [r["status"] for r in run_job(env)] == ["failed"]
    assert "library track was deleted" in (ProjectStore().songs(ARTIST, project)[0].error or "")


def test_adding_songs_is_refused_with_a_clear_reason(env: list[Any],
                                                     demo: list[demo_catalog.DemoSong]) -> None:
    project = references.create_project(ARTIST, "Limits")["project_id"]
    mine = [track(song.audio) for song in demo[:11]]
    theirs = track(demo[0].audio, artist=OTHER)
    with pytest.raises(TrackNotFound):  # another artist's track is not in this artist's library
        references.add_songs(ARTIST, project, [theirs.track_id])
    with pytest.raises(TrackNotFound):
        references.add_songs(ARTIST, project, ["no-such-track"])
    with pytest.raises(ValueError, match="more than once"):
        references.add_songs(ARTIST, project, [mine[0].track_id, mine[0].track_id])
    with pytest.raises(ValueError, match="at least one"):
        references.add_songs(ARTIST, project, [])
    with pytest.raises(ProjectNotFound):  # another artist's project
        references.add_songs(OTHER, project, [theirs.track_id])
    assert env == []  # nothing started
    references.add_songs(ARTIST, project, [t.track_id for t in mine[:8]])
    with pytest.raises(SongConflict, match="already in the project"):
        references.add_songs(ARTIST, project, [mine[0].track_id])
    with pytest.raises(SongConflict, match="at most 10 songs; it has 8, 3 more would make 11"):
        references.add_songs(ARTIST, project, [t.track_id for t in mine[8:11]])
    references.add_songs(ARTIST, project, [t.track_id for t in mine[8:10]])
    assert len(ProjectStore().songs(ARTIST, project)) == 10


def test_refusal_reasons_until_ten_distinct_works_are_matched(
        env: list[Any], demo: list[demo_catalog.DemoSong]) -> None:
    project = references.create_project(ARTIST, "Ten")["project_id"]
    added = references.add_songs(ARTIST, project, [track(s.audio).track_id for s in demo[:10]])["songs"]
    detail = references.project_detail(ARTIST, project)
    assert not detail["ready"] and "10 song(s) not matched" in detail["refusal"]
    run_job(env)
    detail = references.project_detail(ARTIST, project)
    assert [s["match"]["recording_id"] for s in detail["songs"]] == [f"demo-{i:02d}" for i in range(1, 11)]
    assert detail["ready"] and detail["refusal"] is None
    # The artist matches the tenth song by hand to the first song's recording: one work twice.
    references.match_by_hand(ARTIST, project, added[9]["song_id"], "demo-01")
    detail = references.project_detail(ARTIST, project)
    assert not detail["ready"] and "same work" in detail["refusal"]
    references.remove_song(ARTIST, project, added[9]["song_id"])
    assert "has 9" in references.project_detail(ARTIST, project)["refusal"]


def test_deleting_a_project_removes_its_records_and_media(env: list[Any],
                                                          demo: list[demo_catalog.DemoSong]) -> None:
    project = references.create_project(ARTIST, "Short-lived")["project_id"]
    references.add_songs(ARTIST, project, [track(demo[0].audio).track_id])
    s3, bucket = aws.client("s3"), resource("MEDIA_BUCKET")
    prefix = references.project_prefix(ARTIST, project)
    s3.put_object(Bucket=bucket, Key=f"{prefix}takes/x/master.wav", Body=b"RIFF")
    with pytest.raises(ProjectNotFound):
        references.delete_project(OTHER, project)
    references.delete_project(ARTIST, project)
    assert s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount") == 0
    with pytest.raises(ProjectNotFound):
        references.project_detail(ARTIST, project)
    assert ProjectStore().songs(ARTIST, project) == []
    assert references.list_projects(ARTIST) == {"items": []}


def test_catalog_search_shows_holders_with_exact_shares(env: list[Any],
                                                        demo: list[demo_catalog.DemoSong]) -> None:
    title = demo[3].recording.title
    (entry,) = references.search_catalog(title, 5)["items"][:1]
    assert entry["recording_id"] == "demo-04" and entry["title"] == title
    assert entry["holders"] == {h: str(s) for h, s in demo[3].recording.shares().items()}
    assert set(entry["holder_names"]) == set(entry["holders"])
    assert references.search_catalog("ZZSMD2600004", 5)["items"][0]["recording_id"] == "demo-04"
    assert references.search_catalog("nothing like this", 5) == {"items": []}
    with pytest.raises(ValueError, match="say what to look for"):
        references.search_catalog("   ")


def test_unreachable_source_is_retryable_and_unreadable_is_not(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match=r"song\.wav: could not read it"):
        references.decode_excerpt("http://127.0.0.1:9/artists/a/original.wav?X-Amz-Signature=abc",
                                tmp_path / "x.wav", "song.wav")
    with (LocalHttpServer(lambda handler: reply(handler, 404, b"gone", "text/plain")) as server,
          pytest.raises(FingerprintError, match=r"gone\.wav: storage refused to serve it .*404")):
        references.decode_excerpt(f"{server.url}/gone.wav?X-Amz-Signature=abc", tmp_path / "z.wav",
                                  "gone.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt nonsense")
    with pytest.raises(FingerprintError) as caught:
        references.decode_excerpt(str(bad), tmp_path / "y.wav", "bad.wav")
    assert str(bad) not in str(caught.value)  # the message names the file, not the (signed) source


def test_catalog_add_from_the_cli_then_the_song_is_identified_again(
        env: list[Any], clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from soundmosaic_local import cli

    project = references.create_project(ARTIST, "Catalog grows")["project_id"]
    song = references.add_songs(ARTIST, project, [track(clips["chirp"]).track_id])["songs"][0]
    assert [r["status"] for r in run_job(env)] == ["unmatched"]

    base = ["--data-dir", str(tmp_path), "catalog", "add", str(clips["chirp"]), "--title", "Glide Path",
            "--artist", "Test Band", "--isrc", "ZZ-SMD-26-99999", "--recording-id", "glide-1"]
    # Shares that do not sum to 1, a holder without "=", a name for no holder: refused, nothing written.
    assert cli.main([*base, "--holder", "holder:a=3/5", "--holder", "holder:b=1/2"]) == 2
    assert cli.main([*base, "--holder", "holder:a"]) == 2
    assert cli.main([*base, "--holder", "holder:a=1", "--holder-name", "holder:z=Zed"]) == 2
    assert cli.main([*base[:4], str(clips["notes"]), *base[5:], "--holder", "holder:a=1"]) == 2
    assert CatalogStore().get("glide-1") is None
    assert cli.main([*base, "--holder", "holder:a=3/5", "--holder", "holder:b=0.4",
                     "--holder-name", "holder:a=Ann Example"]) == 0
    assert "added glide-1" in capsys.readouterr().out
    (entry,) = references.search_catalog("glide path")["items"]
    assert entry["holders"] == {"holder:a": "3/5", "holder:b": "2/5"} and entry["isrc"] == "ZZSMD2699999"
    assert entry["holder_names"] == {"holder:a": "Ann Example"} and entry["work_id"] == "work:glide-1"

    references.reidentify(ARTIST, project, song["song_id"])
    assert [r["status"] for r in run_job(env)] == ["matched"]
    match = ProjectStore().song(ARTIST, project, song["song_id"]).match
    assert match is not None and match["recording_id"] == "glide-1"


def test_the_store_guards_the_limit_and_duplicates_itself(env: list[Any],
                                                          demo: list[demo_catalog.DemoSong]) -> None:
    """What two requests at the same time would do, past the service's own checks: the store's
    transaction refuses a track twice or an eleventh song, and writes nothing of the refused batch."""
    store = ProjectStore()
    project = references.create_project(ARTIST, "Races")["project_id"]

    def songs(*track_ids: str) -> list[projects.Song]:
        return [projects.Song(ARTIST, project, f"s-{t}", t, t) for t in track_ids]

    store.add_songs(ARTIST, project, songs(*(f"t{i}" for i in range(8))))
    with pytest.raises(projects.SongsRefused):  # t3 is there already: t8 is not added either
        store.add_songs(ARTIST, project, [*songs("t8"), projects.Song(ARTIST, project, "other", "t3", "t3")])
    with pytest.raises(projects.SongsRefused):  # 8 + 3 > 10
        store.add_songs(ARTIST, project, songs("t8", "t9", "t10"))
    assert [s.track_id for s in store.songs(ARTIST, project)] == [f"t{i}" for i in range(8)]
    assert store.get(ARTIST, project).song_count == 8
    store.remove_song(store.song(ARTIST, project, "s-t3"))  # frees its place and its track
    store.add_songs(ARTIST, project, songs("t3", "t8", "t9"))
    assert store.get(ARTIST, project).song_count == 10
    with pytest.raises(ProjectNotFound):  # removing it twice
        store.remove_song(projects.Song(ARTIST, project, "gone", "t99", "gone"))
