"""espeak-ng speech with the true start and end of every word (for the audio quality set,
``audio_quality_set``).

The ``espeak-ng`` command line gives audio only; the library (``libespeak-ng.so.1``, which the
command links) reports a WORD event with its audio position for every word it speaks. We call it
through ctypes in synchronous mode and collect samples and events from its callback. Word ends
are the last non-silent sample before the next word starts. The library keeps global state, so
calls are serialised by a lock.
"""

from __future__ import annotations

import ctypes
import re
import threading
from dataclasses import dataclass

import numpy as np

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_EVENT_LIST_TERMINATED, _EVENT_WORD = 0, 1
_RATE_PARAM, _PITCH_PARAM, _RANGE_PARAM = 1, 3, 4
_POS_CHARACTER = 1
_SILENCE = 10 ** (-45 / 20)  # below -45 dBFS counts as the gap between words


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float  # seconds from the start of the utterance
    end: float


@dataclass
class Utterance:
    samples: np.ndarray  # mono float32
    rate: int
    words: list[TimedWord]


class _Engine:
    def __init__(self) -> None:
        self.lib = ctypes.CDLL("libespeak-ng.so.1")
        self.rate = int(self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0))
        if self.rate <= 0:
            raise RuntimeError("libespeak-ng failed to initialise (is espeak-ng-data installed?)")
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[int, int, int]] = []  # (text position, length, audio ms)
        self._callback = _Callback(self._collect)  # kept referenced: the library calls it later
        self.lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int,  # type: ignore[name-defined]
                 events: ctypes._Pointer[_Event]) -> int:  # type: ignore[name-defined]
        if count > 0 and wav:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).astype(np.float32) / 32768.0)
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_WORD:
                self.events.append((event.text_position, event.length, event.audio_position))
            i += 1
        return 0

    def say(self, text: str, voice: str, speed: int, pitch: int, pitch_range: int) -> Utterance:
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            for param, value in ((_RATE_PARAM, speed), (_PITCH_PARAM, pitch), (_RANGE_PARAM, pitch_range)):
                self.lib.espeak_SetParameter(param, int(value), 0)
            self.chunks, self.events = [], []
            data = text.encode("utf-8")
            self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, 0, None, None)
            self.lib.espeak_Synchronize()
            samples = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
            events = list(self.events)
        return Utterance(samples, self.rate, _timed_words(text, events, samples, self.rate))


def _timed_words(text: str, events: list[tuple[int, int, int]], samples: np.ndarray,
                 rate: int) -> list[TimedWord]:
    """Every word of ``text`` with its time. espeak-ng gives no WORD event for some unstressed
    words ("on the river": none for "the"); such a word shares the span of the next word that has
    one, split by letters."""
    loud = np.flatnonzero(np.abs(samples) > _SILENCE)
    starts = {position - 1: audio_ms / 1000.0 for position, _, audio_ms in events}  # positions count from 1
    spans: list[tuple[list[str], float, float]] = []  # (words, start, limit)
    pending: list[str] = []
    tokens = [(m.start(), re.sub(r"[^\w']", "", m.group())) for m in re.finditer(r"\S+", text)]
    timed = [(pos, word) for pos, word in tokens if word]
    for k, (pos, word) in enumerate(timed):
        pending.append(word)
        if pos in starts or k == len(timed) - 1:
            start = starts.get(pos, spans[-1][2] if spans else 0.0)
            following = [starts[p] for p, _ in timed[k + 1:] if p in starts]
            spans.append((pending, start, following[0] if following else samples.size / rate))
            pending = []
    words: list[TimedWord] = []
    for group, start, limit in spans:
        inside = loud[(loud >= int(start * rate)) & (loud < int(limit * rate))]
        end = max((inside[-1] + 1) / rate if inside.size else limit, start + 0.02 * len(group))
        letters = sum(len(w) for w in group)
        at = start
        for word in group:
            length = (end - start) * len(word) / letters
            words.append(TimedWord(word, round(float(at), 3), round(float(at + length), 3)))
            at += length
    return words


_engine: _Engine | None = None


def say(text: str, voice: str = "en-us", speed: int = 150, pitch: int = 50,
        pitch_range: int = 50) -> Utterance:
    """``text`` spoken by espeak-ng (voice e.g. ``en-us+f3``), with each word's start and end."""
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine.say(text, voice, speed, pitch, pitch_range)
