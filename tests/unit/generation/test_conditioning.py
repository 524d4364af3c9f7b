"""The melody-conditioning clip: all ten songs, each segment as long as its share of the weights.

Hostile input tried: a text file and an HLS playlist posing as songs' audio (refused, nothing
built), a song shorter than its segment (padded with silence, the shares stay exact).
"""

from __future__ import annotations

import io
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from soundmosaic.generation.compose import (
    CONDITIONING_RATE,
    GenerationRefused,
    conditioning_clip,
    segment_seconds,
)

from tests.unit.generation.music_songs import songs, tone_file

FREQUENCIES = [220 + 55 * i for i in range(10)]


def pcm(clip: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(clip)) as reader:
        shape = (reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
        assert shape == (1, 2, CONDITIONING_RATE)
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").astype(float)


def dominant(signal: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.argmax(spectrum) * CONDITIONING_RATE / len(signal))


def test_segments_share_the_clip_by_weight_exactly() -> None:
    ten = songs(heavy_count=2, heavy_weight=4)  # 4, 4, then 1 x 8: 16 in all
    plan = segment_seconds(ten, 32.0)
    assert [s for _, s in plan] == [8.0, 8.0] + [2.0] * 8
    ten[5] = replace(ten[5], weight=0)
    plan = segment_seconds(ten, 30.0)
    assert plan[5][1] == 0 and sum(round(s * CONDITIONING_RATE) for _, s in plan) == 30 * CONDITIONING_RATE
    with pytest.raises(GenerationRefused, match="sum to zero"):
        segment_seconds([replace(s, weight=0) for s in ten])


def test_clip_holds_each_song_for_its_share(tmp_path: Path) -> None:
    ten = songs(heavy_count=1, heavy_weight=11)  # 11/20 of 30 s = 16.5 s, then 1.5 s each
    ten = [replace(s, audio_path=tone_file(tmp_path / f"{i}.wav", FREQUENCIES[i], 20.0))
           for i, s in enumerate(ten)]
    ten[9] = replace(ten[9], audio_path=tone_file(tmp_path / "short.wav", FREQUENCIES[9], 0.5))
    ten[4] = replace(ten[4], weight=0)  # weighs nothing: no segment
    clip, plan = conditioning_clip(ten)
    signal = pcm(clip)
    assert len(signal) == 30 * CONDITIONING_RATE
    assert [w for w, _ in plan] == [s.work_id for i, s in enumerate(ten) if i != 4]
    start = 0.0
    for (work_id, seconds), song in zip(plan, [s for i, s in enumerate(ten) if i != 4], strict=True):
        assert work_id == song.work_id
        rate = CONDITIONING_RATE
        middle = signal[int((start + 0.1) * rate):int((start + min(seconds, 0.45)) * rate)]
        assert abs(dominant(middle) - FREQUENCIES[int(work_id.split(":")[1]) - 1]) < 12
        start += seconds
    assert plan[0][1] == pytest.approx(30 * 11 / 19, abs=1e-4)  # weight 11 of 19 once song 5 weighs 0
    tail = signal[-int(0.5 * CONDITIONING_RATE):]  # the short song is padded with silence
    assert np.abs(tail).max() == 0


def test_hostile_audio_is_refused(tmp_path: Path) -> None:
    ten = [replace(s, audio_path=tone_file(tmp_path / f"{i}.wav", 300, 3.0)) for i, s in enumerate(songs())]
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n")
    playlist = tmp_path / "song.mp3"
    playlist.write_text(f"#EXTM3U\n#EXTINF:10,\nfile://{text}\n#EXT-X-ENDLIST\n")
    for bad in (text, playlist):
        hostile = [*ten[:9], replace(ten[9], audio_path=bad)]
        with pytest.raises(GenerationRefused, match="cannot build the conditioning clip"):
            conditioning_clip(hostile)
    with pytest.raises(GenerationRefused, match="no audio for melody conditioning of work:10"):
        conditioning_clip([*ten[:9], replace(ten[9], audio_path=None)])
