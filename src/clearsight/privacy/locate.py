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

from clearsight.privacy import elements, rrwebpaths

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
    groups: dict[tuple[str, int], list[list[str]]] = {}
    out: list[tuple[str, rrwebpaths.Location]] = []
    for offset, names in changes:
        for key, array in zip(("rrweb", "events"), parts, strict=True):
            i = array.containing(offset)
            if i >= 0:
                groups.setdefault((key, i), []).append(names)
                break
        else:
            out += [(n, _top_level(masked, offset)) for n in names]
    for (key, i), per_string in groups.items():
        array = parts[0] if key == "rrweb" else parts[1]
        start = array.starts[i]
        original = msgspec.json.decode(body[start : array.end(i)])
        paths = changed_strings(original, array[i], (key, i))
        for names in per_string:
            path = next(paths, None)
            where = index.locate(path) if path is not None else rrwebpaths.UNKNOWN
            out += [(n, where) for n in names]
    return out


def _top_level(masked: bytes, offset: int) -> rrwebpaths.Location:
    """A string outside rrweb and events: an envelope field such as ``ua``."""
    m = _TOP_KEY.search(masked, max(0, offset - 40), offset)
    return rrwebpaths.Location("batch." + (m.group(1).decode() if m else "*"))
