"""Step two of detection: a project's rules applied to the features (see features.py).

One ``SELECT`` per signal over ``signal_features``, yielding ``fid, sk, signal,
n, sel, page``: the feature the signal is reported on, and what exclusions
match against. Rules are bound as parameters named as in
``signals_rules.RULES``. One click, one click signal: the clicks that
submitted a repeated failed submit are not also error clicks, and the clicks
of a rage burst are not dead clicks.
"""

from __future__ import annotations

from clearsight.analyse.features import (
    CLUSTERED,
    DISABLED,
    INTERACTIVE,
    VALIDATION,
    Scope,
)

OUT = "fid, sk, '{signal}' AS signal, CAST({n} AS INTEGER) AS n, sel, page"


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
    d = s.d
    brk = "CASE WHEN v2 IS NULL OR v2 > :rage_gap_ms OR v3 > :rage_radius_px THEN 1 ELSE 0 END"
    inter = f"CASE WHEN {has(INTERACTIVE)} THEN 1 ELSE 0 END"
    return f"""
    WITH b AS (
        SELECT fid, sk, ts, pvk, sel, page, flags, v1, v4,
            sum(CASE WHEN {has(CLUSTERED)} THEN {brk} ELSE 1 END) OVER (
                PARTITION BY pvk ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS burst
        FROM signal_features WHERE {s.rows()} AND kind = 'quiet'
    ), r AS (
        SELECT pvk, burst, {d.arg_max("fid", "-ts")} AS fid, min(sk) AS sk,
            count(*) AS size, min(sel) AS sel, min(page) AS page
        FROM b GROUP BY pvk, burst
        HAVING count(*) >= :rage_min_clicks + 1 - max({inter})
    )
    SELECT fid, sk, 'rage_click' AS signal, CAST(size AS INTEGER) AS n, sel, page FROM r
    UNION ALL
    SELECT b.fid, b.sk, 'dead_click' AS signal, 1 AS n, b.sel, b.page
    FROM b LEFT JOIN (SELECT pvk, burst, 1 AS hit FROM r) x ON x.pvk = b.pvk AND x.burst = b.burst
    WHERE coalesce(x.hit, 0) = 0 AND NOT {has(DISABLED)}
        AND ({has(INTERACTIVE)} OR (b.v1 <= 1 AND b.v4 >= :dead_repeat_min))
    """


def failed_submits(s: Scope) -> str:
    return f"""
    SELECT {OUT.format(signal="failed_submit", n="v1")} FROM ({_feature(s, "submit")}) f
    WHERE v1 >= :failed_submit_min
    """


def error_clicks(s: Scope) -> str:
    """The click a script error came within click_window_ms after, and validation-flagged
    clicks with no later validation-flagged click within the window (which would own the
    message). Not the clicks that submitted a repeated failed submit."""
    return f"""
    SELECT {OUT.format(signal="error_click", n="1")} FROM (
        SELECT e.*, coalesce(t.taken, 0) AS taken FROM ({_feature(s, "error")}) e
        LEFT JOIN (
            SELECT k.fid AS taken_fid, max(1) AS taken
            FROM signal_features k JOIN signal_features f ON f.pvk = k.pvk
            WHERE {s.rows("k")} AND k.kind = 'error' AND {s.rows("f")} AND f.kind = 'submit'
                AND f.v1 >= :failed_submit_min
                AND f.ts >= k.ts AND f.ts <= k.ts + :click_window_ms
            GROUP BY k.fid
        ) t ON t.taken_fid = e.fid
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
    FROM ({_feature(s, "scroll")}) f
    JOIN (
        SELECT page AS norm_page, {d.quantile("v1", 0.5)} AS median
        FROM ({_feature(everyone, "scroll")}) b GROUP BY page
    ) m ON m.norm_page = f.page
    WHERE f.v1 >= :scroll_min_reversals AND f.v1 >= :scroll_norm_factor * m.median
    """


def toggles(s: Scope) -> str:
    """toggle_min_flips or more flips between the same two controls in a page view, each
    switch within toggle_gap_ms: once per pair, on its first flip."""
    d = s.d
    return f"""
    SELECT {d.arg_max("fid", "-ts")} AS fid, min(sk) AS sk, 'toggling' AS signal,
        CAST(count(*) AS INTEGER) AS n, sel, min(page) AS page
    FROM ({_feature(s, "flip")}) f
    WHERE v1 <= :toggle_gap_ms
    GROUP BY pvk, sel
    HAVING count(*) >= :toggle_min_flips
    """


def hesitations(s: Scope) -> str:
    return f"""
    SELECT {OUT.format(signal="hesitation", n="v1")} FROM signal_features
    WHERE {s.rows()} AND (kind = 'rest' OR kind = 'pause') AND v1 >= :hesitation_ms
    """


def thrashes(s: Scope) -> str:
    """thrash_min_reversals or more reversals (legs of thrash_min_px or more) within
    thrash_window_ms: once per page view, on the first."""
    d = s.d
    return f"""
    SELECT {d.arg_max("fid", "-ts")} AS fid, min(sk) AS sk, 'thrashed_cursor' AS signal,
        CAST(max(k) AS INTEGER) AS n, '' AS sel, min(page) AS page
    FROM (
        SELECT fid, sk, ts, pvk, page,
            count(*) OVER (PARTITION BY pvk ORDER BY ts
                RANGE BETWEEN CURRENT ROW AND :thrash_window_ms FOLLOWING) AS k
        FROM ({_feature(s, "reversal")}) f
        WHERE v1 >= :thrash_min_px
    ) r
    WHERE k >= :thrash_min_reversals
    GROUP BY pvk
    """
