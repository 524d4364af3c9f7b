"""Lyrics from the vocals stem *and* the mix: the better hypothesis per sung passage.

Separation helps Whisper where the accompaniment is loud and hurts it where the stem is damaged
(a clipped consonant, an artefact, a lost word). So, window by window (see docs/audio-midi-lyrics.md):

1. voice activity (Silero VAD) runs on the vocals stem, the cleanest view of where someone sings;
   a window without voice in the stem gives no text, whatever the mix holds;
2. the stem is transcribed in its voiced chunks (at most ``CHUNK_S`` each, Whisper's own 30-s
   context), and the mix as a whole (with Whisper's VAD, exactly as the raw mix would be);
3. the language is detected on the voiced audio of the stem and of the mix, and the more
   confident detection wins (unless the caller forced a language);
4. the two transcriptions are cut into passages (runs of segments that overlap in time) and
   per passage the mix's words are kept unless the stem's are clearly more confident (mean
   word probability, with penalties where Whisper marks a segment as probably not speech or
   as a loop); a passage heard only in the mix, away from the stem's voice, is dropped;
5. word times come from the stem: a passage taken from the mix is force-aligned on the stem
   (Whisper's cross-attention alignment, ``WhisperModel.find_alignment``), falling back to the
   mix's own times when the alignment gives nothing;
6. a phrase repeated more than three times in a row inside one segment (Whisper's classic loop
   on held notes) is cut back to three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
CHUNK_S = 28.0
PAD_S = 0.2
NO_SPEECH_PROB = 0.6
DOUBT_PENALTY = 0.5
STEM_MARGIN = 0.1
LOOP_COMPRESSION = 2.4
MIN_VOICE_S = 0.25
MAX_REPEATS = 3  # "go go go" is a lyric; a fourth time in a row within a segment is a loop


@dataclass
class Heard:
    """A word as Whisper heard it: faster-whisper's ``Word`` fields, times in the window."""

    word: str
    start: float
    end: float
    probability: float


@dataclass
class Line:
    """A Whisper segment with its words, times in the window, and the model's own doubts."""

    text: str
    start: float
    end: float
    words: list[Heard]
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


@dataclass
class Hypothesis:
    source: str  # "stem" or "mix"
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)

    @property
    def score(self) -> float:
        """Mean word probability, minus a penalty per line Whisper itself doubts (probably no
        speech, or a loop); ``-inf`` when nothing was heard. Segment ``avg_logprob`` is not used:
        faster-whisper reports the whole 30-s decoding window's value on every segment of it."""
        words = [w.probability for line in self.lines for w in line.words]
        if not words:
            return float("-inf")
        doubts = sum((line.no_speech_prob > NO_SPEECH_PROB) + (line.compression_ratio > LOOP_COMPRESSION)
                     for line in self.lines)
        return float(np.mean(words)) - DOUBT_PENALTY * doubts / len(self.lines)


