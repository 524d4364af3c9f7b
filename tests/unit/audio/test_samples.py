"""Sample slicing and classification (soundmosaic.audio.samples).

Drum loops are assembled from hits rendered with FluidSynth and the TimGM6mb soundfont (a
sound set the classifier never saw in training) when they are installed, else from numpy
synthesis with held-out parameters. Nothing here measures time.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from soundmosaic.audio.samples import (
    CLASSES,
    MODEL_VERSION,
    SliceSettings,
    classify,
    detect_onsets,
    loudness,
    model,
    slice_audio,
)
from soundmosaic.audio.signal import Audio
from soundmosaic_local.training import render, synth

SR = 22050
STEP_S = 0.25  # eighth notes at 120 bpm
PATTERN = ["kick", "closed_hat", "snare", "closed_hat", "kick", "kick", "snare", "closed_hat"]


@pytest.fixture(scope="module")
def hits() -> dict[str, np.ndarray]:
    """One hit per sound, mono at 22.05 kHz."""
    notes = {"kick": 36, "snare": 38, "closed_hat": 42}
    if render.available("timgm6mb"):
        events = [render.NoteEvent(k, 0, True, (n,), 110, 0.1, 0.6) for k, n in notes.items()]
        clips = render.render("timgm6mb", events)
        if all(c.size for c in clips):
            return {k: c / np.max(np.abs(c)) * 0.8 for k, c in zip(notes, clips, strict=True)}
    rng = np.random.default_rng(3)
    return {k: synth.generate(k, rng, "heldout")[: int(0.6 * SR)] for k in notes}


def _loop(hits: dict[str, np.ndarray], bars: int = 2, rate: int = SR,
          gains: np.ndarray | None = None) -> tuple[Audio, list[tuple[float, str]]]:
    events = [(i * STEP_S, label) for i, label in enumerate(PATTERN * bars)]
    out = np.zeros(int((len(events) * STEP_S + 0.5) * SR), dtype=np.float32)
    for k, (t, label) in enumerate(events):
        x = hits[label][: int(STEP_S * SR)] * (1.0 if gains is None else gains[k])
        a = round(t * SR)
        out[a:a + x.size] += x
    mono = out if rate == SR else np.asarray(synth_resample(out, rate), dtype=np.float32)
    return Audio(mono[None, :], rate), events


def synth_resample(x: np.ndarray, rate: int) -> np.ndarray:
    from soundmosaic.audio.samples.features import resample

    return resample(x, SR, rate)


def test_onsets_of_a_rendered_drum_loop(hits):
    audio, events = _loop(hits)
    onsets = detect_onsets(audio)
    assert len(onsets) == len(events)
    errors = np.abs(onsets - np.array([t for t, _ in events]))
    assert errors.max() < 0.015, errors


def test_slices_are_trimmed_faded_and_normalised(hits):
    settings = SliceSettings(dedupe_threshold=2.0)  # keep every hit
    audio, events = _loop(hits, rate=44100)
    samples = slice_audio(audio, "drums", settings)
    assert len(samples) == len(events)
    for s, (t, _) in zip(samples, events, strict=True):
        x = s.audio.samples
        assert s.audio.sample_rate == 44100 and s.audio.channels == 1
        assert abs(s.start_s - t) < 0.015
        assert s.end_s <= t + STEP_S + 0.005 and s.end_s > s.start_s + settings.min_length_s - 1e-6
        assert abs(x[0, 0]) < 1e-4 and abs(x[0, -1]) < 1e-4  # faded in and out
        level = loudness.momentary_loudness(x, 44100)
        peak = loudness.peak_db(x)
        at_target = abs(level - settings.target_lufs) < 0.5 and peak <= settings.peak_ceiling_db + 0.01
        at_ceiling = abs(peak - settings.peak_ceiling_db) < 0.05 and level < settings.target_lufs + 0.5
        assert at_target or at_ceiling, (level, peak)
        assert s.fingerprint and math.isfinite(s.peak_db)


def test_silent_tail_is_trimmed(hits):
    x = np.zeros(int(1.5 * SR), dtype=np.float32)
    hit = hits["snare"]
    x[int(0.2 * SR): int(0.2 * SR) + hit.size] = hit
    (sample,) = slice_audio(Audio(x[None, :], SR), "drums")
    above = np.flatnonzero(np.abs(hit) > np.max(np.abs(hit)) * 10 ** (-40 / 20))
    assert abs(sample.start_s - 0.2) < 0.01
    assert sample.end_s - sample.start_s < above[-1] / SR + 0.02  # not the 1.3 s of silence after it
    assert sample.end_s - sample.start_s > above[-1] / SR - 0.02


def test_near_identical_hits_are_folded_together(hits):
    gains = np.random.default_rng(0).uniform(0.4, 1.0, len(PATTERN) * 2)
    audio, events = _loop(hits, gains=gains)
    samples = slice_audio(audio, "drums")
    assert len(samples) == 3  # one kick, one snare, one closed hat
    assert sum(1 + len(s.duplicate_starts_s) for s in samples) == len(events)
    assert len({s.fingerprint for s in samples}) == 3


def test_classifies_fresh_heldout_hits():
    rng = np.random.default_rng(2024)
    labels = ["kick", "snare", "clap", "closed_hat", "open_hat", "cymbal", "tom", "vocal", "bass", "tonal",
              "fx"]
    truth, audios = [], []
    for label in labels:
        for _ in range(3):
            truth.append(label)
            audios.append(Audio(synth.generate(label, rng, "heldout")[None, :], SR))
    if render.available("timgm6mb"):
        events = [render.NoteEvent("kick", 0, True, (36,), 100, 0.1, 1.0),
                  render.NoteEvent("snare", 16, True, (38,), 100, 0.1, 1.0),
                  render.NoteEvent("closed_hat", 24, True, (42,), 100, 0.1, 1.0),
                  render.NoteEvent("cymbal", 0, True, (49,), 100, 0.1, 1.5),
                  render.NoteEvent("bass", 33, False, (40,), 100, 0.6, 1.0),
                  render.NoteEvent("tonal", 0, False, (60, 64, 67), 100, 0.6, 1.0),
                  render.NoteEvent("vocal", 52, False, (62,), 100, 0.8, 1.2)]
        for ev, clip in zip(events, render.render("timgm6mb", events), strict=True):
            truth.append(ev.label)
            audios.append(Audio(clip[None, :], SR))
    predicted = classify(audios)
    assert all(label in CLASSES and 0 < conf <= 1 for label, conf in predicted)
    accuracy = np.mean([p == t for (p, _), t in zip(predicted, truth, strict=True)])
    assert accuracy >= 0.7, list(zip(truth, [p for p, _ in predicted], strict=True))


def test_silence_and_very_short_input_give_no_samples():
    assert slice_audio(Audio(np.zeros((1, SR * 2), np.float32), SR), "drums") == []
    assert slice_audio(Audio(np.full((2, SR), 1e-5, np.float32), SR), "drums") == []  # -100 dBFS hum
    assert slice_audio(Audio(np.zeros((1, 0), np.float32), SR), "drums") == []
    short = np.sin(np.arange(200) / 5).astype(np.float32)[None, :]  # 9 ms
    assert slice_audio(Audio(short, SR), "drums") == []
    assert classify([]) == []


def test_short_hit_is_one_sample(hits):
    x = hits["kick"][: int(0.08 * SR)].copy()
    samples = slice_audio(Audio(x[None, :], SR), "drums")
    assert len(samples) == 1 and samples[0].start_s < 0.01


@pytest.mark.parametrize("channels", [1, 2])
def test_mono_and_stereo_keep_their_layout(hits, channels):
    audio, events = _loop(hits, bars=1, rate=48000)
    if channels == 2:
        audio = Audio(np.stack([audio.samples[0], 0.5 * audio.samples[0]]), 48000)
    samples = slice_audio(audio, "drums", SliceSettings(dedupe_threshold=2.0))
    assert len(samples) == len(events)
    assert all(s.audio.channels == channels and s.audio.sample_rate == 48000 for s in samples)
    assert all(s.audio.samples.dtype == np.float32 for s in samples)
    assert {s.label for s in samples} <= set(CLASSES)


def test_stem_prior_tilts_but_does_not_force():
    rng = np.random.default_rng(5)
    vocal = Audio(synth.generate("vocal", rng, "train")[None, :], SR)
    kick = Audio(synth.generate("kick", rng, "train")[None, :], SR)
    assert classify([kick], stem="drums")[0][0] == "kick"
    assert classify([vocal], stem="vocals")[0][0] == "vocal"
    plain = classify([kick])[0]
    tilted = classify([kick], stem="vocals")[0]
    assert tilted[0] == plain[0] or tilted[1] < plain[1]


def test_shipped_model_is_small_and_pickle_free():
    assert model.MODEL_PATH.stat().st_size < 2 * 1024 * 1024
    with np.load(model.MODEL_PATH, allow_pickle=False) as data:
        assert str(data["model_version"]) == MODEL_VERSION
        assert tuple(str(c) for c in data["classes"]) == CLASSES
    assert model.shipped() is model.shipped()  # loaded once per process


def test_windows_over_chunks_cut_what_one_pass_cuts(hits):
    """A long stem streamed in short chunks (the samples stage) gives the slices of one pass:
    hits across chunk boundaries are cut once, whole, at the same source times."""
    from soundmosaic.audio.samples import slice_windows

    audio, _ = _loop(hits, bars=4)
    settings = SliceSettings(dedupe_threshold=2.0, max_length_s=0.5)
    peak = loudness.peak_db(audio.samples)
    whole = list(slice_windows([audio], settings, peak))
    step = int(0.9 * SR)  # boundaries fall inside hits
    chunks = [Audio(audio.samples[:, a:a + step], SR) for a in range(0, audio.frames, step)]
    streamed = list(slice_windows(chunks, settings, peak))
    assert len(whole) == len(streamed) == len(PATTERN) * 4
    # a window's analysis frames start elsewhere than the whole file's: onsets agree to 2 ms
    starts = np.array([s.start_s for s, _ in streamed]) - np.array([s.start_s for s, _ in whole])
    assert np.abs(starts).max() <= 0.002
    assert min(float(a @ b) for (_, a), (_, b) in zip(streamed, whole, strict=True)) > 0.95


def test_stream_folder_keeps_the_longest_take_of_each_sound_and_only_their_fingerprints():
    from soundmosaic.audio.samples import StreamFolder

    rng = np.random.default_rng(4)
    a, b, c = (v / np.linalg.norm(v) for v in rng.standard_normal((3, 64)).astype(np.float32))
    folder = StreamFolder(threshold=0.99, limit=2)
    assert folder.offer(a, 0.2) == ("new", 0)
    assert folder.offer(a, 0.1) == ("fold", 0)  # a shorter take of a
    assert folder.offer(a, 0.3) == ("replace", 0)  # a longer one replaces it
    assert folder.offer(b, 0.2) == ("new", 1)
    assert folder.offer(c, 0.5) == ("full", None)  # a third sound, past the limit
    assert folder.offer(b, 0.1) == ("fold", 1)  # known sounds still fold when full
    assert folder.durations == [0.3, 0.2]
    assert StreamFolder(threshold=2.0, limit=5).offer(a, 0.1) == ("new", 0)
