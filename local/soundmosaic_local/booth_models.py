"""Installs the booth's MediaPipe models: downloads the mediapipe 0.10.21 wheel with pip (no
dependencies, never installed) and copies the three ``.tflite`` files out of it, checked by
sha256 (``soundmosaic.booth.vision.install_models``). ``make booth-models`` and the booth tests
run it; the booth container does the same at build time (containers/booth/Dockerfile).

Environment variables
---------------------
SOUNDMOSAIC_BOOTH_MODELS
    Where the models go (see ``soundmosaic.booth.vision.models_dir``).
SOUNDMOSAIC_MEDIAPIPE_WHEEL
    A wheel already downloaded (offline machines); else pip downloads it into the models folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from soundmosaic.booth.vision import MODELS, WHEEL, ModelsMissing, install_models, models_dir


def installed() -> bool:
    try:
        from soundmosaic.booth.vision import _model_bytes

        for name in MODELS:
            _model_bytes(name)
    except ModelsMissing:
        return False
    return True


def ensure() -> Path:
    """The models folder, with the models in it (downloading the wheel once if needed)."""
    if installed():
        return models_dir()
    wheel = os.environ.get("SOUNDMOSAIC_MEDIAPIPE_WHEEL")
    if not wheel:
        cache = models_dir() / "wheel"
        found = sorted(cache.glob("mediapipe-0.10.21-*.whl"))
        if not found:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--python-version",
                    "3.11",
                    "-d",
                    str(cache),
                    WHEEL,
                ],
                check=True,
            )
            found = sorted(cache.glob("mediapipe-0.10.21-*.whl"))
        wheel = str(found[0])
    return install_models(Path(wheel))


if __name__ == "__main__":
    print(ensure())
