"""Hostile uploads against the real ffprobe/ffmpeg: playlists that fetch URLs, concat lists that
read local files, decompression bombs and lying extensions (``platform.untrusted_media``).

What was tried: an HLS playlist called ``song.mp3`` served over HTTP (as a presigned GET is)
whose segment points at a listener on localhost; the same file probed from disk; an ffconcat
list called ``song.wav`` naming ``/etc/passwd``; a 20 KB FLAC whose header claims three hours; a WAV
called ``.mp3`` and an MP3 called ``.wav``; the streaming decoder and the fingerprint excerpt on
the playlist. The listener must receive nothing, and nothing of ``/etc/passwd`` may come back.
"""

from __future__ import annotations

import functools
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from soundmosaic.audio.signal import DecodeError, decode
from soundmosaic.catalog.fingerprint import FingerprintError
from soundmosaic.generation.references import decode_excerpt
from soundmosaic.library.probe import InvalidAudio, probe
from soundmosaic.platform import untrusted_media

from tests.audio import tone
from tests.hostile import Listener, bomb, playlist


@pytest.fixture
def listener() -> Iterator[Listener]:
    target = Listener()
    yield target
    target.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """Base URL of an HTTP server over ``tmp_path`` (the way ffmpeg reads a presigned GET)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_an_hls_playlist_served_like_a_presigned_get_fetches_nothing(
        tmp_path: Path, served: str, listener: Listener) -> None:
    playlist(tmp_path / "song.mp3", listener.port)
    url = f"{served}/song.mp3?X-Amz-Signature=abc"
    with pytest.raises(InvalidAudio, match="not an audio file the library accepts"):
        probe(url)
    with pytest.raises(DecodeError):
        decode(url)
    with pytest.raises(FingerprintError):
        decode_excerpt(url, tmp_path / "excerpt.wav", "song.mp3")
    assert listener.connections == 0


def test_without_the_allowlist_the_same_playlist_would_have_fetched(
        tmp_path: Path, served: str, listener: Listener) -> None:
    # The control: plain ffprobe on the same URL connects to the listener. If this stops
    # happening, the test above proves nothing and must be rethought.
    playlist(tmp_path / "song.mp3", listener.port)
    subprocess.run(["ffprobe", "-v", "error", "-rw_timeout", "2000000", f"{served}/song.mp3"],
                   capture_output=True, timeout=60, check=False)
    assert listener.connections >= 1


def test_a_playlist_on_disk_is_refused(tmp_path: Path, listener: Listener) -> None:
    with pytest.raises(InvalidAudio, match="a playlist, a concat list"):
        probe(str(playlist(tmp_path / "song.m3u8", listener.port)))
    assert listener.connections == 0


def test_a_concat_list_naming_etc_passwd_reads_nothing(tmp_path: Path) -> None:
    concat = tmp_path / "song.wav"
    concat.write_text("ffconcat version 1.0\nfile '/etc/passwd'\n")
    with pytest.raises(InvalidAudio) as refused:
        probe(str(concat))
    assert "root:" not in str(refused.value)
    with pytest.raises(DecodeError) as failed:
        decode(concat)
    assert "root:" not in str(failed.value)


def test_a_tiny_file_claiming_hours_is_refused_before_decoding(tmp_path: Path) -> None:
    with pytest.raises(InvalidAudio, match=r"claims 3:00:00 of audio in [\d,]+ bytes.*decompression bomb"):
        probe(str(bomb(tmp_path / "bomb.flac", claimed_s=3 * 3600)))


def test_duration_and_size_bounds() -> None:
    assert untrusted_media.implausible(180.0, 3_000_000) is None  # a 3-minute MP3
    assert untrusted_media.implausible(3600.0, 557_376) is None  # an hour of silence as FLAC
    assert "at most 4:00:00" in (untrusted_media.implausible(5 * 3600.0, 10**9) or "")
    assert "decompression bomb" in (untrusted_media.implausible(36000.0, 20_000) or "")


def test_an_extension_that_lies_changes_nothing(tmp_path: Path) -> None:
    wav = tone(tmp_path / "real.wav")
    disguised = tmp_path / "song.mp3"
    disguised.write_bytes(wav.read_bytes())
    facts = probe(str(disguised))
    assert facts.container == "wav" and facts.codec.startswith("pcm_")
    mp3 = tone(tmp_path / "real.mp3")
    named_wav = tmp_path / "song.wav"
    named_wav.write_bytes(mp3.read_bytes())
    assert probe(str(named_wav)).codec == "mp3"


def test_only_paths_and_http_urls_are_read() -> None:
    assert untrusted_media.input_options("/tmp/a.wav")[:2] == ["-protocol_whitelist", "file,pipe"]
    assert untrusted_media.input_options("https://bucket.s3.amazonaws.com/a?sig")[:2] == [
        "-protocol_whitelist", "https,tls,tcp"]
    with pytest.raises(ValueError, match="not ftp://"):
        untrusted_media.input_options("ftp://example.com/a.wav")


def test_the_child_runs_with_bounded_memory() -> None:
    limit = "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])"
    done = untrusted_media.run(["python3", "-c", limit], capture_output=True, text=True)
    assert int(done.stdout) == untrusted_media.MEMORY_LIMIT_BYTES


def test_a_missing_tool_is_not_taken_for_a_bad_file() -> None:
    with pytest.raises(FileNotFoundError, match="no-such-ffprobe"):
        untrusted_media.run(["no-such-ffprobe", "-v", "error"], capture_output=True)