def voice_chunks(stem: np.ndarray, rate: int) -> list[tuple[int, int]]:
    """(start, end) sample spans of ``stem`` (16 kHz mono) where someone sings or speaks,
    padded and grouped into chunks of at most ``CHUNK_S``."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=500, speech_pad_ms=int(PAD_S * 1000),
                         max_speech_duration_s=CHUNK_S, min_speech_duration_ms=int(MIN_VOICE_S * 1000))
    found = get_speech_timestamps(stem, options, sampling_rate=rate)
    spans = [(int(s["start"]), int(s["end"])) for s in found]
    chunks: list[tuple[int, int]] = []
    for start, end in spans:
        if chunks and end - chunks[-1][0] <= CHUNK_S * rate:
            chunks[-1] = (chunks[-1][0], end)
        else:
            chunks.append((start, end))
    return chunks


def detect_language(whisper: Any, views: list[np.ndarray]) -> tuple[str, float]:
    """The most confident (language, probability) over ``views`` (voiced audio of stem and mix)."""
    best = ("", 0.0)
    for audio in views:
        if audio.size < MIN_VOICE_S * 16000:
            continue
        language, probability, _ = whisper.detect_language(audio=audio[: 30 * 16000])
        if float(probability) > best[1]:
            best = (str(language), float(probability))
    return best


def lines(whisper: Any, audio: np.ndarray, language: str | None, vad: bool,
          offset: float = 0.0) -> list[Line]:
    """Whisper's segments of ``audio`` (16 kHz mono) as ``Line``, times + ``offset`` seconds."""
    segments, _ = whisper.transcribe(
        audio, language=language, task="transcribe", word_timestamps=True, vad_filter=vad,
        # Songs repeat lines: conditioning on the previous text invites loops and hallucination.
        condition_on_previous_text=False, beam_size=5)
    out = []
    for s in segments:
        if not s.text.strip():
            continue
        words = [Heard(w.word, offset + float(w.start), offset + float(w.end), float(w.probability))
                 for w in (s.words or []) if w.word.strip()]
        out.append(Line(s.text.strip(), offset + float(s.start), offset + float(s.end), words,
                        float(s.no_speech_prob), float(s.compression_ratio)))
    return out


def passages(stem: list[Line], mix: list[Line]) -> list[tuple[Hypothesis, Hypothesis]]:
    """The two transcriptions cut into passages: runs of lines that overlap in time (either way),
    so each passage holds the same sung words in both hypotheses."""
    tagged = sorted([(line.start, line.end, "stem", line) for line in stem]
                    + [(line.start, line.end, "mix", line) for line in mix], key=lambda t: (t[0], t[1]))
    out: list[tuple[Hypothesis, Hypothesis]] = []
    reach = float("-inf")
    for start, end, source, line in tagged:
        if not out or start >= reach:
            out.append((Hypothesis("stem"), Hypothesis("mix")))
        (out[-1][0] if source == "stem" else out[-1][1]).lines.append(line)
        reach = max(reach, end) if start < reach else end
    return out


def better(stem: Hypothesis, mix: Hypothesis) -> Hypothesis:
    """The hypothesis to keep for one passage: the mix's unless the stem's is clearly (by
    ``STEM_MARGIN``) more confident. Whisper is often *confidently* wrong on separation
    artefacts ("the raven or what" for "the radio was"), so the untouched mix is the default."""
    return stem if stem.score > mix.score + STEM_MARGIN else mix


def align(whisper: Any, audio: np.ndarray, text: str, language: str) -> list[dict[str, Any]]:
    """Words of ``text`` with times in ``audio`` (16 kHz, at most 30 s) by Whisper's alignment."""
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer

    tokenizer = Tokenizer(whisper.hf_tokenizer, whisper.model.is_multilingual, task="transcribe",
                          language=language or "en")
    tokens = [t for t in tokenizer.encode(" " + text.strip()) if t < tokenizer.eot]
    if not tokens:
        return []
    features = whisper.feature_extractor(audio)[..., :-1]
    num_frames = min(features.shape[-1], 3000)
    encoder_output = whisper.encode(pad_or_trim(features))
    found = whisper.find_alignment(tokenizer, [tokens], encoder_output, num_frames)
    return found[0] if found else []


def collapse_loops(words: list[T], text: Callable[[T], str] = str) -> list[T]:
    """``words`` with any phrase (1 to 8 words) repeated more than ``MAX_REPEATS`` times in a
    row cut back to ``MAX_REPEATS`` repetitions (``text`` gives a word's spelling)."""
    out = list(words)

    def key(items: list[T]) -> list[str]:
        return [text(w).lower().strip(".,!?;:\"' ") for w in items]

    for size in range(1, 9):
        i = 0
        while i + size * (MAX_REPEATS + 1) <= len(out):
            phrase = key(out[i:i + size])
            j = i + size
            while j + size <= len(out) and key(out[j:j + size]) == phrase:
                j += size
            repeats = (j - i) // size
            if repeats > MAX_REPEATS:
                del out[i + size * MAX_REPEATS:j]
            i += 1
    return out
