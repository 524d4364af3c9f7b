"""Chromaprint fingerprints of rendered songs and the offline matcher (real fpcalc, ffmpeg, FluidSynth)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from soundmosaic.catalog.fingerprint import (
    MATCHED,
    MIN_OVERLAP,
    Fingerprint,
    FingerprintError,
    FingerprintIndex,
    bit_error_rate,
    confidence,
    fingerprint_file,
    verdict,
)
from soundmosaic_local.fixtures import demo_catalog

from tests import songs as test_songs


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[demo_catalog.DemoSong]:
    return demo_catalog.songs(tmp_path_factory.getbasetemp() / "demo-catalog")


@pytest.fixture(scope="module")
def index(demo: list[demo_catalog.DemoSong]) -> FingerprintIndex:
    built = FingerprintIndex()
    for song in demo:
        assert song.recording.fingerprint is not None
        built.add(song.recording.recording_id, song.recording.fingerprint.values)
    return built.build()


def degrade(source: Path, target: Path, trim_s: float = 3.0, noise: float = 0.03,
            seconds: float | None = None) -> Path:
    """MP3 at 128 kbit/s, the first ``trim_s`` seconds cut, white noise mixed in."""
    length = ["-t", f"{seconds:g}"] if seconds else []
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{trim_s:g}", *length, "-i", str(source),
                    "-filter_complex", f"anoisesrc=color=white:amplitude={noise:g}:seed=7[n];"
                    "[0:a][n]amix=inputs=2:duration=first:normalize=0", "-b:a", "128k", str(target)],
                   check=True)
    return target


@pytest.mark.parametrize("which", [0, 5, 11])
def test_an_mp3_trimmed_and_noisy_copy_matches_itself(demo: list[demo_catalog.DemoSong],
                                                      index: FingerprintIndex, tmp_path: Path,
                                                      which: int) -> None:
    song = demo[which]
    query = fingerprint_file(degrade(song.audio, tmp_path / "copy.mp3"))
    best, *others = index.match(query)
    assert best.recording_id == song.recording.recording_id
    assert best.verdict == "matched" and best.confidence >= 0.8 and best.ber < 0.1
    assert abs(best.offset_s - 3.0) < 0.3  # found where the trimmed copy starts
    assert all(o.verdict == "unmatched" for o in others)


def test_a_short_excerpt_from_the_middle_matches(demo: list[demo_catalog.DemoSong], index: FingerprintIndex,
                                                 tmp_path: Path) -> None:
    song = demo[3]
    match = index.best(fingerprint_file(degrade(song.audio, tmp_path / "mid.mp3", trim_s=8, seconds=8)))
    assert match is not None and match.recording_id == song.recording.recording_id
    assert match.verdict == "matched" and abs(match.offset_s - 8) < 0.3


def test_a_song_not_in_the_catalog_is_unmatched(index: FingerprintIndex, tmp_path: Path) -> None:
    stranger = demo_catalog.songs(tmp_path / "other", count=2, seed=77)  # same generator, other songs
    band = test_songs.song(tmp_path / "band")  # the audio lab's test song with a spoken vocal
    for path in [s.audio for s in stranger] + [band]:
        matches = index.match(fingerprint_file(path))
        assert all(m.verdict == "unmatched" for m in matches), (path, matches)


def test_every_demo_song_differs_from_every_other(demo: list[demo_catalog.DemoSong]) -> None:
    prints = [s.recording.fingerprint.values for s in demo if s.recording.fingerprint is not None]
    for i, a in enumerate(prints):
        for b in prints[i + 1:]:
            ber = min(bit_error_rate(a, b, o)[0] for o in range(-40, 41, 2))
            assert verdict(confidence(ber), MIN_OVERLAP) == "unmatched"


def test_files_fpcalc_cannot_read_are_clear_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n")
    with pytest.raises(FingerprintError, match=r"notes\.wav: fpcalc cannot read it"):
        fingerprint_file(text)
    with pytest.raises(FingerprintError, match="no such file"):
        fingerprint_file(tmp_path / "missing.mp3")
    empty = tmp_path / "empty.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "0.5",
                    str(empty)], check=True)
    with pytest.raises(FingerprintError, match=r"empty\.wav"):
        fingerprint_file(empty)


def test_fingerprints_round_trip_as_bytes_and_keep_the_length_limit(
        demo: list[demo_catalog.DemoSong]) -> None:
    fp = demo[0].recording.fingerprint
    assert fp is not None and 19.5 < fp.duration < 20.5 and len(fp.values) > 100
    again = Fingerprint.from_bytes(fp.to_bytes(), fp.duration)
    assert np.array_equal(again.values, fp.values) and again.values.dtype == np.uint32
    short = fingerprint_file(demo[0].audio, max_seconds=5)
    assert len(short.values) < len(fp.values) / 2


def test_confidence_and_verdict_thresholds() -> None:
    assert confidence(0.0) == 1.0 and confidence(0.5) == 0.0
    assert verdict(MATCHED, MIN_OVERLAP) == "matched"
    assert verdict(MATCHED, MIN_OVERLAP - 1) == "doubtful"  # good bits, too little overlap
    assert verdict(0.4, 500) == "doubtful" and verdict(0.2, 500) == "unmatched"


def test_a_few_agreeing_frames_are_not_a_match(demo: list[demo_catalog.DemoSong],
                                               index: FingerprintIndex) -> None:
    fp = demo[2].recording.fingerprint
    assert fp is not None
    tiny = index.best(fp.values[:6])  # six frames (0.7 s), bit-exact
    assert tiny is not None and tiny.ber == 0.0
    assert tiny.verdict == "doubtful"  # exact, but too short to be sure
    noisy = np.concatenate([fp.values[:6], np.random.default_rng(1).integers(0, 2**32, 200, dtype=np.uint32)])
    found = index.best(noisy)
    assert found is None or found.verdict == "unmatched"
