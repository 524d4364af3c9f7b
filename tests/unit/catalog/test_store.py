"""The catalog table on moto: the demo catalog, search by words, prefixes and ISRC, replacing records."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from soundmosaic.catalog.store import CatalogStore, Recording, normalise
from soundmosaic.royalties import tables
from soundmosaic.royalties.provenance import ProvenanceError, Work, isrc
from soundmosaic_local.fixtures import demo_catalog


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[demo_catalog.DemoSong]:
    return demo_catalog.songs(tmp_path_factory.getbasetemp() / "demo-catalog")


@pytest.fixture
def catalog(aws_env: None, monkeypatch: pytest.MonkeyPatch,
            demo: list[demo_catalog.DemoSong]) -> Iterator[CatalogStore]:
    monkeypatch.setenv("CATALOG_TABLE", "unit-catalog")
    tables.create("unit-catalog")
    store = CatalogStore()
    for song in demo:
        store.put(song.recording)
    yield store


def test_the_demo_catalog_is_complete_and_deterministic(demo: list[demo_catalog.DemoSong],
                                                        tmp_path: Path) -> None:
    assert 12 <= len(demo) <= 20
    assert len({s.recording.title for s in demo}) == len(demo)
    for song in demo:
        rec = song.recording
        assert rec.isrc and isrc(rec.isrc) == rec.isrc and rec.isrc.startswith("ZZSMD26")
        assert sum(rec.shares().values()) == 1 and 2 <= len(rec.shares()) <= 3
        assert set(rec.holder_names) == set(rec.work.holders) and rec.artists[0]
        assert song.audio.is_file() and 19_500 <= rec.duration_ms <= 20_500
    again = demo_catalog.songs(tmp_path / "again", count=3)  # rendered afresh from the same seed
    assert [s.recording for s in again] == [s.recording for s in demo[:3]]
    assert [s.recording.fingerprint.to_bytes() for s in again if s.recording.fingerprint] == \
        [s.recording.fingerprint.to_bytes() for s in demo[:3] if s.recording.fingerprint]


def test_records_read_back_with_work_and_shares(catalog: CatalogStore,
                                                demo: list[demo_catalog.DemoSong]) -> None:
    for song in demo[:4]:
        back = catalog.get(song.recording.recording_id)
        assert back == song.recording and back.work.holders == song.recording.work.holders
    assert catalog.get("nope") is None
    prints = dict(catalog.fingerprints())
    assert len(prints) == len(demo)
    assert prints["demo-01"].to_bytes() == demo[0].recording.fingerprint.to_bytes()  # type: ignore[union-attr]


def test_search_by_partial_title_artist_and_isrc(catalog: CatalogStore,
                                                 demo: list[demo_catalog.DemoSong]) -> None:
    target = demo[6].recording
    first, second = target.title.split()
    assert [r.recording_id for r in catalog.search(second[:4].lower())][:1] == [target.recording_id]
    assert target.recording_id in [r.recording_id for r in catalog.search(f"{first[:3]} {second[:3]}")]
    hyphenated = f"{target.isrc[:2]}-{target.isrc[2:5]}-{target.isrc[5:7]}-{target.isrc[7:]}".lower()  # type: ignore[index]
    assert [r.recording_id for r in catalog.search(hyphenated)] == [target.recording_id]
    assert [r.recording_id for r in catalog.by_isrc(target.isrc or "")] == [target.recording_id]
    artist_word = target.artists[0].split()[-1]
    word = artist_word.lower()
    assert all(word in normalise(" ".join(r.artists)) or word in normalise(r.title)
               for r in catalog.search(artist_word))
    assert target.recording_id in [r.recording_id for r in catalog.search(artist_word.upper())]


def test_search_is_and_accent_and_case_blind(catalog: CatalogStore,
                                             demo: list[demo_catalog.DemoSong]) -> None:
    a, b = demo[0].recording.title.split(), demo[1].recording.title.split()
    assert catalog.search(f"{a[0]} {b[1]}") == []  # words of two different titles: no song has both
    accented = a[0].replace("a", "á").replace("e", "é").upper()
    assert demo[0].recording.recording_id in [r.recording_id for r in catalog.search(accented)]
    assert catalog.search("zzzz") == [] and catalog.search(" - ") == []
    assert catalog.search("XX-ZZZ-00-00000") == []


def test_put_replaces_a_record_and_its_search_entries(catalog: CatalogStore,
                                                      demo: list[demo_catalog.DemoSong]) -> None:
    old = demo[2].recording
    renamed = Recording(old.recording_id, "Brand New Name", ("Someone Else",), "ZZSMD2699999",
                        old.duration_ms,
                        Work(old.work.work_id, {"holder:one": Fraction(1, 3), "holder:two": Fraction(2, 3)}),
                        "Brand New Name", {"holder:one": "One", "holder:two": "Two"})
    catalog.put(renamed)
    assert catalog.get(old.recording_id) == renamed
    assert old.recording_id not in [r.recording_id for r in catalog.search(old.title)]
    assert catalog.by_isrc(old.isrc or "") == [] and catalog.search("brand new")[0] == renamed


def test_bad_records_are_refused() -> None:
    work = Work("work:x", {"holder:a": "1/2", "holder:b": "1/2"})
    with pytest.raises(ProvenanceError, match="not an ISRC"):
        Recording("r1", "Title", ("A",), "US-123", 1000, work)
    with pytest.raises(ProvenanceError, match="no title"):
        Recording("r1", "  ", ("A",), None, 1000, work)
    with pytest.raises(ProvenanceError, match="sum to"):
        Recording("r1", "T", ("A",), None, 1000, Work("work:y", {"holder:a": "1/2", "holder:b": "1/3"}))
