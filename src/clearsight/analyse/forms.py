"""Form analytics: per page and field, time spent, corrections, refills, validation errors
and abandonment (the field a session's form was left at: the ``form_abandon`` signal).

Fields are listed in the order visitors reach them (their median position among
the fields focused in a page view). Values never reach the server, only the
capture script's metadata: focus time, input and deletion counts, filled or not.
"""

from __future__ import annotations

from typing import Any

import msgspec

from clearsight.analyse.features_pages import page_of
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.filters import scoped_sessions_sql


class FieldStats(msgspec.Struct, frozen=True):
    page: str
    sel: str
    position: float
    sessions: int
    views: int
    median_ms: float
    corrected: float
    """Share of page views where the visitor deleted something in the field."""
    refilled: float
    """Share of page views where the field was filled in again after leaving it."""
    invalid: int
    """Validation errors the field raised."""
    abandoned: int
    """Sessions whose form was left at this field."""
    abandon_rate: float
    """abandoned / sessions that touched the field."""


def field_stats(
    store: EventStore, project: str, sessions: SessionFilter, since: int, until: int,
    page: str | None = None,
) -> list[FieldStats]:  # fmt: skip
    d = store.dialect
    scoped, params = scoped_sessions_sql(sessions, d)
    only_page = f"AND {page_of(d, 'path')} = :page" if page else ""
    sql = f"""
    SELECT page, sel, count(DISTINCT sid) AS sessions, count(*) AS views,
        {d.quantile("time_ms", 0.5)} AS median_ms, {d.quantile("pos", 0.5)} AS position,
        sum(CASE WHEN corrections > 0 THEN 1 ELSE 0 END) AS corrected,
        sum(CASE WHEN fills >= 2 THEN 1 ELSE 0 END) AS refilled, sum(invalid) AS invalid
    FROM (
        SELECT *, rank() OVER (PARTITION BY sid, pv ORDER BY first_ts) AS pos
        FROM (
            SELECT {page_of(d, "path")} AS page, sel, sid, pv, min(ts) AS first_ts,
                sum(CASE WHEN ev = 'blur' THEN dur ELSE 0 END) AS time_ms,
                sum(CASE WHEN ev = 'blur' AND edits > 0 THEN 1 ELSE 0 END) AS fills,
                sum(CASE WHEN ev = 'blur' AND dels > 0 THEN 1 ELSE 0 END) AS corrections,
                sum(CASE WHEN ev = 'invalid' THEN 1 ELSE 0 END) AS invalid
            FROM fields
            WHERE project = :project AND ts >= :since AND ts < :until AND sid IN ({scoped})
                {only_page}
            GROUP BY path, sel, sid, pv
        ) v
    ) o
    GROUP BY page, sel
    """
    args = params | {"project": project, "since": since, "until": until, "page": page or ""}
    rows = store.query(sql, args).to_pylist()
    left = _abandoned(store, project, scoped, args)
    out = []
    for r in rows:
        views = int(r["views"]) or 1
        gone = left.get((r["page"], r["sel"]), 0)
        out.append(
            FieldStats(
                page=r["page"],
                sel=r["sel"],
                position=float(r["position"] or 0),
                sessions=int(r["sessions"]),
                views=int(r["views"]),
                median_ms=float(r["median_ms"] or 0),
                corrected=int(r["corrected"]) / views,
                refilled=int(r["refilled"]) / views,
                invalid=int(r["invalid"]),
                abandoned=gone,
                abandon_rate=gone / int(r["sessions"]) if r["sessions"] else 0.0,
            )
        )
    return sorted(out, key=lambda f: (f.page, f.position, f.sel))


def _abandoned(
    store: EventStore, project: str, scoped: str, args: dict[str, Any]
) -> dict[tuple[str, str], int]:
    sql = f"""
    SELECT f.page, f.sel, count(DISTINCT f.sid) AS sessions
    FROM signals g JOIN signal_features f ON f.fid = g.fid AND f.project = g.project
    WHERE g.project = :project AND g.signal = 'form_abandon' AND f.ts >= :since
        AND f.ts < :until AND f.sid IN ({scoped})
    GROUP BY f.page, f.sel
    """
    return {(r["page"], r["sel"]): int(r["sessions"]) for r in store.query(sql, args).to_pylist()}
