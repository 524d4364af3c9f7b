"""Audio validation with ffprobe and a short decode: the facts of an upload, or why it is bad.

ffprobe reads only what it needs, so it is given a URL (a presigned GET) rather than a
downloaded copy: a 2 GB upload costs a few range requests, not 2 GB of Lambda disk.
A file can have a valid header and garbage after it, so the first seconds are decoded too.
Both read it through ``platform.untrusted_media``: audio containers only, no other URL or file
opened, bounded memory, and a duration the file's size can really hold.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass

from soundmosaic.platform import untrusted_media

PROBE_TIMEOUT_S = 120
DECODE_CHECK_S = 10


class InvalidAudio(ValueError):
    """The upload is not usable audio; the message is shown to the user as is."""


@dataclass(frozen=True)
class AudioFacts:
    duration_s: float
    sample_rate: int
    channels: int
    codec: str
    container: str
    bit_rate: int | None
    title: str | None
    artist: str | None
    album: str | None
    has_video: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def probe(source: str) -> AudioFacts:
    """Facts of the audio at ``source`` (a path or URL), or ``InvalidAudio`` with the reason."""
    info = _ffprobe(source)
    streams = info.get("streams", [])
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not audio:
        kinds = sorted({s.get("codec_type", "unknown") for s in streams}) or ["no streams"]
        raise InvalidAudio(f"no audio stream found (the file holds: {', '.join(kinds)})")
    stream = audio[0]
    fmt = info.get("format", {})
    duration = _float(stream.get("duration")) or _float(fmt.get("duration"))
    if not duration or duration <= 0:
        raise InvalidAudio("the audio stream has no duration (empty or truncated file)")
    size = int(fmt["size"]) if str(fmt.get("size", "")).isdigit() else None
    refused = untrusted_media.implausible(duration, size)
    if refused:
        raise InvalidAudio(f"not accepted: {refused}")
    sample_rate = int(stream.get("sample_rate") or 0)
    channels = int(stream.get("channels") or 0)
    if sample_rate <= 0 or channels <= 0:
        raise InvalidAudio("the audio stream reports no sample rate or channels")
    _decode_check(source)
    tags = {k.lower(): v for k, v in (fmt.get("tags") or {}).items()}
    tags.update({k.lower(): v for k, v in (stream.get("tags") or {}).items()})
    is_video = any(
        s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        for s in streams
    )
    return AudioFacts(
        duration_s=round(duration, 3),
        sample_rate=sample_rate,
        channels=channels,
        codec=str(stream.get("codec_name", "unknown")),
        container=str(fmt.get("format_name", "unknown")),
        bit_rate=int(fmt["bit_rate"]) if str(fmt.get("bit_rate", "")).isdigit() else None,
        title=tags.get("title"),
        artist=tags.get("artist"),
        album=tags.get("album"),
        has_video=is_video,
    )


def _ffprobe(source: str) -> dict:
    cmd = ["ffprobe", "-v", "error", *untrusted_media.input_options(source), "-print_format", "json",
           "-show_format", "-show_streams", source]
    try:
        done = untrusted_media.run(cmd, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    except FileNotFoundError as err:
        raise RuntimeError("ffprobe is not installed (apt-get install ffmpeg)") from err
    except subprocess.TimeoutExpired as err:
        raise InvalidAudio(f"ffprobe gave up after {PROBE_TIMEOUT_S} s reading the file") from err
    if "not on whitelist" in done.stderr:
        raise InvalidAudio("not an audio file the library accepts (a playlist, a concat list or "
                           f"another container than {', '.join(untrusted_media.ACCEPTED_FORMATS)})")
    if done.returncode != 0:
        reason = _first_line(done.stderr) or "unknown format"
        raise InvalidAudio(f"not a readable audio file: {reason}")
    try:
        return json.loads(done.stdout or "{}")
    except json.JSONDecodeError as err:
        raise InvalidAudio("not a readable audio file: ffprobe returned no facts") from err


def _decode_check(source: str) -> None:
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-xerror", "-t", str(DECODE_CHECK_S),
           *untrusted_media.input_args(source), "-map", "0:a:0", "-f", "null", "-"]
    try:
        done = untrusted_media.run(cmd, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired as err:
        raise InvalidAudio(f"decoding its first {DECODE_CHECK_S} s took over {PROBE_TIMEOUT_S} s") from err
    if done.returncode != 0:
        raise InvalidAudio(f"the audio does not decode: {_first_line(done.stderr) or 'corrupt data'}")


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            # ffprobe prefixes the source; a presigned URL is long and carries a signature.
            return line.split(": ", 1)[-1][:300] if "http" in line else line[:300]
    return ""


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
