"""The default URL rules that turn a page's path into its heatmap key.

One definition for both event stores (each mirrors it into its ``heat_key``)
and for the analysis layer, which names them for people. DuckDB's migration
030 also spells them out for its first ``heat_key`` macro; the backend tests
check that every engine normalises as these rules do.
"""

from __future__ import annotations

# (RE2 pattern a whole path segment must match, what the segment becomes);
# the first matching rule wins.
DEFAULT_RULES: list[tuple[str, str]] = [
    # numeric ids: /loan/123/offer
    ("[0-9]+", ":id"),
    # UUIDs: /applications/3f2c…/status
    ("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", ":uuid"),
    # long hex tokens (hashes, object ids)
    ("[0-9a-fA-F]{16,}", ":hex"),
]
