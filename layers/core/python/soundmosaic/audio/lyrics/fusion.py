"""Lyrics from the vocals stem *and* the mix: the better hypothesis per voiced passage.

Separation helps Whisper where the accompaniment is loud and hurts it where the stem is damaged
(a clipped consonant, an artefact, a lost word). So, window by window (see docs/audio-midi-lyrics.md):

1. voice activity (Silero VAD) runs on the vocals stem, the cleanest view of where someone sings;
   nothing outside those passages is ever transcribed, so silence and solos give no text;
2. the passages are grouped into chunks of at most ``CHUNK_S`` (Whisper's own 30-s context);
3. the language is detected on the voiced audio of the stem and of the mix, and the more
   confident detection wins (unless the caller forced a language);
4. each chunk is transcribed twice, from the stem and from the mix, and the hypothesis with the
   higher model confidence is kept: the mean token log-probability (``avg_logprob``), minus a
   penalty for segments Whisper itself marks as probably not speech (``no_speech_prob``) or as
   a loop (compression ratio above 2.4);
5. word times come from the stem: a hypothesis taken from the mix is force-aligned on the stem
   (Whisper's cross-attention alignment, ``WhisperModel.find_alignment``), falling back to the
   mix's own times when the alignment gives nothing;
6. a phrase repeated more than three times in a row inside one segment (Whisper's classic loop on
   held notes) is cut back to three.
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
LOOP_COMPRESSION = 2.4
MIN_VOICE_S = 0.25
MAX_REPEATS = 3  # "go go go" is a lyric; a fourth time in a row within a segment is a loop


@dataclass
class Hypothesis:
    source: str  # "stem" or "mix"
    segments: list[Any] = field(default_factory=list)  # faster-whisper segments, chunk-relative

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def score(self) -> float:
        """Token-weighted mean log-probability, with Whisper's own doubts as penalties."""
        if not self.segments:
            return float("-inf")
        total, weight = 0.0, 0
        for s in self.segments:
            n = max(1, len(s.tokens))
            value = float(s.avg_logprob)
            if float(s.no_speech_prob) > NO_SPEECH_PROB:
                value -= 1.0
            if float(s.compression_ratio) > LOOP_COMPRESSION:
                value -= 1.0
            total += value * n
            weight += n
        return total / weight


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


def hypothesis(whisper: Any, audio: np.ndarray, language: str | None, source: str) -> Hypothesis:
    segments, _ = whisper.transcribe(
        audio, language=language, task="transcribe", word_timestamps=True, vad_filter=False,
        # Songs repeat lines: conditioning on the previous text invites loops and hallucination.
        condition_on_previous_text=False, beam_size=5)
    return Hypothesis(source, [s for s in segments if s.text.strip()])


def better(stem: Hypothesis, mix: Hypothesis) -> Hypothesis:
    """The hypothesis to keep for one chunk; the stem's on a tie (its times need no alignment)."""
    return mix if mix.score > stem.score else stem


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
