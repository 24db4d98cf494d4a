"""Step two of detection: a project's rules applied to the features (see features.py).

One ``SELECT`` per signal over ``signal_features``, yielding ``sid, pv, ts, day,
signal, path, sel, n``; rules are bound as parameters named as in
``signals_rules.RULES``. One click, one click signal: the clicks that
submitted a repeated failed submit are not also error clicks (run
``failed_submits`` first), and the clicks of a rage burst are not dead clicks.
"""

from __future__ import annotations

from clearsight.analyse.features import (
    CLUSTERED,
    DISABLED,
    INTERACTIVE,
    VALIDATION,
    Scope,
)
from clearsight.analyse.features_pages import page_of

OUT = "sid, pv, ts, day, '{signal}' AS signal, path, sel, CAST({n} AS INTEGER) AS n"


def has(flag: int, col: str = "flags") -> str:
    """Bit test without bitwise operators, which the engines spell differently."""
    return f"(CAST(floor({col} / {flag}) AS BIGINT) % 2 = 1)"


def _feature(s: Scope, kind: str) -> str:
    return f"SELECT * FROM signal_features WHERE {s.rows()} AND kind = '{kind}'"


def rage_and_dead(s: Scope) -> str:
    """Quiet clicks in a burst (each within rage_gap_ms and rage_radius_px of the one
    before) of rage_min_clicks or more (one more on non-controls, where a triple click
    selects a paragraph) are rage, reported once at the first click. Other quiet clicks
    on enabled controls are dead, and so are single clicks on anything else clicked that
    way dead_repeat_min times in the page view."""
    w = s.over()
    brk = "CASE WHEN v2 IS NULL OR v2 > :rage_gap_ms OR v3 > :rage_radius_px THEN 1 ELSE 0 END"
    inter = f"CASE WHEN {has(INTERACTIVE)} THEN 1 ELSE 0 END"
    part = "PARTITION BY sid, pv, burst"
    return f"""
    SELECT sid, pv, ts, day,
        CASE WHEN rage = 1 THEN 'rage_click' ELSE 'dead_click' END AS signal, path, sel,
        CAST(CASE WHEN rage = 1 THEN size ELSE 1 END AS INTEGER) AS n
    FROM (
        SELECT q.*, coalesce(b.size, 1) AS size, coalesce(b.first_ts, q.ts) AS first_ts,
            CASE WHEN coalesce(b.size, 1) >= :rage_min_clicks + 1 - coalesce(b.inter, {inter})
                THEN 1 ELSE 0 END AS rage
        FROM ({_feature(s, "quiet")}) q
        LEFT JOIN (
            SELECT sid, pv, ts, count(*) OVER ({part}) AS size, min(ts) OVER ({part}) AS first_ts,
                max({inter}) OVER ({part}) AS inter
            FROM (
                SELECT sid, pv, ts, flags,
                    sum({brk}) OVER ({w} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                        AS burst
                FROM ({_feature(s, "quiet")}) c
                WHERE {has(CLUSTERED)}
            ) z
        ) b ON b.sid = q.sid AND b.pv = q.pv AND b.ts = q.ts
    ) x
    WHERE (rage = 1 AND ts = first_ts)
        OR (rage = 0 AND NOT {has(DISABLED)}
            AND ({has(INTERACTIVE)} OR (v1 <= 1 AND v4 >= :dead_repeat_min)))
    """


def failed_submits(s: Scope) -> str:
    return f"""
    SELECT {OUT.format(signal="failed_submit", n="v1")} FROM ({_feature(s, "submit")}) f
    WHERE v1 >= :failed_submit_min
    """


