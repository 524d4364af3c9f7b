"""The shipped sample classifier: a small MLP whose weights live in ``model.npz`` (no pickle).

The artifact holds the feature standardisation, the layer weights (float16 on disk, float32 in
memory), the class names and the feature/model versions it was trained with. It is loaded
lazily, once per process, and inference is plain numpy.

Environment variables
---------------------
SOUNDMOSAIC_SAMPLE_MODEL
    Path of another ``.npz`` artifact to load instead of the packaged one (e.g. a retrained model).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import features

MODEL_VERSION = "sample-mlp-1"
MODEL_PATH = Path(__file__).with_name("model.npz")


class ModelError(RuntimeError):
    pass


@dataclass(frozen=True)
class MLP:
    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    version: str

    def logits(self, x: np.ndarray) -> np.ndarray:
        h = (np.asarray(x, dtype=np.float32) - self.mean) / self.scale
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w + b
            if i < len(self.weights) - 1:
                h = np.maximum(h, 0.0)
        return h

    def embedding(self, x: np.ndarray) -> np.ndarray:
        """The last hidden layer's activations: what the classifier "hears" in a sample, used
        as its vector for similar sounds (samples with close vectors sound alike to the model)."""
        h = (np.asarray(x, dtype=np.float32) - self.mean) / self.scale
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            h = np.maximum(h @ w + b, 0.0)
        return h

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = self.logits(x)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def save(path: str | Path, model: MLP) -> Path:
    """Write ``model`` as a pickle-free ``.npz`` (weights in float16)."""
    arrays: dict[str, np.ndarray] = {
        "classes": np.array(model.classes),
        "mean": model.mean.astype(np.float32),
        "scale": model.scale.astype(np.float32),
        "model_version": np.array(model.version),
        "feature_version": np.array(features.FEATURE_VERSION),
        "n_layers": np.array(len(model.weights)),
    }
    for i, (w, b) in enumerate(zip(model.weights, model.biases, strict=True)):
        arrays[f"w{i}"] = w.astype(np.float16)
        arrays[f"b{i}"] = b.astype(np.float16)
    path = Path(path)
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    return path


def load(path: str | Path) -> MLP:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["feature_version"]) != features.FEATURE_VERSION:
                raise ModelError(f"{path} was trained on features {data['feature_version']}, "
                                 f"this code computes {features.FEATURE_VERSION}: retrain it")
            n = int(data["n_layers"])
            return MLP(classes=tuple(str(c) for c in data["classes"]),
                       mean=data["mean"].astype(np.float32), scale=data["scale"].astype(np.float32),
                       weights=tuple(data[f"w{i}"].astype(np.float32) for i in range(n)),
                       biases=tuple(data[f"b{i}"].astype(np.float32) for i in range(n)),
                       version=str(data["model_version"]))
    except (OSError, KeyError, ValueError) as err:
        raise ModelError(f"cannot load the sample classifier from {path}: {err}") from err


@functools.cache
def shipped() -> MLP:
    """The packaged model (or ``$SOUNDMOSAIC_SAMPLE_MODEL``), loaded once per process."""
    return load(os.environ.get("SOUNDMOSAIC_SAMPLE_MODEL") or MODEL_PATH)


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Small matrix products are far faster without BLAS threads (and kinder to neighbours)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def feature_matrix(signals: Sequence[np.ndarray]) -> np.ndarray:
    """Features of mono :data:`features.SR` signals, one row each."""
    if not signals:
        return np.zeros((0, features.N_FEATURES), dtype=np.float32)
    with single_threaded_blas():
        return np.stack([features.extract(s) for s in signals])
