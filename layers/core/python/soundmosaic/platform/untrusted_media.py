"""ffmpeg and ffprobe on media that a user sent: which formats, which protocols, how much.

An upload is not trusted. A "song.mp3" can be an HLS playlist or an ffconcat list, and either
makes ffmpeg open other URLs (from inside the account: SSRF) or local files (``/etc/passwd``);
a few kilobytes can claim hours of audio. So every read of user media names:

- the containers it may open (``-format_whitelist``): audio containers only, so no playlist,
  concat list, image sequence, SDP or device demuxer can run, whatever the file is called;
- the protocols it may use (``-protocol_whitelist``): ``file`` for a path, and for a URL only
  the URL's own scheme over TCP (a presigned GET of the project's bucket, built by the caller);
- bounds: the address space of the child process (``run``/``popen``), at most
  ``MAX_DURATION_S`` decoded, and ``implausible`` refuses a file whose size cannot hold the
  duration it claims (a decompression bomb).

ffmpeg detects the container from the bytes, not the name, so an extension that lies changes
nothing: a WAV called ``.mp3`` is read as WAV, a playlist called ``.mp3`` is refused.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# ffmpeg demuxer names (``ffmpeg -demuxers``); "mov" also reads mp4/m4a, "matroska" webm.
ACCEPTED_FORMATS = ("wav", "w64", "aiff", "mp3", "flac", "ogg", "mov", "matroska", "aac", "ac3",
                    "eac3", "caf", "wv", "ape", "asf", "amr", "au")
# The longest audio the platform reads (the long-file path is measured on 2 hours).
MAX_DURATION_S = 4 * 3600
# No real encoding is this small (a FLAC of pure silence is about 155 bytes a second; Opus at
# 6 kbit/s 750): a file under it claims more audio than it can hold.
MIN_BYTES_PER_S = 64
# Address space of one ffmpeg/ffprobe child: decoding audio needs a few hundred MiB.
MEMORY_LIMIT_BYTES = 4 * 1024**3


def input_options(source: str | Path) -> list[str]:
    """The options that go before ``-i source`` (ffmpeg) or before ``source`` (ffprobe)."""
    text = str(source)
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if scheme in ("http", "https"):
        protocols = "https,tls,tcp" if scheme == "https" else "http,tcp"
    elif scheme:
        raise ValueError(f"media is read from a path or an http(s) URL, not {scheme}://")
    else:
        protocols = "file,pipe"
    return ["-protocol_whitelist", protocols, "-format_whitelist", ",".join(ACCEPTED_FORMATS)]


def input_args(source: str | Path) -> list[str]:
    """``input_options`` followed by ``-i source``: an ffmpeg input that opens nothing else."""
    return [*input_options(source), "-i", str(source)]


def implausible(duration_s: float, size_bytes: int | None) -> str | None:
    """Why a file claiming ``duration_s`` seconds in ``size_bytes`` is refused, or None."""
    if size_bytes is not None and size_bytes < duration_s * MIN_BYTES_PER_S:
        return (f"it claims {_clock(duration_s)} of audio in {size_bytes:,} bytes, less than any "
                "real encoding needs (a decompression bomb or a damaged header)")
    if duration_s > MAX_DURATION_S:
        return (f"it claims {_clock(duration_s)} of audio; at most {_clock(MAX_DURATION_S)} is "
                "accepted")
    return None


def run(cmd: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` for ffmpeg/ffprobe on user media, with the child's memory bounded.

    A missing tool raises ``FileNotFoundError``, as running it directly would (the shell says so
    with exit status 127), so it is never mistaken for a bad file."""
    done = subprocess.run(bounded(cmd), check=False, **kwargs)
    if done.returncode == 127:
        raise FileNotFoundError(f"{cmd[0]} is not installed")
    return done


def popen(cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen`` likewise, for streaming decodes."""
    return subprocess.Popen(bounded(cmd), **kwargs)


def bounded(cmd: Sequence[str]) -> list[str]:
    """``cmd`` run by a shell that first limits its address space. A shell rather than
    ``preexec_fn``: handlers run in threads locally, and forking with a Python callback there
    can deadlock."""
    return ["/bin/sh", "-c", f'ulimit -v {MEMORY_LIMIT_BYTES // 1024} && exec "$@"', "sh", *cmd]


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
