"""Small helpers for composing portable SQL out of fragments.

Funnels, segments and experiments nest attribute queries inside step queries
inside session filters. Each fragment binds its values through one ``Binder``,
so parameter names never clash however the pieces are combined.
"""

from __future__ import annotations

import re
from typing import Any

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
"""Ids of saved funnels, segments and experiments: they appear in URLs and setting keys."""


class Binder:
    """Hands out ``:name`` placeholders and keeps their values."""

    def __init__(self, prefix: str = "j") -> None:
        self.prefix = prefix
        self.params: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return ":" + name


def glob_like(glob: str) -> str:
    """A LIKE pattern that every path matching the glob also matches: a cheap pre-filter
    the engine can run before the regular expression."""
    # `_` and `%` in a path only widen the pattern; a backslash becomes "any one character"
    # because the engines disagree on LIKE's escape character.
    like = re.sub(r"\*+|[?\\]", lambda m: "%" if m[0].startswith("*") else "_", glob)
    return re.sub("%+", "%", like)
