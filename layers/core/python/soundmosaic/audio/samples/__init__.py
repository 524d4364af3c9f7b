"""Sample slicing and classification for the audio lab.

``slice_audio`` cuts a stem into one-shot samples at its onsets (trimmed, faded, loudness
normalised, near-duplicates folded together) and labels each with ``classify``: a small MLP over
log-mel, envelope and spectral-shape features, trained on FluidSynth renders and numpy synthesis
(``python -m soundmosaic_local.training.train``; see docs/sample-classifier.md). The model ships
as ``model.npz`` next to this file and is loaded lazily, once per process.
"""

from __future__ import annotations

import itertools
import math
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..signal import Audio
from . import loudness, model
from .model import MODEL_VERSION
from .slicing import (
    Sample,
    SliceSettings,
    StreamFolder,
    cut_windows,
    detect_onsets,
    fingerprint_string,
    fingerprint_vector,
    fold_duplicates,
    keep_longest,
)

CLASSES = ("kick", "snare", "clap", "closed_hat", "open_hat", "cymbal", "tom", "percussion",
           "vocal", "bass", "tonal", "fx")
DRUM_CLASSES = CLASSES[:8]
EMBEDDING_DIM = 128  # the shipped model's last hidden layer

__all__ = [
    "CLASSES",
    "MODEL_VERSION",
    "Sample",
    "SliceSettings",
    "classify",
    "detect_onsets",
    "fold_duplicates",
    "label",
    "loudness",
    "model",
    "slice_audio",
    "slice_file",
    "slice_windows",
    "stem_prior",
]


def stem_prior(stem: str | None) -> np.ndarray | None:
    """Soft class prior implied by the stem a sample was cut from (None: no prior).

    Separation is imperfect, so a prior only tilts the decision: a hit on the drums stem still
    comes out as ``vocal`` when the model is sure of it.
    """
    name = (stem or "").lower()
    weights = dict.fromkeys(CLASSES, 1.0)
    if any(k in name for k in ("drum", "perc")):
        weights.update({c: 0.15 for c in ("vocal", "bass", "tonal")} | {"fx": 0.5})
    elif any(k in name for k in ("vocal", "voice", "vox")):
        weights = dict.fromkeys(CLASSES, 0.15) | {"vocal": 1.0, "fx": 0.4}
    elif "bass" in name:
        weights = dict.fromkeys(CLASSES, 0.1) | {"bass": 1.0, "tonal": 0.5, "fx": 0.3, "kick": 0.3}
    elif any(k in name for k in ("other", "accomp", "harmonic", "piano", "guitar", "synth", "keys")):
        weights = dict.fromkeys(DRUM_CLASSES, 0.2) | {"percussion": 0.3, "tonal": 1.0, "bass": 0.5,
                                                       "vocal": 0.5, "fx": 0.5}
    else:
        return None
    return np.array([weights[c] for c in CLASSES], dtype=np.float32)


def classify_proba(samples: list[Audio]) -> np.ndarray:
    """Class probabilities (len(samples), len(CLASSES)) from the shipped model."""
    from . import features
    from .model import feature_matrix, shipped

    net = shipped()
    assert net.classes == CLASSES, f"model classes {net.classes} differ from {CLASSES}"
    x = feature_matrix([features.to_analysis(a.samples, a.sample_rate) for a in samples])
    if x.shape[0] == 0:
        return np.zeros((0, len(CLASSES)), dtype=np.float32)
    return net.predict_proba(x)


def embed(samples: list[Audio]) -> np.ndarray:
    """One vector per sample (len(samples), EMBEDDING_DIM) from the shipped model's last hidden
    layer; the samples room finds similar sounds with them."""
    from . import features
    from .model import feature_matrix, shipped

    x = feature_matrix([features.to_analysis(a.samples, a.sample_rate) for a in samples])
    if x.shape[0] == 0:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return shipped().embedding(x)


def classify(samples: list[Audio], stem: str | None = None) -> list[tuple[str, float]]:
    """(label, confidence) for each sample; ``stem`` optionally adds the stem's soft prior."""
    if not samples:
        return []
    proba = classify_proba(samples)
    prior = stem_prior(stem)
    if prior is not None:
        proba = proba * prior
        proba = proba / proba.sum(axis=1, keepdims=True)
    best = proba.argmax(axis=1)
    return [(CLASSES[int(i)], round(float(p[i]), 4)) for i, p in zip(best, proba, strict=True)]


