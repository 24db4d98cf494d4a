"""RE2 settings shared by every pattern of the scrubber.

Patterns run over raw bytes, which may hold any byte (a batch is UTF-8 by
contract, but a filter must not misread a stray invalid byte), so they are
compiled as Latin-1: one byte is one character. Non-ASCII labels in
patterns are written as their UTF-8 bytes and so match UTF-8 input exactly.
The DFA memory is raised so the combined patterns never fall back to the
slow NFA.
"""

from __future__ import annotations

import re2

ANCHOR_START = re2._Anchor.ANCHOR_START
UNANCHORED = re2._Anchor.UNANCHORED


def options() -> re2.Options:
    opts = re2.Options()
    opts.max_mem = 64 << 20
    opts.encoding = re2.Options.Encoding.LATIN1
    return opts


def compile(pattern: str | bytes) -> re2._Regexp:
    raw = pattern.encode("utf-8") if isinstance(pattern, str) else pattern
    return re2.compile(raw, options())


def compile_set(patterns: list[str]) -> re2.Set:
    """An RE2 set: which of the patterns match somewhere, in one pass."""
    rset = re2.Set.SearchSet(options())
    for pattern in patterns:
        rset.Add(pattern.encode("utf-8"))
    rset.Compile()
    return rset


def group_numbers(regex: re2._Regexp, names: tuple[str, ...]) -> tuple[int, ...]:
    """Numbers of the named groups present in ``regex``, in pattern order."""
    found = {
        (name.decode() if isinstance(name, bytes) else name): index
        for name, index in regex.groupindex.items()
    }
    return tuple(sorted(found[n] for n in names if n in found))
