"""A write-ahead journal: numbered, checksummed records in append-only segment files.

The local runtime journals every S3 and DynamoDB write that moto acknowledged, and fsyncs it
before the reply leaves the moto server (``persistence.DirtyTracker``); a restart replays the
records a snapshot does not cover yet (``persistence.Snapshotter``). This module knows nothing of
HTTP or moto: a record is a log sequence number (LSN) and opaque bytes.

Files
-----
``<folder>/<first LSN, 20 digits>.wal``, each starting with ``MAGIC``, then records::

    lsn: u64 LE | length: u64 LE | crc32(lsn bytes + payload): u32 LE | payload (length bytes)

LSNs go up by one from record to record and from segment to segment. A record is only ever
appended whole with one ``write``; a crash can leave the last record of the last segment torn
(short, or with a checksum that does not match). Reading stops at the first record that is not
whole and valid, and ``recover`` cuts the file there, so a torn record is never replayed and
never followed by good ones.

Group commit: ``append`` writes without syncing and returns the record's LSN; ``sync(lsn)``
returns once that LSN is on disk. Concurrent callers share one ``fdatasync``: whoever syncs
covers every record written before it.

Compaction: ``rotate`` closes the current segment (synced) and starts the next one; once a
snapshot covering LSN ``n`` is safely on disk, ``drop_through(n)`` deletes the segments whose
records are all ``<= n``.
"""

from __future__ import annotations

import itertools
import logging
import os
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

MAGIC = b"SMWAL001"
_HEAD = struct.Struct("<QQI")  # lsn, payload length, crc32
SUFFIX = ".wal"


def _crc(lsn: int, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(struct.pack("<Q", lsn)))


def encode(lsn: int, payload: bytes) -> bytes:
    return _HEAD.pack(lsn, len(payload), _crc(lsn, payload)) + payload