def slice_windows(chunks: Iterable[Audio], settings: SliceSettings, source_peak_db: float,
                  limit: int | None = None) -> Iterator[tuple[Sample, np.ndarray]]:
    """Fingerprinted, unlabelled slices of a source given as consecutive chunks, each with its
    fingerprint vector, in time order (at most ``limit``; ``None``: all of them).

    Near-duplicates are not folded here: pass the vectors to :func:`fold_duplicates` (or a
    :class:`StreamFolder` as they come), then :func:`label` the samples that remain.
    """
    for sample in itertools.islice(cut_windows(chunks, settings, source_peak_db), limit):
        vector = fingerprint_vector(sample.audio.samples, sample.audio.sample_rate)
        sample.fingerprint = fingerprint_string(vector)
        yield sample, vector


def label(samples: list[Sample], stem: str) -> None:
    """Set each sample's class and confidence (with the stem's prior)."""
    for sample, (name, confidence) in zip(samples, classify([s.audio for s in samples], stem=stem),
                                          strict=True):
        sample.label, sample.confidence = name, confidence


def slice_audio(audio: Audio, stem: str, settings: SliceSettings | None = None) -> list[Sample]:
    """Cut ``audio`` (one stem, in memory) into labelled one-shot samples, in time order.

    Silence and input shorter than ``settings.min_length_s`` give no samples. Long files go
    through :func:`slice_windows` chunk by chunk instead (the audio lab's samples stage).
    """
    settings = settings or SliceSettings()
    with model.single_threaded_blas():  # many small matrix products: threads only add overhead
        found = list(slice_windows([audio], settings, loudness.peak_db(audio.samples), settings.max_slices))
        if not found:
            return []
        kept = keep_longest([s for s, _ in found], np.stack([v for _, v in found]), settings.dedupe_threshold)
        label(kept, stem)
    return kept


def slice_file(path: Path, stem: str, settings: SliceSettings, out_dir: Path,
               chunk_s: float = 60.0) -> list[dict[str, Any]]:
    """Slice and classify a stem file ``chunk_s`` at a time, so a 2-hour stem never sits in memory.

    Pass one finds the stem's peak (quiet hits are judged against its loudest moment); pass two
    cuts the slices and folds near-duplicates as they come (:class:`StreamFolder`: the longest
    take of each sound stays on disk, at most ``settings.max_slices`` sounds); the takes are then
    read back, classified in batches and written as ``out_dir/<class>/<number>.wav`` (24-bit,
    the stem's rate and channels).
    Returns one entry per sample, in time order: path, label, confidence, start_s, end_s, peak_db,
    duration_s and its ``embedding`` (see :func:`embed`).
    """
    from ..signal import iter_chunks, read_wav, write_wav

    peak = max((loudness.peak_db(c.samples) for c in iter_chunks(path, chunk_s)), default=-math.inf)
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="slices-", dir=out_dir.parent))  # same disk as the output
    try:
        folder = StreamFolder(settings.dedupe_threshold, settings.max_slices)
        takes: list[tuple[Path, Sample]] = []
        with model.single_threaded_blas():  # many small matrix products: threads only add overhead
            for n, (sample, vector) in enumerate(slice_windows(iter_chunks(path, chunk_s), settings, peak)):
                verdict, i = folder.offer(vector, sample.end_s - sample.start_s)
                if verdict in ("fold", "full"):
                    continue
                path_n = write_wav(scratch / f"{n:06d}.wav", sample.audio, subtype="FLOAT")
                # On disk now: drop the audio (a [:, :0] view would keep the whole array alive).
                rate, channels = sample.audio.sample_rate, sample.audio.channels
                sample.audio = Audio(np.zeros((channels, 0), np.float32), rate)
                if verdict == "new":
                    takes.append((path_n, sample))
                else:
                    assert i is not None
                    takes[i][0].unlink()
                    takes[i] = (path_n, sample)
            takes.sort(key=lambda take: take[1].start_s)
            found: list[dict[str, Any]] = []
            for first in range(0, len(takes), 256):
                batch = takes[first:first + 256]
                clips = [read_wav(p) for p, _ in batch]
                for number, (_, cut), clip, (name, confidence), vector in zip(
                        itertools.count(first + 1), batch, clips, classify(clips, stem=stem), embed(clips),
                        strict=False):
                    target = write_wav(out_dir / name / f"{number:03d}.wav", clip)
                    found.append({"path": target, "label": name, "confidence": round(confidence, 3),
                                  "start_s": round(cut.start_s, 3), "end_s": round(cut.end_s, 3),
                                  "peak_db": round(cut.peak_db, 2),
                                  "duration_s": round(clip.samples.shape[-1] / clip.sample_rate, 3),
                                  "embedding": vector})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return found
