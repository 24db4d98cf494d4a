"""URL path rules: glob patterns such as ``/account/statements/*``.

``*`` matches within one path segment, ``**`` across segments, and every
other character is literal. A rule matches the path of a URL (no query, no
fragment), compared as written. The patterns compile to one RE2 alternation,
so a long rule list costs one linear pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

import re2


def glob_to_regex(pattern: str) -> str:
    """RE2 syntax for one glob, anchored by the caller."""
    if not pattern.startswith(("/", "*")):
        raise ValueError(f"URL rule {pattern!r} must start with '/' (or '*'): it matches paths")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("/**/", i):
            out.append("/(?:.*/)?")  # zero or more whole segments
            i += 4
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("(?:/.*)?")  # the prefix itself, or anything under it
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append(re2.escape(pattern[i]))
            i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> re2._Regexp:
    alternation = "|".join(f"(?:{glob_to_regex(p)})" for p in patterns)
    return re2.compile(f"(?:{alternation})")


def url_path(url: str) -> str:
    """The path of an absolute or relative URL; '/' when it has none."""
    return urlsplit(url).path or "/"


def matches_any(patterns: Iterable[str], url: str) -> bool:
    """True when the URL's path matches at least one glob."""
    rules = tuple(patterns)
    if not rules:
        return False
    return _compiled(rules).fullmatch(url_path(url)) is not None
