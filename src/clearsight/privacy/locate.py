"""The slow path: say where each catch was, for batches that had one.

Masking only rewrites characters inside string values, so the original and
the masked form of an element decode to trees of the same shape whose
differing strings are exactly the masked ones, in document order. Only the
elements of ``rrweb`` and ``events`` that hold a catch are decoded (twice);
walking both trees (equal subtrees skipped by one C-level comparison) pairs
each masked string with its JSON path. Everything reported is read from the
masked batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec

from clearsight.privacy import elements, rrwebpaths, strings

Path = tuple[str | int, ...]
Change = tuple[int, list[str]]  # (offset of a masked string, detector names)
_TOP_KEY = re.compile(rb'"([A-Za-z_][A-Za-z0-9_]{0,31})"\s*:\s*"$')


def changed_strings(original: Any, masked: Any, path: Path = ()) -> Iterator[Path]:
    """JSON paths of string values that differ, in document order."""
    if original == masked:
        return
    if isinstance(original, dict) and isinstance(masked, dict):
        for key, value in original.items():
            yield from changed_strings(value, masked.get(key), (*path, key))
    elif isinstance(original, list) and isinstance(masked, list):
        for i, (a, b) in enumerate(zip(original, masked, strict=False)):
            yield from changed_strings(a, b, (*path, i))
    elif isinstance(original, str):
        yield path


def locations(
    body: bytes, masked: bytes, changes: list[Change]
) -> list[tuple[str, rrwebpaths.Location]]:
    """(detector, location) for every catch. ``changes`` are in byte order."""
    parts = elements.split(masked)
    if parts is None:
        return [(n, rrwebpaths.UNKNOWN) for _, names in changes for n in names]
    index = rrwebpaths.BatchIndex(*parts)
    groups: dict[tuple[str, int], list[Change]] = {}
    out: list[tuple[str, rrwebpaths.Location]] = []
    for offset, names in changes:
        for key, array in zip(("rrweb", "events"), parts, strict=True):
            i = array.containing(offset)
            if i >= 0:
                groups.setdefault((key, i), []).append((offset, names))
                break
        else:
            out += [(n, _top_level(masked, offset)) for n in names]
    for (key, i), found in groups.items():
        array = parts[0] if key == "rrweb" else parts[1]
        out += _in_element(body, masked, array, index, (key, i), found)
    return out


# Full snapshots are large, and a page that leaks leaks the same way in every
# snapshot of every visit (a hotline number in the footer). A masked string's
# place is remembered by the masked bytes before it (node ids blanked) and
# its own masked bytes, so the next snapshot with the same surroundings is not
# decoded again; only its page URL is looked up.
_SEEN: dict[bytes, tuple[str, str]] = {}
SEEN_MAX = 4096
SIGNATURE_BEFORE = 256
_NO_DIGITS = bytes.maketrans(b"123456789", b"000000000")


def _signature(masked: bytes, start: int, offset: int) -> bytes:
    before = masked[max(start, offset - SIGNATURE_BEFORE) : offset].translate(_NO_DIGITS)
    return before + b"\0" + masked[offset : strings.string_end(masked, offset)]


def _in_element(
    body: bytes,
    masked: bytes,
    array: elements.Elements,
    index: rrwebpaths.BatchIndex,
    where_in: tuple[str, int],
    found: list[Change],
) -> list[tuple[str, rrwebpaths.Location]]:
    key, i = where_in
    start = array.starts[i]
    snapshot = key == "rrweb" and masked.startswith(b'{"type":2,', start)
    signatures = [_signature(masked, start, offset) for offset, _ in found] if snapshot else []
    seen = [_SEEN.get(sig) for sig in signatures]
    places = [place for place in seen if place is not None]
    if snapshot and len(places) == len(found):
        url = index.rrweb_page(i)
        return [
            (n, rrwebpaths.Location(where, selector, url))
            for (where, selector), (_, names) in zip(places, found, strict=True)
            for n in names
        ]
    original = msgspec.json.decode(body[start : array.end(i)])
    paths = changed_strings(original, array[i], where_in)
    out = []
    for j, (_, names) in enumerate(found):
        path = next(paths, None)
        where = index.locate(path) if path is not None else rrwebpaths.UNKNOWN
        if signatures and path is not None:
            if len(_SEEN) >= SEEN_MAX:
                _SEEN.clear()
            _SEEN[signatures[j]] = (where.where, where.selector)
        out += [(n, where) for n in names]
    return out


def _top_level(masked: bytes, offset: int) -> rrwebpaths.Location:
    """A string outside rrweb and events: an envelope field such as ``ua``."""
    m = _TOP_KEY.search(masked, max(0, offset - 40), offset)
    return rrwebpaths.Location("batch." + (m.group(1).decode() if m else "*"))
