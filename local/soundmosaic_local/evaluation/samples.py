"""The sample classifier's held-out set and its metrics (training reports them, the bench checks
what ships against them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from soundmosaic.audio.samples import CLASSES

if TYPE_CHECKING:
    from soundmosaic_local.training.dataset import Clip


def heldout_set(seed: int, scale: float = 1.0, workers: int = 2,
                log: Any = print) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features, labels and sources of the held-out set, rebuilt from its seed."""
    from soundmosaic_local.training import dataset

    return heldout_features(dataset.build("heldout", seed, scale=scale, log=log), seed, workers)


def heldout_features(clips: list[Clip], seed: int, workers: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features, labels and sources of held-out ``clips``: each once, half of them augmented."""
    from soundmosaic_local.training.train import featurise, jobs_for

    jobs = jobs_for(clips, seed, 0, heldout=True)
    labels = np.array([CLASSES.index(clips[j[0]].label) for j in jobs])
    return featurise(clips, jobs, workers), labels, [clips[j[0]].source for j in jobs]


def evaluate(y: np.ndarray, pred: np.ndarray, sources: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1, confusion matrix and accuracy per source."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = list(range(len(CLASSES)))
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    per_source = {}
    for src in sorted(set(sources)):
        mask = np.array([x == src for x in sources])
        per_source[src] = {"n": int(mask.sum()), "accuracy": round(float((y[mask] == pred[mask]).mean()), 4)}
    return {
        "accuracy": round(float((y == pred).mean()), 4),
        "macro_f1": round(float(np.mean(f)), 4),
        "per_class": {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                          "f1": round(float(f[i]), 4), "support": int(s[i])} for i, c in enumerate(CLASSES)},
        "confusion": confusion_matrix(y, pred, labels=labels).tolist(),
        "per_source": per_source,
    }
