"""A batch's top-level arrays, one element at a time.

Naming a catch's location needs the JSON around it, but not the whole
batch: msgspec reads ``rrweb`` and ``events`` as lists of raw element bytes
without building Python objects, and each element is decoded only when a
catch or a lookup (page URL, node by id) needs it.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

import msgspec


class _Envelope(msgspec.Struct):
    rrweb: list[msgspec.Raw] = []
    events: list[msgspec.Raw] = []


_DECODE_ENVELOPE = msgspec.json.Decoder(_Envelope)


class Elements:
    """The elements of one array, with their byte spans in the batch."""

    def __init__(self, body: bytes, raws: list[msgspec.Raw]) -> None:
        # Raw elements are views into ``body``; placing them costs memcmps.
        self._body = body
        self._raws = raws
        self.starts: list[int] = []
        cursor = body.find(raws[0]) if raws else 0
        for raw in raws:
            # Compact JSON: the next element starts right after a comma, and a
            # memcmp confirms it; anything else is found by searching.
            if not body.startswith(raw, cursor):
                cursor = body.find(raw, cursor)
            self.starts.append(cursor)
            cursor += len(raw)
            if body[cursor : cursor + 1] == b",":
                cursor += 1
        self._cache: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._raws)

    def __getitem__(self, i: int) -> Any:
        if i not in self._cache:
            self._cache[i] = msgspec.json.decode(self._raws[i])
        return self._cache[i]

    def end(self, i: int) -> int:
        return self.starts[i] + len(self._raws[i])

    def contains(self, i: int, needle: bytes) -> bool:
        return self._body.find(needle, self.starts[i], self.end(i)) != -1

    def mentioning(self, needle: bytes) -> list[int]:
        """Indexes of elements whose bytes contain ``needle`` followed by a
        delimiter (so id 7 does not match id 70)."""
        found: list[int] = []
        at = self._body.find(needle)
        while at != -1:
            after = at + len(needle)
            if after < len(self._body) and self._body[after] in b",} \n":
                i = self.containing(at)
                if i >= 0 and (not found or found[-1] != i):
                    found.append(i)
            at = self._body.find(needle, after)
        return found

    def with_tag(self, key: str, value: int | str) -> list[int]:
        """Indexes of the elements whose ``key`` equals ``value``. Found by
        their first bytes where the key comes first, as browsers and msgspec
        write it; other elements are decoded to check. Only element starts
        are looked at: searching the body for the tag runs through every
        ``{"`` of a large snapshot."""
        body = self._body
        head = b'{"%s":' % key.encode()
        want = head + msgspec.json.encode(value)
        found = []
        for i, start in enumerate(self.starts):
            if body.startswith(want, start):
                if body[start + len(want)] in b",}":
                    found.append(i)
            elif not body.startswith(head, start):
                element = self[i]
                if isinstance(element, dict) and element.get(key) == value:
                    found.append(i)
        return found

    def containing(self, offset: int) -> int:
        """Index of the element whose bytes contain ``offset``, or -1."""
        i = bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.end(i):
            return i
        return -1


def split(body: bytes) -> tuple[Elements, Elements] | None:
    """The rrweb and events arrays of a batch; None if it is not one."""
    try:
        envelope = _DECODE_ENVELOPE.decode(body)
    except msgspec.DecodeError:
        return None
    return Elements(body, envelope.rrweb), Elements(body, envelope.events)
