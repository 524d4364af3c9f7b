"""Bake model weights into the audio worker image at build time (never at run time).

Usage::

    python fetch_models.py demucs --dest /opt/models/demucs htdemucs htdemucs_ft htdemucs_6s
    python fetch_models.py whisper --dest /opt/models/whisper/large-v3 large-v3

Demucs: every weight file a model (or bag of models) needs is downloaded from the official
location that the installed demucs package lists (``demucs/remote/files.txt``, under
``https://dl.fbaipublicfiles.com/demucs/``), checked against the checksum in its name (the
first hex digits of its sha256, as demucs checks it), and stored with the bag's ``.yaml`` in
``--dest``: the layout of a demucs local repository, which
``soundmosaic.audio.separate.demucs_engine`` (``$SOUNDMOSAIC_DEMUCS_MODELS``) and
``demucs.pretrained.get_model(name, repo=dest)`` load. Each model is then loaded once with
demucs' own loader to prove the files are whole.

Whisper: a faster-whisper (CTranslate2) model, by size name (``large-v3``, ``distil-large-v3``,
...) or Hugging Face repository id, downloaded with ``faster_whisper.download_model`` into
``--dest`` (the directory ``$SOUNDMOSAIC_WHISPER_MODEL`` points at; its name is the label the
lyrics report) and checked for the files CTranslate2 needs.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

DEMUCS_ROOT_URL = "https://dl.fbaipublicfiles.com/demucs/"
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")

Downloader = Callable[[str, Path], None]


# -- demucs ----------------------------------------------------------------------------------

def parse_remote_files(text: str, root_url: str = DEMUCS_ROOT_URL) -> dict[str, str]:
    """Signature -> URL, from demucs' ``remote/files.txt`` (``root:`` lines set the folder)."""
    root, urls = "", {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("root:"):
            root = line.split(":", 1)[1].strip()
            continue
        signature = line.split("-", 1)[0]
        if signature in urls:
            raise ValueError(f"signature {signature} is listed twice")
        urls[signature] = root_url + root + line
    return urls


def bag_signatures(yaml_text: str) -> list[str]:
    """The model signatures a bag ``.yaml`` names (``models: ['955717e8']``)."""
    import yaml

    bag = yaml.safe_load(yaml_text) or {}
    models = bag.get("models")
    if not isinstance(models, list) or not models:
        raise ValueError("a demucs bag file must list its models")
    return [str(m) for m in models]


def remote_dir() -> Path:
    """``remote/`` of the installed demucs package: files.txt and the bag definitions."""
    from demucs import pretrained

    return Path(pretrained.REMOTE_ROOT)


def plan_demucs(names: Iterable[str], remote: Path) -> dict[str, list[str]]:
    """Bag name -> the URLs of its weight files."""
    urls = parse_remote_files((remote / "files.txt").read_text())
    plan = {}
    for name in names:
        bag = remote / f"{name}.yaml"
        if not bag.is_file():
            known = sorted(p.stem for p in remote.glob("*.yaml"))
            raise ValueError(f"unknown demucs model {name!r}; known: {known}")
        missing = [s for s in bag_signatures(bag.read_text()) if s not in urls]
        if missing:
            raise ValueError(f"{name}: no download location for {missing} in files.txt")
        plan[name] = [urls[s] for s in bag_signatures(bag.read_text())]
    return plan


def check_checksum(path: Path) -> None:
    """``<signature>-<checksum>.th``: the file's sha256 must start with ``checksum``."""
    stem = path.stem
    if "-" not in stem:
        raise ValueError(f"{path.name}: no checksum in the file name")
    expected = stem.rsplit("-", 1)[1].lower()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    actual = digest.hexdigest()[:len(expected)]
    if actual != expected:
        raise ValueError(f"{path.name}: checksum mismatch (sha256 starts {actual}, expected {expected})")


def download(url: str, target: Path) -> None:
    """HTTPS only; written beside the target and renamed, so a failed build leaves no half file."""
    if not url.startswith("https://"):
        raise ValueError(f"refusing a non-HTTPS model URL: {url}")
    partial = target.with_name(target.name + ".part")
    with urllib.request.urlopen(url, timeout=300) as reply, partial.open("wb") as out:  # noqa: S310
        shutil.copyfileobj(reply, out, 1 << 20)
    partial.replace(target)


def fetch_demucs(names: Sequence[str], dest: Path, remote: Path | None = None,
                 downloader: Downloader = download, verify: bool = True) -> list[Path]:
    """Download and check the weights of ``names`` into ``dest``; returns the files written."""
    remote = remote or remote_dir()
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, urls in plan_demucs(names, remote).items():
        for url in urls:
            target = dest / url.rsplit("/", 1)[1]
            if not target.is_file():
                print(f"demucs {name}: {url}", flush=True)
                downloader(url, target)
            check_checksum(target)
            written.append(target)
        bag = dest / f"{name}.yaml"
        shutil.copyfile(remote / f"{name}.yaml", bag)
        written.append(bag)
    if verify:
        verify_demucs(names, dest)
    return written


def verify_demucs(names: Iterable[str], dest: Path) -> None:
    """Load every model from ``dest`` with demucs' own loader (CPU)."""
    from demucs.pretrained import get_model

    for name in names:
        model = get_model(name, repo=dest)
        print(f"demucs {name}: loads, sources {list(model.sources)}", flush=True)


# -- whisper ---------------------------------------------------------------------------------

def check_whisper(directory: Path) -> None:
    missing = [f for f in WHISPER_FILES if not (directory / f).is_file()]
    if missing:
        raise ValueError(f"{directory} is not a CTranslate2 Whisper model: missing {missing}")


def fetch_whisper(name: str, dest: Path, revision: str | None = None,
                  download_model: Callable[..., str] | None = None) -> Path:
    """Download a faster-whisper model into ``dest`` (replaced if present) and check it."""
    if download_model is None:
        from faster_whisper import download_model as fw_download

        download_model = fw_download
    target = dest
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".whisper-") as tmp:
        staging = Path(tmp) / "model"
        download_model(name, output_dir=str(staging), revision=revision)
        check_whisper(staging)
        shutil.rmtree(staging / ".cache", ignore_errors=True)  # huggingface_hub bookkeeping
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    print(f"whisper {name}: {target}", flush=True)
    return target


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="bake model weights into the image")
    sub = parser.add_subparsers(dest="kind", required=True)
    demucs = sub.add_parser("demucs")
    demucs.add_argument("--dest", type=Path, required=True)
    demucs.add_argument("--no-verify", action="store_true")
    demucs.add_argument("names", nargs="+")
    whisper = sub.add_parser("whisper")
    whisper.add_argument("--dest", type=Path, required=True)
    whisper.add_argument("--revision")
    whisper.add_argument("name")
    args = parser.parse_args(argv)
    if args.kind == "demucs":
        fetch_demucs(args.names, args.dest, verify=not args.no_verify)
    else:
        fetch_whisper(args.name, args.dest, revision=args.revision)


if __name__ == "__main__":
    try:
        main()
    except ValueError as err:
        sys.exit(f"fetch_models: {err}")
