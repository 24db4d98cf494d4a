"""Assertions shared by the privacy tests: where could a value still be?"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, unquote_plus

_SEPARATORS = re.compile(r"[\s.\-/()+]")


def compact(text: str) -> str:
    return _SEPARATORS.sub("", text)


def strings_in(tree: Any) -> Iterator[str]:
    """Every string in a decoded batch, keys included, plus the strings of any
    JSON document embedded in one (console arguments are JSON-stringified)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield key
            yield from strings_in(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from strings_in(item)
    elif isinstance(tree, str):
        yield tree
        if tree[:1] in ('"', "{", "["):
            try:
                inner = json.loads(tree)
            except ValueError:
                return
            yield from strings_in(inner)


def readings(body: bytes) -> list[str]:
    """Every way a reader could decode the batch's strings."""
    out: list[str] = []
    for s in strings_in(json.loads(body)):
        out += [s, unquote(s), unquote_plus(s), unquote(unquote(s))]
    return out


def leaks(body: bytes, value: str) -> list[str]:
    """Readings of ``body`` that still contain ``value`` (as written, or with
    its separators dropped)."""
    raw = body.decode("utf-8", "replace")
    found = [f"raw:{value}"] if value in raw else []
    bare = compact(value)
    for reading in readings(body):
        if value in reading or (len(bare) >= 8 and bare in compact(reading)):
            found.append(reading[:200])
    return found
