"""Read a TensorFlow (v1/v2 "tensor bundle") checkpoint without TensorFlow.

A checkpoint ``<prefix>`` is two files:

- ``<prefix>.index``: an immutable sorted table in the LevelDB SSTable layout. Every key is a
  variable name; every value is a serialised ``BundleEntryProto`` (dtype, shape, shard id,
  byte offset and size in the data shard). The empty key holds a ``BundleHeaderProto``.
- ``<prefix>.data-00000-of-0000N``: the raw little-endian tensor bytes, back to back.

The protobuf messages are tiny and stable, so they are decoded by hand (varints and
length-delimited fields); no generated code and no ``tensorflow`` import are needed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5  # 1 byte compression type + 4 bytes crc32c

# tensorflow/core/framework/types.proto (the subset a model checkpoint can hold)
_DTYPES: dict[int, str] = {
    1: "<f4", 2: "<f8", 3: "<i4", 4: "u1", 5: "<i2", 6: "i1", 9: "<i8", 10: "?", 14: "<u2",
    17: "<u2", 19: "<f2", 22: "<u4", 23: "<u8",
}


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: str  # numpy dtype string, e.g. "<f4"
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise CheckpointError("malformed varint")


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """Decode one protobuf message into (field number, int value or raw bytes) pairs."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value = struct.unpack_from("<Q", buf, pos)[0]
            pos += 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value = buf[pos:pos + length]
            pos += length
        elif wire == 5:
            value = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        else:
            raise CheckpointError(f"unsupported protobuf wire type {wire}")
        out.append((number, value))
    return out


def _shape(buf: bytes) -> tuple[int, ...]:
    dims: list[int] = []
    for number, value in _fields(buf):
        if number == 2:  # repeated Dim dim
            assert isinstance(value, bytes)
            size = 0
            for dim_number, dim_value in _fields(value):
                if dim_number == 1:
                    assert isinstance(dim_value, int)
                    size = dim_value
            dims.append(size)
        elif number == 3 and value:
            raise CheckpointError("tensor of unknown rank")
    return tuple(dims)


def _entry(name: str, buf: bytes) -> TensorEntry:
    dtype_code, shard, offset, size = 1, 0, 0, 0
    shape: tuple[int, ...] = ()
    for number, value in _fields(buf):
        if number == 1:
            assert isinstance(value, int)
            dtype_code = value
        elif number == 2:
            assert isinstance(value, bytes)
            shape = _shape(value)
        elif number == 3:
            assert isinstance(value, int)
            shard = value
        elif number == 4:
            assert isinstance(value, int)
            offset = value
        elif number == 5:
            assert isinstance(value, int)
            size = value
        elif number == 7:
            raise CheckpointError(f"{name}: partitioned (sliced) variables are not supported")
    if dtype_code not in _DTYPES:
        raise CheckpointError(f"{name}: unsupported dtype code {dtype_code}")
    return TensorEntry(name, _DTYPES[dtype_code], shape, shard, offset, size)


def _block(data: bytes, offset: int, size: int) -> bytes:
    if offset + size + BLOCK_TRAILER_SIZE > len(data):
        raise CheckpointError("block handle points past the end of the index file")
    if data[offset + size] != 0:
        raise CheckpointError("compressed index blocks are not supported")
    return data[offset:offset + size]


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    """Entries of one table block: prefix-compressed keys, then the restart array."""
    if len(block) < 4:
        raise CheckpointError("truncated block")
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    limit = len(block) - 4 - 4 * num_restarts
    entries: list[tuple[bytes, bytes]] = []
    key = b""
    pos = 0
    while pos < limit:
        shared, pos = _varint(block, pos)
        non_shared, pos = _varint(block, pos)
        value_len, pos = _varint(block, pos)
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        entries.append((key, block[pos:pos + value_len]))
        pos += value_len
    return entries


def read_index(index_path: str | Path) -> tuple[int, dict[str, TensorEntry]]:
    """Parse ``<prefix>.index``: (number of data shards, variable name -> entry)."""
    data = Path(index_path).read_bytes()
    if len(data) < FOOTER_SIZE:
        raise CheckpointError(f"{index_path} is too small to be a checkpoint index")
    footer = data[-FOOTER_SIZE:]
    if struct.unpack_from("<Q", footer, FOOTER_SIZE - 8)[0] != TABLE_MAGIC:
        raise CheckpointError(f"{index_path} is not a TensorFlow checkpoint index (bad magic)")
    pos = 0
    _meta_offset, pos = _varint(footer, pos)
    _meta_size, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, pos = _varint(footer, pos)
    num_shards = 1
    entries: dict[str, TensorEntry] = {}
    for _last_key, handle in _block_entries(_block(data, index_offset, index_size)):
        block_offset, hpos = _varint(handle, 0)
        block_size, _ = _varint(handle, hpos)
        for key, value in _block_entries(_block(data, block_offset, block_size)):
            if key == b"":  # BundleHeaderProto
                for number, field in _fields(value):
                    if number == 1:
                        assert isinstance(field, int)
                        num_shards = field
                    elif number == 2 and field:
                        raise CheckpointError("big-endian checkpoints are not supported")
                continue
            name = key.decode()
            entries[name] = _entry(name, value)
    return num_shards, entries


class Checkpoint:
    """Variables of a checkpoint ``prefix`` (``/dir/model`` for ``/dir/model.index``)."""

    def __init__(self, prefix: str | Path) -> None:
        self.prefix = Path(prefix)
        index = self.prefix.with_name(self.prefix.name + ".index")
        if not index.is_file():
            raise CheckpointError(f"no checkpoint index at {index}")
        self.num_shards, self.entries = read_index(index)

    def shard_path(self, shard_id: int) -> Path:
        return self.prefix.with_name(
            f"{self.prefix.name}.data-{shard_id:05d}-of-{self.num_shards:05d}")

    def names(self) -> list[str]:
        return sorted(self.entries)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {name: entry.shape for name, entry in sorted(self.entries.items())}

    def read(self, name: str) -> np.ndarray:
        entry = self.entries[name]
        dtype = np.dtype(entry.dtype)
        count = int(np.prod(entry.shape, dtype=np.int64))
        if count * dtype.itemsize != entry.size:
            raise CheckpointError(f"{name}: {entry.size} bytes do not hold {entry.shape} of {dtype}")
        with open(self.shard_path(entry.shard_id), "rb") as shard:
            shard.seek(entry.offset)
            raw = shard.read(entry.size)
        if len(raw) != entry.size:
            raise CheckpointError(f"{name}: data shard is truncated")
        return np.frombuffer(raw, dtype=dtype).reshape(entry.shape).copy()
