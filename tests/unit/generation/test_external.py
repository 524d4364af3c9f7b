"""The catalogs the customer named, through the service and the identify step, on fake servers:
Apple Music search and matching by hand, AcoustID identification (MusicBrainz for the ISRCs), the
royalty admin's rights form with its audit record, and the local catalog alone without keys.

Hostile input tried: a recording id that is no named catalog's (refused), an Apple id that is not
a number or does not exist (404, never a request with it), holder shares that do not sum to 1,
names for holders without a share, a search of a catalog whose keys are not set (409).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from soundmosaic.catalog.fingerprint import fingerprint_file
from soundmosaic.catalog.store import CatalogStore
from soundmosaic.generation import external, projects, references
from soundmosaic.generation.projects import ProjectStore
from soundmosaic.royalties import audit, tables
from soundmosaic_local.fixtures import demo_catalog

from tests.fakes.acoustid_server import AcoustIdEntry, FakeAcoustId
from tests.fakes.apple_music_server import AppleSong, FakeAppleMusic
from tests.fakes.musicbrainz_server import FakeMusicBrainz, MbRecording
from tests.unit.generation.test_references import ARTIST, clips, demo, env, run_job, track

__all__ = ["clips", "demo", "env"]  # fixtures shared with test_references
MBID = "7d2e5f9a-1b3c-4d5e-8f90-123456789abc"
UNKNOWN_ISRC = "QZABC2600099"


@pytest.fixture
def apple(monkeypatch: pytest.MonkeyPatch, demo: list[demo_catalog.DemoSong]) -> Iterator[FakeAppleMusic]:
    known = demo[2].recording  # in the platform's catalog: its rights are known by ISRC
    songs = [AppleSong("1440857781", known.title, known.artists[0], str(known.isrc), 20_000),
             AppleSong("1440857782", "Paper Lanterns", "Nobody Known", UNKNOWN_ISRC, 180_000)]
    with FakeAppleMusic(songs) as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        yield fake


def song_in_project(title: str = "Upload") -> tuple[str, str]:
    project = ProjectStore().create(ARTIST, "Named catalogs")
    song = projects.Song(ARTIST, project.project_id, "s-1", "t-1", title, status=projects.UNMATCHED)
    ProjectStore().put_song(song)
    return project.project_id, song.song_id


def test_without_keys_only_the_local_catalog(env: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("APPLE_MUSIC_KEY_ID", "APPLE_MUSIC_TEAM_ID", "APPLE_MUSIC_PRIVATE_KEY", "ACOUSTID_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert external.sources() == ["local"]
    with pytest.raises(external.SourceNotConfigured, match="not configured"):
        external.search(external.APPLE, "velvet")
    project_id, song_id = song_in_project()
    with pytest.raises(external.SourceNotConfigured):
        references.match_by_hand(ARTIST, project_id, song_id, "apple-music:1440857781")


def test_apple_music_search_says_which_rights_are_known(env: list[Any], apple: FakeAppleMusic,
                                                        demo: list[demo_catalog.DemoSong]) -> None:
    assert external.sources() == ["local", "apple-music"]
    known = demo[2].recording
    found = external.search(external.APPLE, known.title)["items"]
    assert [(e["recording_id"], e["rights"], e["work_id"]) for e in found] == [
        ("apple-music:1440857781", "known", known.work.work_id)]
    assert found[0]["holders"] == {h: str(s) for h, s in sorted(known.shares().items())}
    (unknown,) = external.search(external.APPLE, UNKNOWN_ISRC)["items"]  # an ISRC is looked up as one
    assert (unknown["title"], unknown["rights"], unknown["holders"]) == ("Paper Lanterns", "needed", {})
    assert apple.requests[-1].query["filter[isrc]"] == UNKNOWN_ISRC
    assert apple.requests[-1].headers["authorization"].startswith("Bearer ey")  # the developer token


def test_matching_to_apple_music_needs_rights_until_an_admin_adds_them(
        env: list[Any], apple: FakeAppleMusic, demo: list[demo_catalog.DemoSong]) -> None:
    project_id, song_id = song_in_project()
    # rights known through the ISRC: matched, with the platform catalog's holders
    song = references.match_by_hand(ARTIST, project_id, song_id, "apple-music:1440857781")
    assert song["status"] == "matched" and song["match"]["work_id"] == demo[2].recording.work.work_id
    assert song["external"]["recording_id"] == "apple-music:1440857781" and song["match"]["by"] == "hand"
    # rights unknown: the song waits, the project is refused, the admins see the recording
    song = references.match_by_hand(ARTIST, project_id, song_id, "apple-music:1440857782")
    assert song["status"] == "needs_rights" and song["match"] is None
    assert "a royalty admin must add them" in song["error"]
    assert "rights holders are not in the catalog: Upload" in str(projects.refusal(ProjectStore().songs(
        ARTIST, project_id), expected=1))
    (waiting,) = external.pending()
    assert (waiting["recording_id"], waiting["isrc"], waiting["title"]) == (
        "apple-music:1440857782", UNKNOWN_ISRC, "Paper Lanterns")
    with pytest.raises(external.ExternalNotFound):
        references.match_by_hand(ARTIST, project_id, song_id, "apple-music:999")
    asked = len(apple.requests)
    with pytest.raises(external.ExternalNotFound):
        references.match_by_hand(ARTIST, project_id, song_id, "apple-music:../../search?term=x")
    assert len(apple.requests) == asked  # an id that is no number never reaches Apple

    # the royalty admin's form: refused input first, nothing written
    for holders, names, message in (({"holder:a": "1/2", "holder:b": "1/3"}, {}, "not exactly 1"),
                                    ({"holder:a": "1"}, {"holder:z": "Zed"}, "without a share"),
                                    ({"holder:a": "x"}, {}, "not an exact number")):
        with pytest.raises(ValueError, match=message):
            external.add_rights("admin-1", "apple-music:1440857782", holders, names)
    with pytest.raises(ValueError, match="holder_roles name holders without a share: holder:z"):
        external.add_rights("admin-1", "apple-music:1440857782", {"holder:a": "1"},
                            holder_roles={"holder:z": "composer"})
    with pytest.raises(ValueError, match="not a recording of a named catalog"):
        external.add_rights("admin-1", "demo-03", {"holder:a": "1"})
    assert external.pending() != []
    added = external.add_rights("admin-1", "apple-music:1440857782", {"holder:a": "3/5", "holder:b": "2/5"},
                                {"holder:a": "Ana Lantern"}, reason="  label contract 2026-114  ",
                                holder_roles={"holder:a": "composer", "holder:b": "publisher"})
    assert (added["title"], added["isrc"], added["holders"]) == (
        "Paper Lanterns", UNKNOWN_ISRC, {"holder:a": "3/5", "holder:b": "2/5"})  # title and ISRC: Apple's
    records = audit.records(tables.name(tables.AUDIT, None), added["audit_operation"])
    assert [(r["action"], r["actor"], r["recording_id"], r["reason"], r["roles"]) for r in records] == [
        ("put-recording", "admin:admin-1", "apple-music:1440857782", "label contract 2026-114",
         {"holder:a": "composer", "holder:b": "publisher"})]
    assert external.pending() == []
    song = references.match_by_hand(ARTIST, project_id, song_id, "apple-music:1440857782")
    assert song["status"] == "matched" and song["match"]["holders"] == {"holder:a": "3/5", "holder:b": "2/5"}
    assert external.search(external.APPLE, "lanterns")["items"][0]["rights"] == "known"


def test_identification_asks_acoustid_when_the_local_catalog_has_no_match(
        env: list[Any], monkeypatch: pytest.MonkeyPatch, clips: dict[str, Path], tmp_path: Path,
        demo: list[demo_catalog.DemoSong]) -> None:
    excerpt = references.decode_excerpt(str(clips["chirp"]), tmp_path / "chirp.wav", "chirp.wav")
    fp = fingerprint_file(excerpt, compressed=True)
    assert fp.compressed
    known_isrc = str(demo[3].recording.isrc)
    chirp = MbRecording(MBID, "Chirp Song", ("Gliders",), (UNKNOWN_ISRC,), 12_000)
    with FakeAcoustId() as acoustid, FakeMusicBrainz([chirp], strict_rate=False) as mb:
        for name, value in {**acoustid.env(), **mb.env()}.items():
            monkeypatch.setenv(name, value)
        acoustid.add(AcoustIdEntry(fp.compressed, fp.duration, MBID, "Chirp Song", ("Gliders",), 0.91))
        project = references.create_project(ARTIST, "AcoustID")
        references.add_songs(ARTIST, project["project_id"], [track(clips["chirp"]).track_id])
        (result,) = run_job(env)
        assert result["status"] == "needs_rights"  # found by AcoustID, rights unknown
        (song,) = ProjectStore().songs(ARTIST, project["project_id"])
        assert song.external is not None and song.external["recording_id"] == f"musicbrainz:{MBID}"
        assert song.external["isrc"] == UNKNOWN_ISRC and song.candidates[0]["confidence"] == 0.91
        assert acoustid.requests[-1].query["fingerprint"] == fp.compressed
        # the same recording known to the platform's catalog by its ISRC: matched by AcoustID
        mb.recordings[0] = MbRecording(MBID, "Chirp Song", ("Gliders",), (known_isrc,), 12_000)
        references.reidentify(ARTIST, project["project_id"], song.song_id)
        (result,) = run_job(env)
        assert result["status"] == "matched"
        (song,) = ProjectStore().songs(ARTIST, project["project_id"])
        assert song.match is not None and song.match["by"] == "acoustid"
        assert song.match["work_id"] == demo[3].recording.work.work_id


def test_the_weekly_refresh_rereads_named_catalog_metadata(env: list[Any], apple: FakeAppleMusic,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    external.add_rights("admin-1", "apple-music:1440857782", {"holder:a": "1"})
    nothing = {"checked": 1, "changed": [], "skipped_without_keys": 0, "failed": []}
    assert external.refresh_metadata() == nothing
    apple.songs[1] = AppleSong("1440857782", "Paper Lanterns (Remastered)", "Nobody Known", UNKNOWN_ISRC,
                               181_000)
    report = external.refresh_metadata()
    assert report["changed"] == [{"recording_id": "apple-music:1440857782", "changes": {
        "title": {"before": "Paper Lanterns", "after": "Paper Lanterns (Remastered)"},
        "duration_ms": {"before": 180_000, "after": 181_000}}}]
    updated = CatalogStore().get("apple-music:1440857782")
    assert updated is not None and updated.title == "Paper Lanterns (Remastered)"
    assert updated.shares() == {"holder:a": 1}  # the admin's rights holders stay
    del apple.songs[1]
    assert external.refresh_metadata()["failed"] == [
        {"recording_id": "apple-music:1440857782", "reason": "no longer in the apple-music catalog"}]
    monkeypatch.delenv("APPLE_MUSIC_KEY_ID")
    assert external.refresh_metadata()["skipped_without_keys"] == 1
