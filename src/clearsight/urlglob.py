"""URL path globs, shared by capture rules, session filters and heatmap scopes.

``*`` matches within one path segment, ``**`` across segments, ``?`` one
character. The result is RE2 syntax, which DuckDB, ClickHouse and google-re2
all speak, so one pattern means the same thing in Python and in every store.
"""

from __future__ import annotations

import re


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?")


def glob_to_regex(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)
