"""Transcription: faster-whisper with word timestamps on a file or decoded audio, window by window.

``transcribe`` runs Whisper with word timestamps, Silero VAD (so instrumental passages are
skipped instead of hallucinated over) and language detection when no language is given, and
returns ``Lyrics``: segments of words with their times and probabilities. Given the ``mix`` as
well as the vocals stem it keeps the better of the two hypotheses per voiced passage
(``fusion``), with word times from the stem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from soundmosaic.audio.lyrics import fusion
from soundmosaic.audio.lyrics.model import load_model, model_label
from soundmosaic.audio.lyrics.result import Lyrics, Segment, Word
from soundmosaic.audio.signal import Audio, decode, iter_chunks

ENGINE = "faster-whisper"
WHISPER_RATE = 16000
SILENCE_PEAK = 1e-4  # below this (about -80 dBFS) the input is silence: Whisper is not run
WINDOW_S = 600.0  # a long file is transcribed ten minutes at a time, in bounded memory
CUT_SEARCH_S = 30.0  # each window ends in the quietest moment of its last 30 s
ALIGN_PAD_S = 0.5  # a passage taken from the mix is aligned on this much more of the stem each side

Progress = Callable[[float], None]
"""``progress(fraction)``: the fraction of the work done, in [0, 1]; called at 1.0 when done."""


def _samples_16k(source: str | Path | Audio) -> np.ndarray:
    if not isinstance(source, Audio):
        return decode(source, sample_rate=WHISPER_RATE, channels=1).samples[0]
    mono = np.asarray(source.samples, dtype=np.float32).mean(axis=0)
    if source.sample_rate == WHISPER_RATE or mono.size == 0:
        return np.ascontiguousarray(mono, dtype=np.float32)
    import soxr

    return np.asarray(soxr.resample(mono, source.sample_rate, WHISPER_RATE, quality="HQ"), dtype=np.float32)


def _words(raw: Iterable[Any], floor: float, duration: float, offset: float = 0.0) -> list[Word]:
    """Words with times (window time + ``offset``) clamped into the audio, each starting no
    earlier than the last ended."""
    words = []
    for w in raw:
        text = w.word.strip()
        if not text:
            continue
        start = min(max(offset + float(w.start), floor), duration)
        end = min(max(offset + float(w.end), start), duration)
        words.append(Word(text=text, start_s=round(start, 3), end_s=round(end, 3),
                          probability=round(float(w.probability), 4)))
        floor = end
    return words


def _language_code(language: str | None) -> str | None:
    """``None`` to detect, else a Whisper language code ("EN", "en-US" and "pt_BR" are accepted)."""
    text = (language or "").strip().lower()
    if text in ("", "auto", "detect"):
        return None
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    code = text.replace("_", "-").split("-")[0]
    if code not in _LANGUAGE_CODES:
        raise ValueError(f"unknown lyrics language {language!r}: use a code Whisper knows "
                         f"({', '.join(_LANGUAGE_CODES)})")
    return str(code)


def _quiet_cut(samples: np.ndarray) -> int:
    """Index of the middle of the quietest half second of ``samples`` (where no word is cut)."""
    frame = WHISPER_RATE // 10
    n = samples.size // frame
    if n < 6:
        return samples.size
    energy = np.square(samples[: n * frame].reshape(n, frame)).mean(axis=1)
    smooth = np.convolve(energy, np.ones(5) / 5, mode="valid")  # 0.5 s
    return (int(np.argmin(smooth)) + 2) * frame + frame // 2


def _windows(source: str | Path | Audio, window_s: float) -> Iterator[tuple[float, np.ndarray]]:
    """(start second, 16 kHz mono) windows of about ``window_s`` covering ``source`` once.

    A long file is decoded a window at a time (two hours of 16 kHz float is 460 MB, and Whisper's
    features of it several times that); each window ends in the quietest half second of its last
    ``CUT_SEARCH_S``, and the rest is carried into the next, so no word is split between two.
    """
    if isinstance(source, Audio):
        chunks: Iterable[np.ndarray] = [_samples_16k(source)]
    else:
        chunks = (c.samples[0] for c in iter_chunks(source, window_s, WHISPER_RATE, 1))
    carry = np.zeros(0, dtype=np.float32)
    offset = 0
    chunk_iter = iter(chunks)
    chunk = next(chunk_iter, None)
    while chunk is not None:
        following = next(chunk_iter, None)
        window = np.concatenate([carry, chunk]) if carry.size else chunk
        if following is None:
            yield offset / WHISPER_RATE, window
            return
        search = min(window.size, int(CUT_SEARCH_S * WHISPER_RATE))
        cut = window.size - search + _quiet_cut(window[window.size - search:])
        yield offset / WHISPER_RATE, window[:cut]
        carry, offset = window[cut:], offset + cut
        chunk = following


def _duration_s(source: str | Path | Audio) -> float:
    if isinstance(source, Audio):
        return source.duration_s
    try:
        import soundfile

        return float(soundfile.info(str(source)).duration)
    except (RuntimeError, OSError):  # not a file soundfile reads: progress goes by window
        return 0.0


def _span_16k(source: str | Path | Audio, start_s: float, frames: int) -> np.ndarray:
    """``frames`` samples of ``source`` from ``start_s`` as 16 kHz mono (zeros past its end)."""
    if isinstance(source, Audio):
        first = round(start_s * source.sample_rate)
        count = int(np.ceil(frames * source.sample_rate / WHISPER_RATE))
        piece = Audio(source.samples[:, first:first + count], source.sample_rate)
        samples = _samples_16k(piece)
    else:
        samples = decode(source, sample_rate=WHISPER_RATE, channels=1, start_s=start_s,
                         duration_s=frames / WHISPER_RATE).samples[0]
    out = np.zeros(frames, dtype=np.float32)
    out[:min(frames, samples.size)] = samples[:frames]
    return out


def _timed_on_stem(whisper: Any, stem: np.ndarray, chosen: fusion.Hypothesis,
                   language: str) -> list[list[fusion.Heard]]:
    """The words of each line of ``chosen``, timed on the stem when they came from the mix
    (forced alignment of the passage's text on the stem; the mix's own times where it fails)."""
    own = [line.words for line in chosen.lines]
    first, last = chosen.lines[0].start - ALIGN_PAD_S, chosen.lines[-1].end + ALIGN_PAD_S
    start = max(0, int(first * WHISPER_RATE))
    stop = min(stem.size, int(last * WHISPER_RATE))
    if chosen.source == "stem" or stop - start > 30 * WHISPER_RATE or stop <= start:
        return own
    aligned = fusion.align(whisper, stem[start:stop], chosen.text, language)
    counts = [len(words) for words in own]
    if not aligned or len(aligned) != sum(counts):  # the tokenizer split words differently
        return own
    offset = start / WHISPER_RATE
    heard = [fusion.Heard(str(w["word"]), offset + float(w["start"]), offset + float(w["end"]),
                          float(w["probability"])) for w in aligned]
    out, at = [], 0
    for n in counts:
        out.append(heard[at:at + n])
        at += n
    return out


def _fused(whisper: Any, stem: np.ndarray, mix: np.ndarray, offset: float, floor: float,
           end_of_window: float, language: str) -> list[Segment]:
    """The window's segments from the stem and the mix, passage by passage (``fusion``)."""
    chunks = fusion.voice_chunks(stem, WHISPER_RATE)
    if not chunks:
        return []
    voiced = [(a / WHISPER_RATE, b / WHISPER_RATE) for a, b in chunks]
    mix_lines = fusion.lines(whisper, mix, language, vad=True)
    stem_lines = [line for a, b in chunks
                  for line in fusion.lines(whisper, stem[a:b], language, vad=False, offset=a / WHISPER_RATE)]
    segments = []
    for stem_view, mix_view in fusion.passages(stem_lines, mix_lines):
        if not stem_view.lines and not any(
                line.start < b and line.end > a for line in mix_view.lines for a, b in voiced):
            continue  # words in the mix where the stem has no voice: the accompaniment, not lyrics
        chosen = fusion.better(stem_view, mix_view)
        for line, heard in zip(chosen.lines, _timed_on_stem(whisper, stem, chosen, language), strict=True):
            words = fusion.collapse_loops(_words(heard, floor, end_of_window, offset), lambda w: w.text)
            text = " ".join(w.text for w in words) if heard else line.text
            if not text:
                continue
            start = words[0].start_s if words else min(max(offset + line.start, floor), end_of_window)
            end = words[-1].end_s if words else min(max(offset + line.end, start), end_of_window)
            segments.append(Segment(text=text, start_s=round(start, 3), end_s=round(end, 3), words=words,
                                    source=chosen.source))
            floor = end
    return segments


