"""Measured influence: how much each of the ten reference songs actually shaped a take.

The engine reports the *requested* weights (what it was asked to lean on). This module measures
the take against each song on symbolic features, so the two can be compared (see
docs/generation.md, "Measured influence"):

- ``melody``: trigrams of (scale degree from the tonic, duration in sixteenths) of the top line:
  what a listener hears as the tune, in any key;
- ``pitch``: trigrams of scale degrees alone (the chroma line, with the rhythm taken out);
- ``rhythm``: trigrams of note durations alone (the rhythm, with the pitches taken out);
- ``harmony``: bigrams of the chords per bar (root degree and quality).

Pieces are read relative to their own tonic and in the take's mode (``music_model``), so a song in
another key still matches. Per feature, the take's n-grams are explained by a mixture of the ten
songs' n-gram distributions (add-``ALPHA`` smoothing) plus a uniform background for what none
of them explains (the training catalog, novelty); the mixture weights that best explain the take
(maximum likelihood, by EM) are that feature's influence of each song, renormalised over the ten.
The features are averaged (``FEATURES`` weights), leaving out one with no evidence. Timbre is not
measured: the offline engine renders every take with the same instruments, so it says nothing.

``review`` is the rule the royalty split follows: the split uses the *requested* weights, unless
the measured ones are further from them than ``TOLERANCE`` in total variation distance
(half the sum of absolute differences), then the take is flagged for a royalty admin's review (the
admin corrects the provenance through the audited correction route). A take that cannot be
measured (too few notes, e.g. a MusicGen take Basic Pitch finds little in) is ``not measured``
and likewise waits for a review; it is never failed for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from soundmosaic.providers.offline.music_model import NoteT, Piece, in_mode, piece

METHOD = "symbolic n-gram mixture (melody, pitch, rhythm, harmony), EM maximum likelihood"
FEATURES = {"melody": 0.4, "pitch": 0.2, "rhythm": 0.2, "harmony": 0.2}
ALPHA = 0.05  # smoothing count per n-gram: a song that never plays an n-gram explains it a little
TOLERANCE = Fraction(30, 100)  # total variation distance above which a take is flagged for review
ITERATIONS = 200
PRIOR = 1.0
WITHIN, REVIEW, UNMEASURED = "within tolerance", "flagged for review", "not measured"


@dataclass(frozen=True)
class Song:
    """A reference song as measured: its work, notes (one list per part), tempo and key."""

    work_id: str
    parts: Sequence[Sequence[NoteT]]
    tempo_bpm: float
    key: str | None = None


def grams(p: Piece, mode: str) -> dict[str, list[tuple[Any, ...]]]:
    """The piece's n-grams per feature, read in ``mode``."""
    melody, chords = in_mode(p, mode)
    degrees = [d for d, _ in melody]
    lengths = [n for _, n in melody]
    return {
        "melody": [tuple(melody[i:i + 3]) for i in range(len(melody) - 2)],
        "pitch": [tuple(degrees[i:i + 3]) for i in range(len(degrees) - 2)],
        "rhythm": [tuple(lengths[i:i + 3]) for i in range(len(lengths) - 2)],
        "harmony": [tuple(chords[i:i + 2]) for i in range(len(chords) - 1)],
    }


def mixture(take: Sequence[tuple[Any, ...]], songs: Sequence[Sequence[tuple[Any, ...]]]) -> np.ndarray | None:
    """Maximum-likelihood weights of the songs (plus a background) explaining ``take``; the
    songs' part renormalised to sum to 1. None when there is nothing to measure."""
    if not take or not any(songs):
        return None
    vocabulary = {g for s in songs for g in s} | set(take)
    size = len(vocabulary)
    counts = [Counter(s) for s in songs]
    # likelihood[k, i]: P(take n-gram i | component k); the last component is the background
    likelihood = np.array([[(c[g] + ALPHA) / (sum(c.values()) + ALPHA * size) for g in take] for c in counts]
                          + [[1.0 / size] * len(take)])
    weights = np.full(len(songs) + 1, 1.0 / (len(songs) + 1))
    for _ in range(ITERATIONS):
        joint = weights[:, None] * likelihood
        # MAP under a symmetric Dirichlet(1 + PRIOR) prior: PRIOR pseudo-n-grams per component keep
        # a short take from crediting everything to one song on a handful of n-grams
        weights = (joint / joint.sum(axis=0, keepdims=True)).sum(axis=1) + PRIOR
        weights /= weights.sum()
    ours = weights[:-1]
    return ours / ours.sum() if ours.sum() > 0 else None


def measure(take_parts: Sequence[Sequence[NoteT]], take_tempo: float, take_key: str | None,
            songs: Sequence[Song]) -> dict[str, Any]:
    """Each song's measured influence on the take (floats summing to 1) and per feature."""
    take = piece("take", 1.0, [p for p in take_parts if p], take_tempo, take_key, True)
    take_grams = grams(take, take.mode)
    song_grams = [grams(piece(s.work_id, 1.0, [p for p in s.parts if p], s.tempo_bpm, s.key, True), take.mode)
                  for s in songs]
    per_feature: dict[str, dict[str, float]] = {}
    total = np.zeros(len(songs))
    used = 0.0
    for feature, weight in FEATURES.items():
        found = mixture(take_grams[feature], [g[feature] for g in song_grams])
        if found is None:
            continue
        per_feature[feature] = {s.work_id: round(float(v), 4) for s, v in zip(songs, found, strict=True)}
        total += weight * found
        used += weight
    if not used:
        raise ValueError("the take has too few notes to measure its influence")
    total /= used
    return {"method": METHOD, "measured": {s.work_id: float(v) for s, v in zip(songs, total, strict=True)},
            "features": per_feature, "evidence": {f: len(g) for f, g in take_grams.items()},
            "key": f"{take.mode}", "notes": sum(len(p) for p in take_parts)}


def _text(value: float | Fraction) -> str:
    return str(Decimal(float(value)).quantize(Decimal("0.0001")))


def review(requested: Mapping[str, Fraction], measured: Mapping[str, float],
           tolerance: Fraction = TOLERANCE) -> dict[str, Any]:
    """The split rule: requested weights, unless the measured ones are further from them than
    ``tolerance`` (total variation distance), then flagged for a royalty admin's review."""
    if set(requested) != set(measured):
        raise ValueError("requested and measured influence name different works")
    total = sum(requested.values(), Fraction(0))
    if total <= 0:
        raise ValueError("the requested weights sum to zero")
    distance = sum(abs(float(requested[w] / total) - measured[w]) for w in requested) / 2
    flagged = distance > float(tolerance)
    return {
        "requested": {w: _text(v / total) for w, v in requested.items()},
        "measured": {w: _text(v) for w, v in measured.items()},
        "distance": _text(distance), "tolerance": str(tolerance),
        "verdict": REVIEW if flagged else WITHIN,
        "split_uses": "requested weights" + (" until a royalty admin reviews them" if flagged else ""),
    }


def unmeasured(requested: Mapping[str, Fraction], reason: str) -> dict[str, Any]:
    """The check of a take whose influence could not be measured: flagged for review, with why."""
    total = sum(requested.values(), Fraction(0))
    return {"requested": {w: _text(v / total) for w, v in requested.items()}, "measured": {},
            "distance": None, "tolerance": str(TOLERANCE), "verdict": UNMEASURED, "reason": reason,
            "method": METHOD, "split_uses": "requested weights until a royalty admin reviews them"}