def _datasync(fd: int) -> None:
    # fdatasync is enough for appends on Linux (the size is flushed with the data); elsewhere
    # (macOS) only fsync exists.
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def _sync_folder(folder: Path) -> None:
    """Make a file's creation, rename or removal in ``folder`` durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory
    finally:
        os.close(fd)


def read_segment(handle: BinaryIO, expect_lsn: int | None = None) -> Iterator[tuple[int, int, bytes]]:
    """(offset after the record, lsn, payload) of each whole, valid record, in order.

    Stops at the end, or at the first record that is short, fails its checksum, or breaks the
    LSN sequence (``expect_lsn`` is the LSN the first record must have, if known).
    """
    if handle.read(len(MAGIC)) != MAGIC:
        return
    offset = len(MAGIC)
    while True:
        head = handle.read(_HEAD.size)
        if len(head) < _HEAD.size:
            return
        lsn, length, crc = _HEAD.unpack(head)
        if expect_lsn is not None and lsn != expect_lsn:
            return
        payload = handle.read(length)
        if len(payload) < length or _crc(lsn, payload) != crc:
            return
        offset += _HEAD.size + length
        expect_lsn = lsn + 1
        yield offset, lsn, payload


class Journal:
    """Append, sync, recover and compact one journal folder. Thread-safe."""

    def __init__(self, folder: Path, fsync: bool = True) -> None:
        self.folder = folder
        self.fsync = fsync
        self._append_lock = threading.Lock()  # record order and the segment being written
        self._sync_lock = threading.Lock()  # one fdatasync at a time
        self._handle: BinaryIO | None = None
        self._segment: Path | None = None
        self.last_lsn = 0  # last record written (whole) or recovered
        self.durable_lsn = 0  # every record up to here is on disk

    # -- segments -----------------------------------------------------------------------------

    def segments(self) -> list[tuple[int, Path]]:
        """(first LSN, path) of every segment, oldest first."""
        found = []
        for path in self.folder.glob(f"*{SUFFIX}") if self.folder.exists() else ():
            try:
                found.append((int(path.stem), path))
            except ValueError:
                continue
        return sorted(found)

    # -- recovery -----------------------------------------------------------------------------

    def recover(self, after: int = 0) -> Iterator[tuple[int, bytes]]:
        """Yield (lsn, payload) of every valid record with ``lsn > after``, in order.

        Segments are checked whole as they are read: a torn tail is cut off the file (the write
        it held was never acknowledged), and ``last_lsn`` ends as the last valid record's LSN.
        Call before ``open``.
        """
        assert self._handle is None, "recover before open"
        expect: int | None = None
        for first, path in self.segments():
            if expect is not None and first != expect:
                log.error("journal: segment %s starts at LSN %d, expected %d: records are missing; "
                          "ignoring it and the segments after it", path.name, first, expect)
                return
            if expect is None and first > after + 1:
                log.error("journal: the snapshot covers LSN %d but the journal starts at %d: records "
                          "are missing; replaying what is there", after, first)
            good = len(MAGIC)
            count = 0
            with open(path, "rb") as handle:
                for end, lsn, payload in read_segment(handle, first):
                    good = end
                    count += 1
                    if lsn > after:
                        yield lsn, payload
                size = handle.seek(0, os.SEEK_END)
            if size != good:
                log.warning("journal: %s has %d bytes of torn or invalid tail after %d records; "
                            "cutting them", path.name, size - good, count)
                with open(path, "r+b") as handle:
                    if size < len(MAGIC) or count == 0:
                        handle.seek(0)
                        handle.write(MAGIC)  # torn inside its magic, or no whole record: empty
                    handle.truncate(good)
                    handle.flush()
                    os.fsync(handle.fileno())
            expect = first + count
            self.last_lsn = max(self.last_lsn, expect - 1)
        self.durable_lsn = self.last_lsn

    # -- writing ------------------------------------------------------------------------------

    def open(self, after: int = 0) -> None:
        """Start a new segment for appending; its first record follows ``after`` and ``last_lsn``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._append_lock, self._sync_lock:
            self.last_lsn = self.durable_lsn = max(self.last_lsn, after)
            keep = self.folder / f"{self.last_lsn + 1:020d}{SUFFIX}"
            for _, path in self.segments():  # empty leftovers would break the LSN sequence
                if path != keep and path.stat().st_size <= len(MAGIC):
                    path.unlink()
            self._start_segment()

    def _start_segment(self) -> None:
        path = self.folder / f"{self.last_lsn + 1:020d}{SUFFIX}"
        handle = open(path, "ab")  # noqa: SIM115 - kept open for appending
        if handle.tell() == 0:
            handle.write(MAGIC)
            handle.flush()
        if self.fsync:
            os.fsync(handle.fileno())
            _sync_folder(self.folder)
        self._handle, self._segment = handle, path

    def append(self, payload: bytes) -> int:
        """Write one record (not yet synced); returns its LSN."""
        with self._append_lock:
            assert self._handle is not None, "journal not open"
            lsn = self.last_lsn + 1
            # One write of the whole record: buffered writes could split it, which is harmless
            # (a torn tail), but a single write keeps records whole in the page cache.
            self._handle.write(encode(lsn, payload))
            self._handle.flush()
            self.last_lsn = lsn
            return lsn

    def sync(self, lsn: int | None = None) -> None:
        """Return once every record up to ``lsn`` (default: the last written) is on disk."""
        target = self.last_lsn if lsn is None else lsn
        if self.durable_lsn >= target:
            return
        with self._sync_lock:
            if self.durable_lsn >= target or self._handle is None:
                return
            written = self.last_lsn  # everything written so far goes down with this sync
            if self.fsync:
                _datasync(self._handle.fileno())
            self.durable_lsn = max(self.durable_lsn, written)

    def rotate(self) -> int:
        """Sync and close the current segment, start the next; returns the last LSN written.

        Call with appends held off (the caller's lock) when the LSN must match a state cut.
        """
        with self._append_lock, self._sync_lock:
            assert self._handle is not None, "journal not open"
            last = self.last_lsn
            if self._handle.tell() > len(MAGIC):  # an empty segment is reused
                if self.fsync:
                    _datasync(self._handle.fileno())
                self.durable_lsn = last
                self._handle.close()
                self._start_segment()
            return last

    def drop_through(self, lsn: int) -> int:
        """Delete the segments whose records are all ``<= lsn``; returns how many."""
        segments = self.segments()
        dropped = 0
        for (_, path), (next_first, _) in itertools.pairwise(segments):
            if next_first > lsn + 1 or path == self._segment:
                break
            path.unlink(missing_ok=True)
            dropped += 1
        if dropped and self.fsync:
            _sync_folder(self.folder)
        return dropped

    def size_bytes(self) -> int:
        return sum(path.stat().st_size for _, path in self.segments())

    def close(self) -> None:
        with self._append_lock, self._sync_lock:
            if self._handle is not None:
                if self.fsync:
                    _datasync(self._handle.fileno())
                self.durable_lsn = self.last_lsn
                self._handle.close()
                self._handle = None
