"""The frustration-signal tables, as every backend's store reads and erases them.

Frustration signals (migrations ``040_signals``) keep three derived tables per
project: ``signal_features`` (with the session id), and ``signals`` and
``session_frustration``, which carry only ``sk``, the session id's
``Dialect.hash64``. The SQL here is portable; each store runs it in its own
way (a transaction on DuckDB, mutations on ClickHouse).
"""

from __future__ import annotations

from clearsight.store.sql import Dialect

SIGNAL_TABLES = ("signal_features", "signals", "session_frustration")
"""Rebuilt from the raw rows by ``Detector.rebuild``. ``clearsight migrate`` leaves them
behind: their keys are hashes, which differ between engines, and the server rebuilds
them on the target at its first start."""

TIMELINE_SIGNALS = (
    "SELECT f.ts, f.pv, f.path, f.page, f.sel, g.signal, g.n FROM signals g "
    "JOIN signal_features f ON f.fid = g.fid AND f.project = g.project "
    "WHERE f.sid = :sid AND f.project = :project ORDER BY f.ts, g.signal"
)
"""One session's signals for its timeline, with where and when each happened."""


def with_score(found: str, d: Dialect) -> str:
    """The session rows ``found`` selects, with their frustration score (0 without signals)."""
    return (
        f"SELECT s.*, coalesce(f.score, 0) AS frustration FROM ({found}) s "
        "LEFT JOIN session_frustration f "
        f"ON f.project = s.project AND f.sk = {d.hash64('s.sid')}"
    )


def erase_where(d: Dialect) -> list[tuple[str, str]]:
    """(table, condition) that deletes the derived rows of sessions ``:s`` of project ``:p``.

    Signals and scores first: they are found by the ``sk`` of the features.
    """
    of_sessions = f"project = :p AND {d.in_list('sid', 's')}"
    by_key = f"project = :p AND sk IN (SELECT sk FROM signal_features WHERE {of_sessions})"
    return [
        ("signals", by_key),
        ("session_frustration", by_key),
        ("signal_features", of_sessions),
    ]