def error_clicks(s: Scope) -> str:
    """The click a script error came within click_window_ms after, and validation-flagged
    clicks with no later validation-flagged click within the window (which would own the
    message)."""
    return f"""
    SELECT {OUT.format(signal="error_click", n="1")} FROM (
        SELECT e.*, coalesce(t.taken, 0) AS taken FROM ({_feature(s, "error")}) e
        LEFT JOIN (
            SELECT k.sid, k.pv, k.ts, max(1) AS taken
            FROM signal_features k JOIN signals f ON f.sid = k.sid AND f.pv = k.pv
            WHERE {s.rows("k")} AND k.kind = 'error' AND {s.rows("f")}
                AND f.signal = 'failed_submit'
                AND f.ts >= k.ts AND f.ts <= k.ts + :click_window_ms
            GROUP BY k.sid, k.pv, k.ts
        ) t ON t.sid = e.sid AND t.pv = e.pv AND t.ts = e.ts
    ) c
    WHERE taken = 0 AND ((v1 IS NOT NULL AND v1 <= :click_window_ms)
        OR ({has(VALIDATION)} AND NOT (v2 IS NOT NULL AND v2 <= :click_window_ms)))
    """


def form_abandons(s: Scope) -> str:
    return f"""
    SELECT {OUT.format(signal="form_abandon", n="v1")} FROM ({_feature(s, "form")}) f
    WHERE v1 >= :abandon_min_fields
    """


def u_turns(s: Scope) -> str:
    return f"""
    SELECT {OUT.format(signal="u_turn", n="v1")} FROM ({_feature(s, "uturn")}) f
    WHERE v1 <= :uturn_max_ms
    """


def excessive_scrolls(s: Scope) -> str:
    """scroll_min_reversals or more, and scroll_norm_factor times the median of the
    page's page views that reversed at all (the whole project's, even when only some
    sessions are being recomputed)."""
    d = s.d
    everyone = Scope(d)
    return f"""
    SELECT {OUT.format(signal="excessive_scroll", n="f.v1")}
    FROM (SELECT *, {page_of(d, "path")} AS page FROM ({_feature(s, "scroll")}) a) f
    JOIN (
        SELECT page, {d.quantile("v1", 0.5)} AS median FROM (
            SELECT {page_of(d, "path")} AS page, v1 FROM ({_feature(everyone, "scroll")}) b
        ) p GROUP BY page
    ) m ON m.page = f.page
    WHERE f.v1 >= :scroll_min_reversals AND f.v1 >= :scroll_norm_factor * m.median
    """


def toggles(s: Scope) -> str:
    """toggle_min_flips or more flips between the same two controls in a page view, each
    switch within toggle_gap_ms: once per pair, at its first click."""
    return f"""
    SELECT sid, pv, min(ts) AS ts, min(day) AS day, 'toggling' AS signal, min(path) AS path,
        sel, CAST(count(*) AS INTEGER) AS n
    FROM ({_feature(s, "flip")}) f
    WHERE v1 <= :toggle_gap_ms
    GROUP BY sid, pv, sel
    HAVING count(*) >= :toggle_min_flips
    """


def hesitations(s: Scope) -> str:
    return f"""
    SELECT {OUT.format(signal="hesitation", n="v1")} FROM signal_features
    WHERE {s.rows()} AND (kind = 'rest' OR kind = 'pause') AND v1 >= :hesitation_ms
    """


def thrashes(s: Scope) -> str:
    """thrash_min_reversals or more reversals (legs of thrash_min_px or more) within
    thrash_window_ms: once per page view, at the first."""
    w = s.over()
    return f"""
    SELECT sid, pv, min(ts) AS ts, min(day) AS day, 'thrashed_cursor' AS signal,
        min(path) AS path, '' AS sel, CAST(max(k) AS INTEGER) AS n
    FROM (
        SELECT sid, pv, ts, day, path,
            count(*) OVER ({w} RANGE BETWEEN CURRENT ROW AND :thrash_window_ms FOLLOWING) AS k
        FROM ({_feature(s, "reversal")}) f
        WHERE v1 >= :thrash_min_px
    ) r
    WHERE k >= :thrash_min_reversals
    GROUP BY sid, pv
    """
