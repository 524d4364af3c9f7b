"""The studio service on moto: names with a library track, style edits, reference checks."""

from __future__ import annotations

import pytest
from soundmosaic.library.tracks import Track, TrackNotFound, TrackStore
from soundmosaic.studio import service, store
from soundmosaic.studio.briefs import BriefError
from soundmosaic.studio.dna import DnaStore

BRIEF = {"artist_name": "Nova Lux", "genre": "synthwave", "mood": "dreamy", "themes": ["night"]}


def _track(artist: str, track_id: str, title: str, bpm: float | None = None, key: str | None = None) -> None:
    TrackStore().put(Track(artist_id=artist, track_id=track_id, title=title, filename=f"{title}.wav",
                           media_key=f"artists/{artist}/tracks/{track_id}/original.wav", size_bytes=1,
                           facts={}, bpm=bpm, key=key))


def test_picking_a_name_for_a_track_feeds_its_analysis_and_renames_it(aws_env):
    _track("nova", "t1", "take 3 final", bpm=121.5, key="A minor")
    _track("nova", "t2", "Glass Harbour")
    reply = service.pick_name("nova", "Neon Rain", BRIEF, "rain and neon", "t1")
    assert reply == {"dna_version": 1, "name": "Neon Rain", "track_id": "t1", "flags": []}
    entry = DnaStore().get("nova")["names"][0]
    assert entry["brief"]["bpm"] == 121.5 and entry["brief"]["key"] == "A minor"
    assert entry["track_id"] == "t1" and entry["rationale"] == "rain and neon"
    assert TrackStore().get("nova", "t1").title == "Neon Rain"
    # Library titles and DNA names are the artist's; the track being named is not counted.
    assert set(service.used_names("nova")) == {"Neon Rain", "Glass Harbour"}
    assert "Neon Rain" in service.used_names("nova", except_track="t1")  # still in the DNA
    again = service.pick_name("nova", "glass harbour!", BRIEF, None, None)
    assert again["flags"] == ["used_by_artist"] and again["dna_version"] == 2
    with pytest.raises(TrackNotFound):
        service.pick_name("someone-else", "X", BRIEF, None, "t1")
    assert DnaStore().get("someone-else")["version"] == 0  # nothing written before the 404


def test_suggestions_exclude_the_named_tracks_own_title(aws_env):
    def suggest(track_id=None):
        reply = service.suggest_names("nova", "Nova Lux", "synthwave", "nostalgic", ["night"], track_id, 6,
                                      seed=3)
        return {c["name"]: c["flags"] for c in reply["candidates"]}

    name = next(iter(suggest()))
    _track("nova", "t1", name)
    assert "used_by_artist" not in suggest("t1")[name]  # the track being named keeps its title free
    assert "used_by_artist" in suggest()[name]


def test_style_is_normalised_and_bounded(aws_env):
    assert service.set_style("nova", ["#0AF", "#A0B1C2", "#0af"], [" Futura "], ["icy"], "cold\x00 light")
    style = DnaStore().get("nova")["style"]
    assert style == {"palette": ["#00aaff", "#a0b1c2"], "fonts": ["Futura"], "moods": ["icy"],
                     "notes": "cold light"}
    with pytest.raises(BriefError, match="hex"):
        service.set_style("nova", ["blue"], [], [], None)
    with pytest.raises(BriefError, match="at most 16"):
        service.set_style("nova", ["#000000"] * 17, [], [], None)


def test_reference_uploads_are_images_of_bounded_size_in_the_artists_prefix(aws_env):
    upload = service.reference_upload("nova", "../../etc/passwd.png", "image/png", 1000)
    assert upload["key"].startswith(store.references_prefix("nova"))
    assert upload["key"].endswith("/passwd.png") and upload["headers"] == {"Content-Type": "image/png"}
    with pytest.raises(BriefError, match="image/png"):
        service.reference_upload("nova", "a.svg", "image/svg+xml", 10)
    with pytest.raises(BriefError, match="MiB"):
        service.reference_upload("nova", "a.png", "image/png", 21 * 1024 * 1024)


def test_references_must_exist_and_belong_to_the_caller(aws_env):
    mine = f"{store.references_prefix('nova')}abc/x.png"
    with pytest.raises(store.StudioNotFound, match="upload it first"):
        service._check_references("nova", [mine])
    for foreign in (f"{store.references_prefix('other')}abc/x.png",
                    f"{store.references_prefix('nova')}../../other/dna/v000001.json",
                    "artists/nova/dna/v000001.json"):
        with pytest.raises(store.StudioNotFound):
            service._check_references("nova", [foreign])
    with pytest.raises(BriefError, match="at most 4"):
        service._check_references("nova", [mine] * 5)


def test_a_batch_needs_exactly_one_source(aws_env):
    with pytest.raises(BriefError, match="either"):
        service.start_batch("nova", None, None, None)
    with pytest.raises(BriefError, match="either"):
        service.start_batch("nova", [], "title\n", None)
