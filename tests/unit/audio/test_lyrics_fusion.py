"""Lyrics from the vocals stem and the mix (``soundmosaic.audio.lyrics.fusion``), with the offline
Whisper base on espeak-ng speech: the more confident hypothesis per voiced passage, word times
inside the passage, no text where the stem has no voice, loops cut.

Hostile inputs tried: a stem damaged by drop-outs (40 % of 80-ms frames silenced, as a bad mask
does), a mix whose voice the stem does not have (speech only in the mix: must give no text),
a stem and mix of different lengths, a phrase looped ten times.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from soundmosaic.audio import lyrics
from soundmosaic.audio.lyrics import fusion
from soundmosaic.audio.signal import Audio, read_wav
from soundmosaic_local.evaluation.wer import normalise_words, word_error_rate

SENTENCE = "The river was shining in the morning light while we walked along the quiet shore"
RATE = 16000
LEAD_S = 1.0

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@pytest.fixture(scope="module", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The offline model in a module cache dir (assembled once from the wheels)."""
    folder = tmp_path_factory.mktemp("cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("SOUNDMOSAIC_CACHE_DIR", str(folder))
    patch.delenv("SOUNDMOSAIC_WHISPER_MODEL", raising=False)
    yield folder
    patch.undo()


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """The sentence at 16 kHz mono, after a second of silence and followed by one."""
    path = tmp_path_factory.mktemp("voice") / "voice.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), SENTENCE], check=True, capture_output=True,
                   timeout=60)
    audio = read_wav(path)
    import soxr

    mono = np.asarray(soxr.resample(audio.samples[0], audio.sample_rate, RATE), dtype=np.float32)
    silence = np.zeros(int(LEAD_S * RATE), dtype=np.float32)
    return np.concatenate([silence, 0.5 * mono / np.abs(mono).max(), silence])


def _pad(n: int, level: float = 0.05) -> np.ndarray:
    """A soft sustained chord (what a keyboard pad leaves under a voice)."""
    t = np.arange(n) / RATE
    return (level * sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))).astype(np.float32)


def _audio(x: np.ndarray) -> Audio:
    return Audio(x[None].astype(np.float32), RATE)


@needs_espeak
def test_fusion_takes_the_stem_where_the_mix_buries_the_voice(voice: np.ndarray) -> None:
    noise = np.random.default_rng(2).standard_normal(voice.size).astype(np.float32)
    mix = voice + noise * 3.0 * float(np.sqrt(np.mean(voice ** 2)))  # about -10 dB voice to noise
    buried = lyrics.transcribe(_audio(mix))
    result = lyrics.transcribe(_audio(voice), mix=_audio(mix))
    assert "stem" in {s.source for s in result.segments}
    assert word_error_rate(SENTENCE, result.text) <= 0.15, result.text
    assert word_error_rate(SENTENCE, result.text) < word_error_rate(SENTENCE, buried.text)
    assert result.language == "en"
    words = [w for s in result.segments for w in s.words]
    assert words and words[0].start_s >= LEAD_S - 0.3
    assert words[-1].end_s <= voice.size / RATE - LEAD_S + 0.5
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)


