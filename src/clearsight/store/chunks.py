"""How replay chunks are packed for storage.

A chunk is the raw rrweb JSON array of one batch. It is zstd-compressed, and a
``ChunkSealer`` (from ``govern``, wired in ``app.py``) may encrypt the result.
The store itself never sees keys: it keeps whatever bytes and codec name it is given.
"""

from __future__ import annotations

import threading
from typing import Protocol

import zstandard

_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    # ZstdCompressor objects are not thread-safe; one per thread is cheap.
    comp: zstandard.ZstdCompressor | None = getattr(_local, "comp", None)
    if comp is None:
        comp = _local.comp = zstandard.ZstdCompressor(level=3)
    return comp


def compress(raw: bytes) -> bytes:
    return _compressor().compress(raw)


def decompress(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompress(data)


class ChunkSealer(Protocol):
    """Seals what is stored per session: compressed replay chunks and free-text columns."""

    codec: str

    def prepare(
        self, sessions: list[tuple[str, str]], text: list[tuple[str, str]] | None = None
    ) -> None:
        """Get ready to seal replay chunks for these (project, sid) pairs, and
        free text for those in ``text``, in bulk."""
        ...

    def seal(self, project: str, sid: str, data: bytes) -> bytes: ...

    def open(self, project: str, sid: str, codec: str, data: bytes) -> bytes:
        """Raises ``KeyError`` when the session's key was shredded."""
        ...

    def seal_text(self, project: str, sid: str, text: str) -> str: ...

    def open_text(self, project: str, sid: str, text: str) -> str:
        """Returns ``""`` when the session's key was shredded."""
        ...


class PlainSealer:
    """No encryption: compressed bytes are stored as they are."""

    codec = "zstd"

    def prepare(
        self, sessions: list[tuple[str, str]], text: list[tuple[str, str]] | None = None
    ) -> None:
        pass

    def seal(self, project: str, sid: str, data: bytes) -> bytes:
        return data

    def open(self, project: str, sid: str, codec: str, data: bytes) -> bytes:
        if codec != self.codec:
            raise ValueError(f"chunk codec {codec!r} needs a key this server does not have")
        return data

    def seal_text(self, project: str, sid: str, text: str) -> str:
        return text

    def open_text(self, project: str, sid: str, text: str) -> str:
        return text


def join_arrays(arrays: list[bytes]) -> bytes:
    """Concatenate JSON arrays without parsing them: ``[a,b]`` + ``[c]`` → ``[a,b,c]``."""
    parts = [a.strip()[1:-1].strip() for a in arrays]
    return b"[" + b",".join(p for p in parts if p) + b"]"


def open_chunk(sealer: ChunkSealer, project: str, sid: str, codec: str, data: bytes) -> bytes:
    return decompress(sealer.open(project, sid, codec, data))
