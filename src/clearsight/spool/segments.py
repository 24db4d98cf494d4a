"""Append-only segment files of length- and CRC-framed records.

A record on disk is ``<u32 length><u32 crc32><payload>``. A crash can leave a
torn record at the tail of the newest segment; recovery detects it by length
or CRC and truncates it away, so appends never follow garbage.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_HEADER = struct.Struct("<II")
_SUFFIX = ".seg"


@dataclass(frozen=True, order=True)
class Position:
    """Where a record ends: everything up to here is on disk."""

    segment: int
    offset: int


def _segment_name(number: int) -> str:
    return f"{number:012d}{_SUFFIX}"


def _read_records(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield (end offset, payload) for each intact record; stop at the first torn one."""
    data = path.read_bytes()
    offset = 0
    while offset + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, offset)
        start = offset + _HEADER.size
        payload = data[start : start + length]
        if len(payload) != length or zlib.crc32(payload) != crc:
            return
        offset = start + length
        yield offset, payload


class SegmentLog:
    """The segment files in one directory. Not thread-safe: one appender."""

    def __init__(self, directory: Path, segment_bytes: int) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        directory.mkdir(parents=True, exist_ok=True)
        self._file: int | None = None
        self._segment = 0
        self._offset = 0

    def segment_numbers(self) -> list[int]:
        return sorted(int(p.name[: -len(_SUFFIX)]) for p in self.directory.glob("*" + _SUFFIX))

    def recover(self) -> Iterator[tuple[Position, bytes]]:
        """Yield every intact record in order and truncate a torn tail."""
        for number in self.segment_numbers():
            path = self.directory / _segment_name(number)
            end = 0
            for end, payload in _read_records(path):
                yield Position(number, end), payload
            if path.stat().st_size != end:
                with path.open("r+b") as fh:
                    fh.truncate(end)
                    os.fsync(fh.fileno())

    def open_for_append(self) -> None:
        """Start a fresh segment after the existing ones, so recovery never rewrites one."""
        numbers = self.segment_numbers()
        self._roll(numbers[-1] + 1 if numbers else 1)

    def _roll(self, number: int) -> None:
        if self._file is not None:
            os.close(self._file)
        path = self.directory / _segment_name(number)
        self._file = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._segment = number
        self._offset = os.fstat(self._file).st_size
        _fsync_dir(self.directory)

    def append(self, payloads: list[bytes]) -> list[Position]:
        """Write and fsync a group of records; all or none of them are kept."""
        assert self._file is not None, "open_for_append() first"
        if self._offset >= self.segment_bytes:
            self._roll(self._segment + 1)
        frames = []
        positions = []
        offset = self._offset
        for payload in payloads:
            frames.append(_HEADER.pack(len(payload), zlib.crc32(payload)))
            frames.append(payload)
            offset += _HEADER.size + len(payload)
            positions.append(Position(self._segment, offset))
        buffer = b"".join(frames)
        try:
            written = os.write(self._file, buffer)
            if written != len(buffer):
                raise OSError(f"short write to spool segment ({written} of {len(buffer)} bytes)")
            os.fsync(self._file)
        except OSError:
            # A short or failed write must not leave half a group behind the
            # records that were acknowledged before it.
            os.ftruncate(self._file, self._offset)
            raise
        self._offset = offset
        return positions

    def roll(self) -> Position:
        """Seal the current segment now; returns where the next one starts."""
        self._roll(self._segment + 1)
        return Position(self._segment, 0)

    def release_before(self, position: Position) -> None:
        """Delete sealed segments whose records all lie before ``position``."""
        for number in self.segment_numbers():
            if number >= min(position.segment, self._segment):
                break
            (self.directory / _segment_name(number)).unlink(missing_ok=True)

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
