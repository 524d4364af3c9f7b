"""Music for a planned track: the sliding window against a fake Replicate (MusicGen), the
crossfade, and the offline engine driven by the plan's key, tempo, instruments and mood."""

from __future__ import annotations

import base64
import io
import wave

import numpy as np
import pretty_midi
import pytest
from soundmosaic.providers import ModelMosaic, Registry
from soundmosaic.stories.albums import music

from tests.fakes import FakeReplicate

SOUNDSCAPE = {
    "tempo_bpm": 84,
    "key": "E minor",
    "instrumentation": ["cello", "harp", "synth bass"],
    "mood": "melancholic",
}


def test_windows_cover_the_track_with_overlaps():
    assert music.windows(30) == [30.0]
    assert music.windows(65) == [30.0, 30.0, 13.0]  # 30 + 26 + 9 = 65
    plan = music.windows(180)
    assert all(w <= music.WINDOW_S for w in plan)
    assert sum(plan) - music.OVERLAP_S * (len(plan) - 1) == pytest.approx(180)


def test_crossfade_keeps_the_level_through_the_seam():
    a = np.full((1000, 2), 1000.0)
    b = np.full((1000, 2), 1000.0)
    joined = music.crossfade(a, b, 200)
    assert len(joined) == 1800
    # equal-power: a steady signal neither drops out nor doubles at the seam
    assert joined[800:1000].min() >= 999.0 and joined[800:1000].max() <= 1415.0


def test_musicgen_sliding_window_conditions_each_window_on_the_previous_end():
    with FakeReplicate(polls=0) as fake:
        mosaic = ModelMosaic(Registry.load(), fake.env(), sleep=lambda _: None)
        try:
            track = music.make(mosaic, SOUNDSCAPE, "melancholic cello, 84 bpm, E minor", 65, 11, "album:x:01")
        finally:
            mosaic.close()
        inputs = [p["input"] for p in fake.predictions.values()]
    assert track.provider == "replicate" and track.engine == "replicate:meta/musicgen"
    assert [i["duration"] for i in inputs] == [30, 30, 13]
    assert "input_audio" not in inputs[0]
    for given in inputs[1:]:  # the previous window's last 10 s, as MusicGen's melody input
        clip = base64.b64decode(given["input_audio"].split(",", 1)[1])
        with wave.open(io.BytesIO(clip)) as reader:
            assert reader.getnframes() == int(music.CONDITION_S * reader.getframerate())
    assert all(i["prompt"] == "melancholic cello, 84 bpm, E minor" for i in inputs)
    with wave.open(io.BytesIO(track.wav)) as reader:
        assert reader.getframerate() == 32000 and reader.getnframes() == 65 * 32000
    assert track.details["windows_s"] == [30.0, 30.0, 13.0] and float(track.cost_usd) > 0


def test_a_refused_window_fails_the_track():
    from soundmosaic.providers import ProviderRefused

    with FakeReplicate(polls=0) as fake:
        fake.refuse_next(1)
        mosaic = ModelMosaic(Registry.load(), fake.env(), sleep=lambda _: None)
        try:
            with pytest.raises(ProviderRefused):
                music.make(mosaic, SOUNDSCAPE, "x", 30, 1, "album:x:01")
        finally:
            mosaic.close()


def test_instrument_names_map_to_general_midi():
    assert music.programs(["Electric Piano", "synth bass", "drum kit", "kazoo", "Strings"]) == (
        [4, 38, 48],
        True,
    )


def test_offline_score_follows_the_plan():
    midi, details = music.score(SOUNDSCAPE, 12.0, 5)
    song = pretty_midi.PrettyMIDI(io.BytesIO(midi))
    assert song.estimate_tempo() > 0 and round(song.get_tempo_changes()[1][0]) == 84
    programs = [i.program for i in song.instruments if not i.is_drum]
    assert programs[:3] == [42, 46, 38]  # cello melody, harp pad, synth bass
    assert not any(i.is_drum for i in song.instruments)  # melancholic, no drums named
    e_minor = {4, 6, 7, 9, 11, 0, 2}
    melody = [n.pitch % 12 for n in song.instruments[0].notes]
    assert sum(p in e_minor for p in melody) / len(melody) > 0.85
    assert details["velocity_scale"] < 1


def test_offline_track_is_wav_of_the_asked_length():
    track = music.make(ModelMosaic(Registry.load(), {}), SOUNDSCAPE, "", 30, 2, "album:x:01")
    assert track.provider == "offline" and "offline" in track.engine
    with wave.open(io.BytesIO(track.wav)) as reader:
        assert reader.getnframes() == 30 * reader.getframerate()
        audio = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    assert np.abs(audio).max() > 1000  # it is not silence
