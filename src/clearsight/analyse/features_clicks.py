"""Features from clicks, submits and fields: quiet, error, submit and form (see features.py)."""

from __future__ import annotations

from clearsight.analyse.features import (
    CLUSTERED,
    DISABLED,
    INTERACTIVE,
    LOOSEST,
    NO_XY,
    NULL,
    SCRIPT_ERROR,
    VALIDATION,
    Scope,
)

NO_EFFECT = "NOT (fx_mut OR fx_nav OR fx_scroll OR fx_focus OR fx_err OR fx_inval)"


def quiet(s: Scope) -> str:
    """Clicks after which nothing happened (no mutation, navigation, scroll, focus change
    or error), not on text fields: the stuff of rage and dead clicks."""
    d, w = s.d, s.over()
    gap, rad = LOOSEST["rage_gap_ms"], LOOSEST["rage_radius_px"]
    prev_gap = f"ts - {d.lag('ts', w)}"
    prev_px = f"greatest(abs(x - {d.lag('x', w)}), abs(y - {d.lag('y', w)}))"
    next_gap = f"{d.lead('ts', w)} - ts"
    next_px = f"greatest(abs(x - {d.lead('x', w)}), abs(y - {d.lead('y', w)}))"
    return f"""
    SELECT sid, pv, ts, day, 'quiet' AS kind, path, sel, CAST(n AS BIGINT) AS v1,
        CAST({prev_gap} AS BIGINT) AS v2, CAST({prev_px} AS BIGINT) AS v3,
        CAST(sum(CASE WHEN n <= 1 THEN 1 ELSE 0 END) OVER (PARTITION BY sid, pv, sel) AS BIGINT)
            AS v4, x, y,
        CASE WHEN inter THEN {INTERACTIVE} ELSE 0 END + CASE WHEN dis THEN {DISABLED} ELSE 0 END
        + CASE WHEN ({prev_gap} <= {gap} AND {prev_px} <= {rad})
            OR ({next_gap} <= {gap} AND {next_px} <= {rad}) THEN {CLUSTERED} ELSE 0 END AS flags
    FROM clicks
    WHERE {s.rows()} AND fx_known AND {NO_EFFECT} AND NOT {d.in_list("tag", "text_tags")}
    """


def errors(s: Scope) -> str:
    """Clicks flagged with a script or validation error, with what is needed to give each
    effect to the last click before it: the delay to the script error this click is the
    last flagged click before, and the time to the next validation-flagged click."""
    d = s.d
    return f"""
    SELECT c.sid AS sid, c.pv AS pv, c.ts AS ts, c.day AS day, 'error' AS kind,
        c.path AS path, c.sel AS sel, o.delay AS v1,
        c.next_inval AS v2, {NULL} AS v3, {NULL} AS v4, {NO_XY},
        CASE WHEN c.fx_err THEN {SCRIPT_ERROR} ELSE 0 END
        + CASE WHEN c.fx_inval THEN {VALIDATION} ELSE 0 END AS flags
    FROM (
        SELECT *, CASE WHEN fx_inval THEN {d.lead("ts", s.over("sid, pv, fx_inval"))} - ts
            END AS next_inval
        FROM clicks WHERE {s.rows()} AND fx_known AND (fx_err OR fx_inval)
    ) c
    LEFT JOIN (
        SELECT sid, pv, ts, min(delay) AS delay FROM (
            SELECT k.sid AS sid, k.pv AS pv, e.ts AS err_ts, max(k.ts) AS ts,
                e.ts - max(k.ts) AS delay
            FROM clicks k JOIN errors e ON e.sid = k.sid AND e.pv = k.pv
            WHERE {s.rows("k")} AND {s.rows("e")} AND k.fx_err
                AND e.ts >= k.ts AND e.ts <= k.ts + {LOOSEST["click_window_ms"]}
            GROUP BY k.sid, k.pv, e.ts
        ) x GROUP BY sid, pv, ts
    ) o ON o.sid = c.sid AND o.pv = c.pv AND o.ts = c.ts
    """


def submits(s: Scope) -> str:
    """Failed attempts: the form was submitted again in the same page view, or (for the
    last attempt) no page view followed it."""
    return f"""
    SELECT sid, pv, ts, day, 'submit' AS kind, path, sel,
        CAST(count(*) OVER (PARTITION BY sid, pv, sel) AS BIGINT) AS v1,
        {NULL} AS v2, {NULL} AS v3, {NULL} AS v4, {NO_XY}, 0 AS flags
    FROM (
        SELECT u.sid AS sid, u.pv AS pv, u.ts AS ts, u.day AS day, u.path AS path,
            u.sel AS sel
        FROM submits u
        JOIN (
            SELECT g.sid AS sid, g.pv AS pv, g.sel AS sel, g.last_ts AS last_ts,
                CASE WHEN x.exit_ts <= g.last_ts THEN 1 ELSE 0 END AS last_failed
            FROM (
                SELECT sid, pv, sel, max(ts) AS last_ts FROM submits
                WHERE {s.rows()} GROUP BY sid, pv, sel HAVING count(*) >= 2
            ) g
            JOIN sessions x ON x.sid = g.sid
            WHERE {s.sessions("x")}
        ) g ON g.sid = u.sid AND g.pv = u.pv AND g.sel = u.sel
        WHERE {s.rows("u")} AND (u.ts < g.last_ts OR g.last_failed = 1)
    ) f
    """


def forms(s: Scope) -> str:
    """The session's last page view, if fields were filled in there and nothing was
    submitted after the last field was touched: where the form was left."""
    d = s.d
    return f"""
    SELECT f.sid AS sid, f.pv AS pv, f.ts AS ts, l.day AS day, 'form' AS kind,
        l.path AS path, f.sel AS sel, f.filled AS v1,
        {NULL} AS v2, {NULL} AS v3, {NULL} AS v4, {NO_XY}, 0 AS flags
    FROM (
        SELECT p.sid AS sid, p.pv AS pv, p.day AS day, p.path AS path FROM pageviews p
        JOIN sessions x ON x.sid = p.sid AND x.exit_ts = p.ts
        WHERE {s.rows("p")} AND {s.sessions("x")}
    ) l
    JOIN (
        SELECT sid, pv, {d.arg_max("sel", "ts")} AS sel, max(ts) AS ts,
            CAST(count(DISTINCT CASE WHEN ev = 'blur' AND edits > 0 THEN sel END) AS BIGINT)
                AS filled
        FROM fields
        WHERE {s.rows()} AND ev <> 'invalid' AND pv IN (
            SELECT pv FROM fields WHERE {s.rows()} AND ev = 'blur' AND edits > 0
        )
        GROUP BY sid, pv
    ) f ON f.sid = l.sid AND f.pv = l.pv
    LEFT JOIN (
        SELECT sid, pv, max(ts) AS ts FROM submits WHERE {s.rows()} GROUP BY sid, pv
    ) u ON u.sid = f.sid AND u.pv = f.pv
    WHERE f.filled >= 1 AND coalesce(u.ts, 0) < f.ts
    """
