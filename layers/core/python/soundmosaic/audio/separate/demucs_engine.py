"""Demucs v4 (Hybrid Transformer Demucs) through ``demucs.apply.apply_model``.

Models: ``htdemucs`` (4 stems), ``htdemucs_ft`` (a bag of 4 fine-tuned models, one per stem,
about 4x the compute), ``htdemucs_6s`` (adds guitar and piano). Weights are never downloaded
at run time: they are baked into the worker image and found in a local model directory laid
out like demucs' own repo (``<signature>-<checksum>.th`` files, e.g.
``955717e8-8726e21a.th`` for htdemucs). Bag definitions (``htdemucs.yaml``...) are read from
that directory when present, else from the copies shipped inside the demucs package.

The input is normalised like ``demucs.separate`` does (zero mean, unit std of the mono
reference) and the stems are scaled back.

Environment variables
---------------------
SOUNDMOSAIC_DEMUCS_MODELS
    Directory holding the ``.th`` weight files (and optionally the bag ``.yaml`` files).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..signal import Audio
from .base import Progress, Separation, Stem, run_at_model_rate

MODELS_ENV = "SOUNDMOSAIC_DEMUCS_MODELS"
DEMUCS_NAMES = ("htdemucs", "htdemucs_ft", "htdemucs_6s")
LABELS = {
    "htdemucs": "Demucs v4 htdemucs (Meta, MIT; hybrid transformer, 4 stems)",
    "htdemucs_ft": "Demucs v4 htdemucs_ft (Meta, MIT; bag of 4 fine-tuned models, 4 stems)",
    "htdemucs_6s": "Demucs v4 htdemucs_6s (Meta, MIT; 6 stems incl. guitar and piano)",
}


class ModelsMissing(FileNotFoundError):
    pass


def models_dir(path: str | Path | None = None) -> Path:
    """The local Demucs weights directory, from ``path`` or ``$SOUNDMOSAIC_DEMUCS_MODELS``."""
    raw = path or os.environ.get(MODELS_ENV)
    if not raw:
        raise ModelsMissing(
            f"Demucs weights are not configured: set {MODELS_ENV} to a directory holding the "
            "demucs .th files (the audio worker image bakes them in at build time); "
            "they are never downloaded at run time")
    root = Path(raw)
    if not root.is_dir():
        raise ModelsMissing(f"{MODELS_ENV}={root} is not a directory")
    return root


@functools.lru_cache(maxsize=4)
def load_pretrained(name: str, directory: str) -> Any:
    """Load ``name`` (a bag name or a signature) from ``directory``, once per process."""
    from demucs import pretrained, repo

    root = Path(directory)
    model_repo = repo.LocalRepo(root)
    bag_root = root if (root / f"{name}.yaml").is_file() else pretrained.REMOTE_ROOT
    any_repo = repo.AnyModelRepo(model_repo, repo.BagOnlyRepo(bag_root, model_repo))
    if not any_repo.has_model(name):
        raise ModelsMissing(f"no Demucs model {name!r} in {root} (have: {sorted(model_repo.list_model())})")
    try:
        model = any_repo.get_model(name)
    except repo.ModelLoadingError as err:
        raise ModelsMissing(f"cannot load Demucs model {name!r} from {root}: {err} "
                            f"(put the weight files named in {bag_root / (name + '.yaml')} there)") from err
    return model.eval()


def _segment_s(model: Any) -> float:
    first = model.models[0] if hasattr(model, "models") else model
    return float(first.segment)


class DemucsEngine:
    """Any Demucs model (or bag) behind the ``SeparationEngine`` protocol."""

    offline = False

    def __init__(self, model: Any, name: str = "htdemucs", label: str | None = None,
                 model_id: str | None = None, shifts: int = 1, overlap: float = 0.25,
                 segment: float | None = None, split: bool = True, num_workers: int = 0,
                 device: str = "cpu") -> None:
        self.model = model.eval()
        self.name = name
        self.label = label or LABELS.get(name, f"Demucs v4 {name}")
        self.model_id = model_id or name
        self.shifts, self.overlap, self.segment, self.split = shifts, overlap, segment, split
        self.num_workers, self.device = num_workers, device

    @classmethod
    def pretrained(cls, name: str = "htdemucs", models: str | Path | None = None,
                   **options: Any) -> DemucsEngine:
        root = models_dir(models)
        return cls(load_pretrained(name, str(root)), name=name, model_id=f"{name} ({root})", **options)

    @property
    def sources(self) -> list[str]:
        return list(self.model.sources)

    def _segment_count(self, length: int) -> int:
        segment = self.segment or _segment_s(self.model)
        stride = int((1 - self.overlap) * int(self.model.samplerate * segment))
        runs = len(self.model.models) if hasattr(self.model, "models") else 1
        per_pass = -(-length // stride) if self.split else 1
        return max(1, runs * max(1, self.shifts) * per_pass)

    @torch.inference_mode()
    def _separate_stereo(self, stereo: np.ndarray, progress: Progress | None) -> dict[str, np.ndarray]:
        from demucs.apply import apply_model

        wav = torch.from_numpy(np.ascontiguousarray(stereo, dtype=np.float32))
        ref = wav.mean(0)
        mean, std = float(ref.mean()), float(ref.std()) if ref.numel() > 1 else 0.0
        scale = std if std > 1e-8 else 1.0
        wav = (wav - mean) / scale
        total, done = self._segment_count(wav.shape[-1]), [0]

        def callback(info: dict) -> None:
            if info.get("state") == "end" and progress:
                done[0] += 1
                progress(min(0.99, done[0] / total))

        out = apply_model(self.model, wav[None], shifts=self.shifts, split=self.split,
                          overlap=self.overlap, progress=False, device=self.device,
                          num_workers=self.num_workers, segment=self.segment, callback=callback)[0]
        out = out * scale + mean
        if progress:
            progress(1.0)
        return {name: out[i].cpu().numpy() for i, name in enumerate(self.model.sources)}

    def separate(self, audio: Audio, progress: Callable[[float], None] | None = None) -> Separation:
        stems = run_at_model_rate(audio, int(self.model.samplerate), self._separate_stereo, progress)
        return Separation([Stem(name, value) for name, value in stems.items()], self.label,
                          self.model_id, offline=False)

    def plan_window(self, window_s: float) -> float:
        """Largest window <= ``window_s`` filled by whole ``apply_model`` strides (no wasted compute)."""
        if not self.split:
            return window_s
        rate = int(self.model.samplerate)
        stride = int((1 - self.overlap) * int(rate * (self.segment or _segment_s(self.model))))
        spare = (int(0.5 * rate) if self.shifts else 0) + 2048  # random shift room, resampler rounding
        k = int((window_s * rate + spare) // stride)
        if k < 1:
            return window_s
        return (k * stride - spare) / rate