def transcribe(source: str | Path | Audio, language: str | None = None, model: str | None = None,
               vad: bool = True, progress: Progress | None = None,
               mix: str | Path | Audio | None = None) -> Lyrics:
    """Lyrics of ``source`` (a file path/URL or decoded ``Audio``), ideally a vocals stem.

    ``language`` forces a language (ISO 639-1, e.g. ``"en"``); ``None`` detects it on the first
    window that is not silent, and the rest of a long file is transcribed in that language.
    ``mix``: the song the stem was separated from (same timeline); when given, every voiced
    passage of the stem is transcribed from both and the more confident hypothesis is kept
    (``fusion``; ``vad`` is then always on: nothing is transcribed where the stem has no voice).
    Silence or an empty input gives ``Lyrics`` with no segments.
    """
    report = progress or (lambda _fraction: None)
    report(0.0)
    language = _language_code(language)
    total = _duration_s(source)
    detected: tuple[str, float] | None = None
    label = model_label(model)
    segments: list[Segment] = []
    floor = 0.0
    for offset, samples in _windows(source, WINDOW_S):
        end_of_window = offset + samples.size / WHISPER_RATE
        if samples.size == 0 or max(float(samples.max()), -float(samples.min())) < SILENCE_PEAK:
            continue
        whisper, label = load_model(model)
        if mix is not None:
            mixed = _span_16k(mix, offset, samples.size)
            if detected is None:
                voiced = fusion.voice_chunks(samples, WHISPER_RATE)
                if not voiced:
                    continue
                detected = (language, 1.0) if language else fusion.detect_language(
                    whisper, [np.concatenate([view[a:b] for a, b in voiced]) for view in (samples, mixed)])
            fused = _fused(whisper, samples, mixed, offset, floor, end_of_window, detected[0])
            segments += fused
            floor = fused[-1].end_s if fused else floor
            report(min(1.0, end_of_window / total) if total else 0.0)
            continue
        raw_segments, info = whisper.transcribe(
            samples, language=language or (detected[0] if detected else None), task="transcribe",
            word_timestamps=True, vad_filter=vad,
            # Songs repeat lines: conditioning on the previous text invites loops and hallucination.
            condition_on_previous_text=False, beam_size=5)
        if detected is None:
            detected = (info.language or language or "", float(info.language_probability or 0.0))
        for raw in raw_segments:
            words = _words(raw.words or [], floor, end_of_window, offset)
            text = raw.text.strip()
            if not text and not words:
                continue
            start = words[0].start_s if words else min(max(offset + float(raw.start), floor), end_of_window)
            end = words[-1].end_s if words else min(max(offset + float(raw.end), start), end_of_window)
            segments.append(Segment(text=text, start_s=round(start, 3), end_s=round(end, 3), words=words))
            floor = end
            report(min(1.0, end / total) if total else 0.0)
        report(min(1.0, end_of_window / total) if total else 0.0)
    report(1.0)
    language_found, probability = detected or (language or "", 0.0)
    return Lyrics(language=language_found, language_probability=round(probability, 4),
                  segments=segments, engine=ENGINE, model=label)
