"""Features from page views, scrolls and clicks: uturn, scroll and flip (see features.py)."""

from __future__ import annotations

from clearsight.analyse.features import LOOSEST, NO_XY, NULL, Scope
from clearsight.store.sql import Dialect

ID_SEGMENT = "/[^/]*[0-9][^/]*[0-9][^/]*[0-9][^/]*"
"""A path segment with three or more digits (an application number, a date, a uuid)
is an id: pages are grouped with it folded to ``*``."""


def page_of(d: Dialect, expr: str) -> str:
    """The page a path belongs to: ``/loan/706429/offer`` → ``/loan/*/offer``."""
    return d.regex_replace(expr, f"'{ID_SEGMENT}'", "'/*'")


def uturns(s: Scope) -> str:
    """Page B of A → B → A, reported on B when it was left. Not when B → A → B came
    first: that visit of B is the way back from a u-turn on A. Only sessions that visit
    some path twice can have one."""
    d, w = s.d, s.over("sid")
    return f"""
    SELECT sid, pv, next_ts AS ts, day, 'uturn' AS kind, path, '' AS sel,
        next_ts - ts AS v1, {NULL} AS v2, {NULL} AS v3, {NULL} AS v4, {NO_XY}, 0 AS flags
    FROM (
        SELECT sid, pv, ts, day, path,
            {d.lag("path", w)} AS prev_path, {d.lag("path", w, 2)} AS prev2_path,
            {d.lead("path", w)} AS next_path, {d.lead("ts", w)} AS next_ts
        FROM pageviews
        WHERE {s.rows()} AND sid IN (
            SELECT sid FROM pageviews WHERE {s.rows()} GROUP BY sid, path HAVING count(*) >= 2
        )
    ) p
    WHERE prev_path <> path AND next_path = prev_path AND coalesce(prev2_path, '') <> path
        AND next_ts - ts <= {LOOSEST["uturn_max_ms"]}
    """


def scrolls(s: Scope) -> str:
    """Up/down reversals of a page view's scroll stops; ts is the first reversal."""
    d, w = s.d, s.over()
    least = LOOSEST["scroll_min_reversals"]
    return f"""
    SELECT sid, pv, min(CASE WHEN rev = 1 THEN ts END) AS ts, min(day) AS day,
        'scroll' AS kind, min(path) AS path, '' AS sel, CAST(sum(rev) AS BIGINT) AS v1,
        {NULL} AS v2, {NULL} AS v3, {NULL} AS v4, {NO_XY}, 0 AS flags
    FROM (
        SELECT sid, pv, ts, day, path,
            CASE WHEN dy * {d.lag("dy", w)} < 0 THEN 1 ELSE 0 END AS rev
        FROM (
            SELECT sid, pv, ts, day, path, sy - {d.lag("sy", w)} AS dy
            FROM scrolls
            WHERE {s.rows()} AND pv IN (
                SELECT pv FROM scrolls WHERE {s.rows()} GROUP BY pv HAVING count(*) > {least}
            )
        ) m
        WHERE dy <> 0
    ) r
    GROUP BY sid, pv
    HAVING sum(rev) >= {least}
    """


def flips(s: Scope) -> str:
    """A → B → A between two controls whose clicks changed the page (a choice, a filter).
    sel is ``A|B`` in a fixed order, so both directions count for one pair."""
    d, w = s.d, s.over()
    return f"""
    SELECT sid, pv, t2 AS ts, day, 'flip' AS kind, path, least(sel, p1) || '|' || greatest(sel, p1)
        AS sel, greatest(ts - t1, t1 - t2) AS v1, {NULL} AS v2, {NULL} AS v3, {NULL} AS v4,
        {NO_XY}, 0 AS flags
    FROM (
        SELECT sid, pv, ts, day, path, sel,
            {d.lag("sel", w)} AS p1, {d.lag("sel", w, 2)} AS p2,
            {d.lag("ts", w)} AS t1, {d.lag("ts", w, 2)} AS t2
        FROM clicks
        WHERE {s.rows()} AND fx_mut AND NOT fx_nav AND NOT dis
    ) c
    WHERE sel = p2 AND sel <> p1 AND greatest(ts - t1, t1 - t2) <= {LOOSEST["toggle_gap_ms"]}
    """
