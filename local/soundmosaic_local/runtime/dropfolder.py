"""The local drop folder: files put on disk are uploaded to ``drop/<artist>/`` in the uploads
bucket, which raises the same S3 event as an upload from the web app.

``<drop>/song.wav`` belongs to the default local artist; ``<drop>/<artist id>/song.wav`` to that
artist; ``<drop>/writers/<room>/episode.fdx`` to a writers' room (``drop/writers/<room>/``).
A file is taken once its size has stayed the same for one poll (it is not still being
copied in), and after its upload it moves to ``<drop>/.ingested/`` so nothing is lost or read
twice. Files that cannot be uploaded stay where they are and are tried again.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from soundmosaic.library import keys
from soundmosaic.platform import aws
from soundmosaic.platform.auth import check_artist_id

log = logging.getLogger(__name__)


class DropFolder(threading.Thread):
    def __init__(self, folder: Path, bucket: str, default_artist: str, poll_s: float = 1.0) -> None:
        super().__init__(name="soundmosaic-drop-folder", daemon=True)
        self.folder, self.bucket, self.default_artist, self.poll_s = folder, bucket, default_artist, poll_s
        self.done = folder / ".ingested"
        self._sizes: dict[Path, int] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        while not self._stop_event.wait(self.poll_s):
            self.poll()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)

    def poll(self) -> list[str]:
        """Upload every settled file; returns the keys uploaded."""
        uploaded = []
        for path, artist in self._candidates():
            size = path.stat().st_size
            if self._sizes.get(path) != size:
                self._sizes[path] = size  # seen for the first time or still growing
                continue
            # <drop>/writers/<room>/x.fdx belongs to a writers' room (soundmosaic.writers.arrivals).
            key = (f"drop/writers/{artist.removeprefix('writers/')}/{keys.safe_filename(path.name)}"
                   if artist.startswith("writers/") else keys.drop_key(artist, path.name))
            try:
                aws.client("s3").upload_file(str(path), self.bucket, key)
            except Exception:
                log.exception("drop folder: upload of %s failed, will retry", path)
                continue
            self._sizes.pop(path, None)
            self.done.mkdir(parents=True, exist_ok=True)
            owner = artist.replace("/", "-")
            shutil.move(str(path), self.done / f"{time.strftime('%Y%m%dT%H%M%S')}-{owner}-{path.name}")
            uploaded.append(key)
        return uploaded

    def _candidates(self) -> list[tuple[Path, str]]:
        found = []
        for entry in sorted(self.folder.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_file():
                found.append((entry, self.default_artist))
            elif entry.is_dir() and entry.name == "writers":
                for room in sorted(entry.iterdir()):
                    if room.is_dir() and not room.name.startswith("."):
                        found.extend((f, f"writers/{room.name}") for f in sorted(room.iterdir())
                                     if f.is_file() and not f.name.startswith("."))
            elif entry.is_dir():
                try:
                    artist = check_artist_id(entry.name)
                except ValueError:
                    continue
                found.extend((f, artist) for f in sorted(entry.iterdir())
                             if f.is_file() and not f.name.startswith("."))
        return found
