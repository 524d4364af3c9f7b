"""Download a static ffmpeg release tarball, verify its published MD5, install ffmpeg/ffprobe.

Usage: python fetch_ffmpeg.py URL DEST_DIR

The MD5 is read from ``URL.md5`` (johnvansickle.com publishes one beside every tarball). Only
the standard library is used: the Lambda base image has no curl or xz tools to rely on.
"""

from __future__ import annotations

import hashlib
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

WANTED = ("ffmpeg", "ffprobe")


def install(archive: Path, expected_md5: str, dest: Path) -> list[Path]:
    """Check ``archive`` against ``expected_md5`` and copy the wanted binaries into ``dest``."""
    actual = hashlib.md5(archive.read_bytes()).hexdigest()  # noqa: S324 (the published checksum)
    if actual != expected_md5.strip().lower():
        raise ValueError(f"ffmpeg archive checksum mismatch: {actual} != {expected_md5}")
    dest.mkdir(parents=True, exist_ok=True)
    installed = []
    with tarfile.open(archive, "r:*") as tar:
        members = {Path(m.name).name: m for m in tar.getmembers()
                   if m.isfile() and Path(m.name).name in WANTED}
        missing = set(WANTED) - set(members)
        if missing:
            raise ValueError(f"ffmpeg archive lacks {sorted(missing)}")
        for name in WANTED:
            source = tar.extractfile(members[name])
            assert source is not None
            out = dest / name  # only the base name: nothing outside dest is written
            out.write_bytes(source.read())
            out.chmod(0o755)
            installed.append(out)
    return installed


def fetch(url: str, dest: Path) -> list[Path]:
    if not url.startswith("https://"):
        raise ValueError(f"refusing a non-HTTPS ffmpeg URL: {url}")
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "ffmpeg.tar.xz"
        urllib.request.urlretrieve(url, archive)  # noqa: S310 (https checked above)
        with urllib.request.urlopen(url + ".md5") as reply:  # noqa: S310
            expected = reply.read().decode().split()[0]
        return install(archive, expected, dest)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    for path in fetch(sys.argv[1], Path(sys.argv[2])):
        print(f"installed {path}")