@needs_espeak
def test_fusion_takes_the_mix_where_the_stem_is_damaged(voice: np.ndarray) -> None:
    rng = np.random.default_rng(3)
    frame = int(0.08 * RATE)
    gate = np.repeat(rng.random(voice.size // frame + 1) > 0.4, frame)[: voice.size]
    damaged = voice * gate
    mix = voice + _pad(voice.size)
    alone = lyrics.transcribe(_audio(damaged))
    fused = lyrics.transcribe(_audio(damaged), mix=_audio(mix), language="en")
    assert {s.source for s in fused.segments} == {"mix"}
    assert word_error_rate(SENTENCE, fused.text) < word_error_rate(SENTENCE, alone.text)
    assert word_error_rate(SENTENCE, fused.text) <= 0.15, fused.text
    words = [w for s in fused.segments for w in s.words]
    # timed on the stem: inside the voiced second(s), in order
    assert words[0].start_s >= LEAD_S - 0.5 and words[-1].end_s <= voice.size / RATE - LEAD_S + 0.5
    assert all(a.start_s <= b.start_s for a, b in itertools.pairwise(words))


@needs_espeak
def test_no_text_where_the_stem_has_no_voice(voice: np.ndarray) -> None:
    silent_stem = np.zeros(voice.size + RATE, dtype=np.float32) + 1e-5 * np.float32(
        np.random.default_rng(1).standard_normal(voice.size + RATE))
    mix = np.concatenate([voice, np.zeros(RATE, dtype=np.float32)])  # the words are only in the mix
    result = lyrics.transcribe(_audio(silent_stem), mix=_audio(mix))
    assert result.segments == [] and result.text == ""


def test_better_hypothesis_keeps_the_mix_unless_the_stem_is_clearly_surer() -> None:
    def said(text: str, p: float, no_speech: float = 0.1, ratio: float = 1.2) -> fusion.Line:
        words = [fusion.Heard(w, i * 0.3, i * 0.3 + 0.2, p) for i, w in enumerate(text.split())]
        return fusion.Line(text, 0.0, len(words) * 0.3, words, no_speech, ratio)

    mix = fusion.Hypothesis("mix", [said("the radio was playing", 0.8)])
    raven = fusion.Hypothesis("stem", [said("the raven or what", 0.82)])
    assert fusion.better(raven, mix) is mix  # more confident, but within the margin
    stem = fusion.Hypothesis("stem", [said("the radio was playing", 0.95)])
    assert fusion.better(stem, mix) is stem
    assert fusion.better(stem, fusion.Hypothesis("mix")) is stem  # nothing heard in the mix
    assert fusion.better(fusion.Hypothesis("stem"), mix) is mix
    # Whisper's own doubts count against a hypothesis: "probably no speech", a loop
    assert fusion.better(stem, fusion.Hypothesis("mix", [said("the radio", 0.99, no_speech=0.9)])) is stem
    assert fusion.better(stem, fusion.Hypothesis("mix", [said("la la la la", 0.99, ratio=3.0)])) is stem


def test_passages_pair_the_lines_that_overlap() -> None:
    def line(start: float, end: float) -> fusion.Line:
        return fusion.Line(f"{start}", start, end, [])

    stem = [line(0.0, 2.0), line(5.0, 7.0), line(7.5, 9.0)]
    mix = [line(0.2, 2.5), line(5.5, 9.2), line(12.0, 13.0)]
    found = [([x.start for x in s.lines], [x.start for x in m.lines]) for s, m in fusion.passages(stem, mix)]
    assert found == [([0.0], [0.2]), ([5.0, 7.5], [5.5]), ([], [12.0])]


def test_loops_are_cut_and_real_repeats_kept() -> None:
    loop = "oh baby " * 10 + "come home"
    assert " ".join(fusion.collapse_loops(loop.split())) == "oh baby oh baby oh baby come home"
    chorus = ["go", "go", "go", "now"]  # three times is a lyric, not a loop
    assert fusion.collapse_loops(chorus) == chorus
    assert normalise_words(" ".join(fusion.collapse_loops(["Yeah,", "yeah", "yeah.", "yeah", "YEAH!"]))) == [
        "yeah", "yeah", "yeah"]


@needs_espeak
def test_the_lyrics_stage_hears_the_mix_too(aws_env, tmp_path, voice: np.ndarray) -> None:
    """The stage reads ``stems/vocals.wav`` and the decoded mix ``work/audio.wav`` (moto S3)."""
    from soundmosaic.audio import pipeline
    from soundmosaic.audio.signal import write_wav
    from soundmosaic.library.tracks import Track, TrackStore

    TrackStore().put(Track(artist_id="artist-a", track_id="t1", title="River", filename="river.wav",
                           media_key="artists/artist-a/tracks/t1/original.wav", size_bytes=1, facts={}))
    files = pipeline.TrackFiles("artist-a", "t1", tmp_path)
    event = {"artist_id": "artist-a", "track_id": "t1", "job_id": "j", "stem": "vocals", "stages": ["lyrics"]}
    files.put("stems/vocals.wav", write_wav(tmp_path / "v.wav", _audio(voice)), "audio/wav")
    with pytest.raises(pipeline.StageInputMissing, match="decode"):  # no mix yet: says what to run
        pipeline.run("lyrics", event)
    mix = write_wav(tmp_path / "m.wav", _audio(voice + _pad(voice.size)))
    files.put("work/audio.wav", mix, "audio/wav")
    summary = pipeline.run("lyrics", event)
    assert summary["language"] == "en" and summary["segments"] >= 1
    stored = files.get_json("lyrics/lyrics.json", "lyrics")
    assert {s["source"] for s in stored["segments"]} <= {"stem", "mix"}
    assert word_error_rate(SENTENCE, " ".join(s["text"] for s in stored["segments"])) <= 0.15
