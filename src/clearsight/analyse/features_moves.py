"""Features from pointer samples: rest, pause and reversal (see features.py).

Touch screens have no hovering pointer, so their hesitation is a pause before
a tap (``pause``) rather than a rest over an element (``rest``).
"""

from __future__ import annotations

from clearsight.analyse.features import LOOSEST, NULL, Scope


def rests(s: Scope) -> str:
    """Runs of pointer rest on one element, in one stream with the clicks.

    A click on the element ends the run before it and starts one that never counts
    (the pointer waits for, or reads, what the click did). A run is kept only if
    something is clicked after it began: hesitation comes before acting; a long rest
    before leaving is something else. The element is the selector's named anchor
    (``#figure-apr`` for ``#figure-apr>div``): resting on a card means moving between
    its parts.
    """
    d = s.d
    w = s.over(order="ts, kind")
    anchor = d.regex_replace("sel", "'>.*'", "''")
    return f"""
    SELECT sid, pv, min(ts) AS ts, min(day) AS day, 'rest' AS kind, min(path) AS path, sel,
        CAST(sum(dwell) AS BIGINT) AS v1, {NULL} AS v2, {NULL} AS v3, {NULL} AS v4,
        min(x) AS x, min(y) AS y, 0 AS flags
    FROM (
        SELECT *, sum(brk) OVER ({w} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run
        FROM (
            SELECT *,
                CASE WHEN kind = 1 THEN 1 WHEN {d.lag("sel", w)} = sel THEN 0 ELSE 1 END AS brk,
                max(CASE WHEN kind = 1 THEN ts END) OVER (PARTITION BY sid, pv) AS last_click
            FROM (
                SELECT sid, pv, ts, day, path, {anchor} AS sel, dwell, x, y, 0 AS kind
                FROM moves WHERE {s.rows()}
                UNION ALL
                SELECT sid, pv, ts, day, path, {anchor} AS sel, 0 AS dwell, x, y, 1 AS kind
                FROM clicks WHERE {s.rows()}
            ) e
        ) m
    ) r
    GROUP BY sid, pv, run, sel
    HAVING max(kind) = 0 AND sum(dwell) >= {LOOSEST["hesitation_ms"]}
        AND min(ts) < max(last_click)
    """


def pauses(s: Scope) -> str:
    """Taps on controls in page views without pointer samples (touch screens), after a
    pause of 3 s or more since the previous tap, scroll stop, field focus or page view."""
    d, w = s.d, s.over()
    return f"""
    SELECT sid, pv, prev_ts AS ts, day, 'pause' AS kind, path, sel, ts - prev_ts AS v1,
        {NULL} AS v2, {NULL} AS v3, {NULL} AS v4, x, y, 0 AS flags
    FROM (
        SELECT *, {d.lag("ts", w)} AS prev_ts
        FROM (
            SELECT sid, pv, ts, day, path, sel, x, y, 1 AS tap FROM clicks
            WHERE {s.rows()} AND NOT {d.in_list("tag", "text_tags")}
            UNION ALL
            SELECT sid, pv, ts, day, path, '' AS sel, 0 AS x, 0 AS y, 0 AS tap FROM scrolls
            WHERE {s.rows()}
            UNION ALL
            SELECT sid, pv, ts, day, path, sel, 0 AS x, 0 AS y, 0 AS tap FROM fields
            WHERE {s.rows()} AND ev = 'focus'
            UNION ALL
            SELECT sid, pv, ts, day, path, '' AS sel, 0 AS x, 0 AS y, 0 AS tap FROM pageviews
            WHERE {s.rows()}
        ) e
        WHERE pv NOT IN (SELECT pv FROM moves WHERE {s.rows()})
    ) g
    WHERE tap = 1 AND ts - prev_ts >= {LOOSEST["hesitation_ms"]}
    """


def reversals(s: Scope) -> str:
    """Horizontal reversals of the pointer between samples; v1 is the shorter leg."""
    d, w = s.d, s.over()
    return f"""
    SELECT sid, pv, ts, day, 'reversal' AS kind, path, '' AS sel,
        CAST(least(abs(dx), abs(pdx)) AS BIGINT) AS v1, {NULL} AS v2, {NULL} AS v3,
        {NULL} AS v4, x, y, 0 AS flags
    FROM (
        SELECT sid, pv, ts, day, path, x, y, dx, {d.lag("dx", w)} AS pdx
        FROM (
            SELECT sid, pv, ts, day, path, x, y, x - {d.lag("x", w)} AS dx
            FROM moves WHERE {s.rows()}
        ) m
    ) v
    WHERE dx * pdx < 0 AND least(abs(dx), abs(pdx)) >= {LOOSEST["thrash_min_px"]}
    """
