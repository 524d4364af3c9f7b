"""Measured influence of the ten songs on a take, and the rule the royalty split follows.

Hostile input tried: a take with too few notes to measure (a clear error), measured and
requested weights naming different works, requested weights that sum to zero.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pretty_midi
import pytest
from soundmosaic.generation import influence
from soundmosaic.generation.compose import ReferenceSong, build_request
from soundmosaic.providers.offline import music, music_catalog

from tests.unit.generation.music_songs import songs

Parts = list[list[tuple[float, float, int, int]]]


@pytest.fixture(scope="module", autouse=True)
def catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("music-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDMOSAIC_CACHE_DIR", str(folder))
        yield folder


def measured(take_parts: Parts, ten: list[ReferenceSong],
             tempo: float = 96.0, key: str | None = "E major") -> dict[str, float]:
    refs = [influence.Song(s.work_id, [list(p) for p in s.notes], s.tempo_bpm, s.key) for s in ten]  # type: ignore[arg-type]
    found = influence.measure(take_parts, tempo, key, refs)
    assert sum(found["measured"].values()) == pytest.approx(1.0)
    return found["measured"]


def offline_take(ten: list[ReferenceSong], seed: int) -> tuple[Parts, float, str]:
    """The offline engine's MIDI for the songs at their weights (rendering is not needed here)."""
    request = build_request(ten, seconds=30.0, seed=seed)
    catalog = music_catalog.load()
    weights = music.influence(request, [w.work_id for w in catalog])
    pieces = [music.piece(r.work_id, float(weights[r.work_id]), r.parts, r.tempo_bpm, r.key, True)
              for r in request.references]
    pieces += [music.piece(w.work_id, float(weights[w.work_id]), w.parts, music_catalog.CATALOG_TEMPO, w.key,
                           False) for w in catalog]
    model = music.train(pieces)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(music.compose(model, 30.0, seed)))
    parts = [[(n.start, n.end, n.pitch, n.velocity) for n in i.notes]
             for i in midi.instruments if not i.is_drum]
    return parts, model.tempo_bpm, music.key_name(model.tonic, model.mode)


def test_a_take_that_quotes_one_song_is_measured_as_that_song() -> None:
    ten = songs(light=("E major", 96.0))
    for quoted in (0, 6):
        found = measured([list(p) for p in ten[quoted].notes], ten)  # type: ignore[arg-type]
        assert max(found, key=found.__getitem__) == ten[quoted].work_id
        assert found[ten[quoted].work_id] > 0.4  # four times its equal share (the chords are all alike)


def test_a_take_in_another_key_still_matches_its_source() -> None:
    ten = songs(light=("E major", 96.0))
    up: Parts = [[(float(n[0]), float(n[1]), int(n[2]) + 5, int(n[3]))  # type: ignore[index, call-overload]
                  for n in part] for part in ten[3].notes]
    found = measured(up, ten, key="A major")  # the same tune a fourth up
    assert max(found, key=found.__getitem__) == ten[3].work_id


def test_measured_influence_follows_skewed_weights_on_the_offline_engine() -> None:
    """Three songs at 6 each (72 % of the songs' part) against equal weights, the same seeds."""
    equal = songs(light=("E major", 96.0), heavy_weight=1)
    skewed = songs(light=("E major", 96.0), heavy_weight=6)
    heavy = [s.work_id for s in skewed[:3]]
    share_equal = share_skewed = 0.0
    for seed in range(3):
        share_equal += sum(measured(*_args(offline_take(equal, seed), equal))[w] for w in heavy) / 3
        share_skewed += sum(measured(*_args(offline_take(skewed, seed), skewed))[w] for w in heavy) / 3
    assert share_skewed > share_equal + 0.1
    assert share_equal < 0.45  # equal weights: the three are measured near their 30 %


def _args(take: tuple[Parts, float, str],
          ten: list[ReferenceSong]) -> tuple[Parts, list[ReferenceSong], float, str]:
    parts, tempo, key = take
    return parts, ten, tempo, key


def test_too_few_notes_is_a_clear_error() -> None:
    ten = songs()
    with pytest.raises(ValueError, match="too few notes"):
        measured([[(0.0, 0.5, 60, 90)]], ten)


def test_the_split_rule_flags_a_take_beyond_the_tolerance() -> None:
    requested = {f"work:{i}": Fraction(1) for i in range(1, 11)}
    near = {w: 0.1 for w in requested}
    verdict = influence.review(requested, near)
    assert verdict["verdict"] == influence.WITHIN and verdict["distance"] == "0.0000"
    assert verdict["split_uses"] == "requested weights"
    assert verdict["requested"]["work:1"] == "0.1000"
    # all the measured influence on one song: half the sum of |differences| = (0.9 + 9 * 0.1) / 2
    far = {w: (1.0 if w == "work:1" else 0.0) for w in requested}
    verdict = influence.review(requested, far)
    assert verdict["verdict"] == influence.REVIEW and verdict["distance"] == "0.9000"
    assert "royalty admin" in verdict["split_uses"]
    # exactly at the tolerance is still within it; a hair beyond is flagged
    at = {**near, "work:1": 0.1 + 0.3, "work:2": 0.0, "work:3": 0.0, "work:4": 0.0}
    assert influence.review(requested, at)["verdict"] == influence.WITHIN
    beyond = {**at, "work:1": 0.41, "work:5": 0.09}
    assert influence.review(requested, beyond)["verdict"] == influence.REVIEW
    assert influence.review(requested, beyond, tolerance=Fraction(1, 2))["verdict"] == influence.WITHIN


def test_the_rule_refuses_mismatched_or_empty_weights() -> None:
    requested = {"work:1": Fraction(1), "work:2": Fraction(1)}
    with pytest.raises(ValueError, match="different works"):
        influence.review(requested, {"work:1": 1.0})
    with pytest.raises(ValueError, match="sum to zero"):
        influence.review({"work:1": Fraction(0), "work:2": Fraction(0)}, {"work:1": 0.5, "work:2": 0.5})


def test_songs_weighted_zero_still_get_measured() -> None:
    ten = songs(light=("E major", 96.0))
    ten[9] = replace(ten[9], weight=0)
    found = measured([list(p) for p in ten[9].notes], ten)  # type: ignore[arg-type]
    assert max(found, key=found.__getitem__) == "work:10"  # copying an unpaid song shows


def test_a_take_that_cannot_be_measured_waits_for_review() -> None:
    check = influence.unmeasured({"work:1": Fraction(3), "work:2": Fraction(1)}, "too few notes")
    assert check["verdict"] == influence.UNMEASURED and check["distance"] is None
    assert check["requested"] == {"work:1": "0.7500", "work:2": "0.2500"}
    assert check["reason"] == "too few notes"
    assert "royalty admin" in check["split_uses"]
