"""Hostile media for tests: a listener that counts connections, playlists, a decompression bomb."""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path


class Listener:
    """A TCP listener on localhost that counts the connections it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def playlist(path: Path, port: int) -> Path:
    path.write_text("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n"
                    f"http://127.0.0.1:{port}/segment0.ts\n#EXT-X-ENDLIST\n")
    return path


def bomb(path: Path, claimed_s: int) -> Path:
    """A one-second FLAC whose STREAMINFO claims ``claimed_s`` seconds (about 20 KB in all)."""
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=1:sample_rate=44100",
                    "-c:a", "flac", "-y", str(path)], check=True, timeout=60)
    data = bytearray(path.read_bytes())
    info = 8 + 10  # "fLaC", the block header, then rate/channels/bits/total samples in 8 bytes
    packed = int.from_bytes(data[info:info + 8], "big")
    packed = (packed & ~((1 << 36) - 1)) | claimed_s * 44100
    data[info:info + 8] = packed.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path
