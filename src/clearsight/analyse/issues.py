"""Issues: signals grouped by page, element and signal, ranked by estimated business impact.

For each group: sessions affected and the share of the page's views, a daily
trend, the saved funnel step the page is, the conversion of affected
and unaffected visitors of the page, the estimated conversions lost
((unaffected rate − affected rate) × affected sessions), and the sample and
confidence of that gap (a two-proportion z-test). Groups with fewer than
``min_sessions`` affected (or unaffected) sessions are hidden: their gap is
noise. The SQL is portable; only the few aggregated rows reach Python.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

import msgspec

from clearsight.analyse.conversion import converted_sids_sql, goal_of
from clearsight.analyse.features_pages import page_of
from clearsight.analyse.funnels import Funnel, saved
from clearsight.analyse.signals import SIGNALS
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane
from clearsight.store.filters import scoped_sessions_sql
from clearsight.urlglob import glob_to_regex

DAY_MS = 86_400_000
ISSUES_KEY = "issues"


class IssueSettings(msgspec.Struct, frozen=True):
    min_sessions: int = 20
    """Affected (and unaffected) sessions an issue needs before it is shown."""


class Issue(msgspec.Struct, frozen=True):
    key: str
    signal: str
    label: str
    page: str
    sel: str
    sessions: int
    occurrences: int
    pageviews_affected: int
    page_views: int
    share: float
    """Share of the page's views in which the signal happened."""
    trend: list[int]
    """Sessions affected per day, oldest first."""
    change: float | None
    """Last 7 days against the 7 before, as a fraction; None without enough days."""
    funnel_step: str | None
    page_sessions: int
    conversion_affected: float | None
    conversion_unaffected: float | None
    gap: float | None
    gap_low: float | None
    gap_high: float | None
    lost_conversions: float | None
    confidence: float | None
    verdict: str | None = None


def issue_key(signal: str, page: str, sel: str) -> str:
    return hashlib.sha256(f"{signal}\0{page}\0{sel}".encode()).hexdigest()[:16]


def settings_of(control: ControlPlane, project: str) -> IssueSettings:
    return control.settings.get(project, ISSUES_KEY, IssueSettings, IssueSettings())


def _scope(store: EventStore, sessions: SessionFilter) -> tuple[str, dict[str, Any]]:
    return scoped_sessions_sql(sessions, store.dialect)


def _converted(
    store: EventStore, control: ControlPlane, project: str
) -> tuple[str, dict[str, Any]]:
    sql, params = converted_sids_sql(goal_of(control, project), store.dialect)
    return f"SELECT DISTINCT sid, 1 AS conv FROM ({sql}) c", params


def group_rows(
    store: EventStore, control: ControlPlane, project: str, sessions: SessionFilter, since: int,
    until: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Per (signal, page, sel): sessions, page views, occurrences and converted sessions."""
    scoped, params = _scope(store, sessions)
    conv, conv_params = _converted(store, control, project)
    sql = f"""
    SELECT g.signal, f.page, f.sel, count(DISTINCT f.sid) AS sessions,
        count(DISTINCT f.pvk) AS pvs, count(*) AS occurrences,
        count(DISTINCT CASE WHEN c.conv = 1 THEN f.sid END) AS converted
    FROM signals g JOIN signal_features f ON f.fid = g.fid AND f.project = g.project
    LEFT JOIN ({conv}) c ON c.sid = f.sid
    WHERE g.project = :project AND f.ts >= :since AND f.ts < :until AND f.sid IN ({scoped})
    GROUP BY g.signal, f.page, f.sel
    """
    args = params | conv_params | {"project": project, "since": since, "until": until}
    rows: list[dict[str, Any]] = store.query(sql, args).to_pylist()
    return rows


def page_rows(
    store: EventStore, control: ControlPlane, project: str, sessions: SessionFilter, since: int,
    until: int,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Per page: views, sessions and converted sessions in the period."""
    scoped, params = _scope(store, sessions)
    conv, conv_params = _converted(store, control, project)
    sql = f"""
    SELECT page, sum(views) AS views, count(DISTINCT sid) AS sessions,
        count(DISTINCT CASE WHEN conv = 1 THEN sid END) AS converted
    FROM (
        SELECT {page_of(store.dialect, "p.path")} AS page, p.sid AS sid, count(*) AS views,
            max(coalesce(c.conv, 0)) AS conv
        FROM pageviews p LEFT JOIN ({conv}) c ON c.sid = p.sid
        WHERE p.project = :project AND p.ts >= :since AND p.ts < :until
            AND p.sid IN ({scoped})
        GROUP BY p.path, p.sid
    ) v
    GROUP BY page
    """
    args = params | conv_params | {"project": project, "since": since, "until": until}
    return {r["page"]: r for r in store.query(sql, args).to_pylist()}


def daily_rows(
    store: EventStore, project: str, sessions: SessionFilter, since: int, until: int
) -> dict[tuple[str, str, str], dict[int, int]]:
    scoped, params = _scope(store, sessions)
    day = "CAST(floor(f.ts / 86400000) AS BIGINT)"
    sql = f"""
    SELECT g.signal, f.page, f.sel, {day} AS d, count(DISTINCT f.sid) AS sessions
    FROM signals g JOIN signal_features f ON f.fid = g.fid AND f.project = g.project
    WHERE g.project = :project AND f.ts >= :since AND f.ts < :until AND f.sid IN ({scoped})
    GROUP BY g.signal, f.page, f.sel, {day}
    """
    out: dict[tuple[str, str, str], dict[int, int]] = {}
    args = params | {"project": project, "since": since, "until": until}
    for r in store.query(sql, args).to_pylist():
        out.setdefault((r["signal"], r["page"], r["sel"]), {})[int(r["d"])] = int(r["sessions"])
    return out


def conversion_gap(x1: int, n1: int, x2: int, n2: int) -> dict[str, float]:
    """Affected (x1 of n1 converted) against unaffected (x2 of n2): rates, gap, its 95%
    interval and the confidence that the rates differ (1 - two-sided p of a z-test)."""
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (p2 - p1) / se0 if se0 else 0.0
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return {
        "p1": p1,
        "p2": p2,
        "gap": p2 - p1,
        "low": p2 - p1 - 1.96 * se,
        "high": p2 - p1 + 1.96 * se,
        "confidence": 1 - math.erfc(abs(z) / math.sqrt(2)),
    }


def funnel_step_of(funnels: list[Funnel], page: str) -> str | None:
    """The first page step of the project's saved funnels (by funnel id, then step) whose
    path glob matches the issue's page. Pages fold ids to ``*`` (``/loan/*/offer``), and
    a glob's ``*`` matches that as it matches the id."""
    for funnel in funnels:
        for n, step in enumerate(funnel.steps, 1):
            if step.url and re.fullmatch(glob_to_regex(step.url), page):
                return f"{funnel.name} · step {n}: {step.label}"
    return None


def _trend(days: dict[int, int], since: int, until: int) -> tuple[list[int], float | None]:
    first, last = since // DAY_MS, (until - 1) // DAY_MS
    series = [days.get(d, 0) for d in range(first, last + 1)]
    if len(series) < 14:
        return series, None
    recent, before = sum(series[-7:]), sum(series[-14:-7])
    return series, ((recent - before) / before) if before else None


def _issue(
    g: dict[str, Any], page: dict[str, Any], days: dict[int, int], since: int, until: int,
    step: str | None, has_goal: bool,
) -> Issue:  # fmt: skip
    n1, x1 = int(g["sessions"]), int(g["converted"])
    n2 = max(0, int(page.get("sessions", 0)) - n1)
    x2 = max(0, int(page.get("converted", 0)) - x1)
    stats = conversion_gap(x1, n1, x2, n2) if has_goal and n1 and n2 else None
    views = int(page.get("views", 0))
    series, change = _trend(days, since, until)
    return Issue(
        key=issue_key(g["signal"], g["page"], g["sel"]),
        signal=g["signal"],
        label=SIGNALS.get(g["signal"], g["signal"]),
        page=g["page"],
        sel=g["sel"],
        sessions=n1,
        occurrences=int(g["occurrences"]),
        pageviews_affected=int(g["pvs"]),
        page_views=views,
        share=(int(g["pvs"]) / views) if views else 0.0,
        trend=series,
        change=change,
        funnel_step=step,
        page_sessions=int(page.get("sessions", 0)),
        conversion_affected=stats["p1"] if stats else None,
        conversion_unaffected=stats["p2"] if stats else None,
        gap=stats["gap"] if stats else None,
        gap_low=stats["low"] if stats else None,
        gap_high=stats["high"] if stats else None,
        lost_conversions=stats["gap"] * n1 if stats else None,
        confidence=stats["confidence"] if stats else None,
    )


def ranked_issues(
    store: EventStore, control: ControlPlane, project: str, sessions: SessionFilter, since: int,
    until: int, min_sessions: int | None = None,
) -> tuple[list[Issue], int]:  # fmt: skip
    """The project's issues, most conversions lost first (most sessions first without a
    goal), and how many groups were hidden for a small sample."""
    floor = settings_of(control, project).min_sessions if min_sessions is None else min_sessions
    groups = group_rows(store, control, project, sessions, since, until)
    pages = page_rows(store, control, project, sessions, since, until)
    daily = daily_rows(store, project, sessions, since, until)
    verdicts = _issue_verdicts(control, project)
    has_goal = bool(goal_of(control, project).url_pattern)
    funnels = saved(control).list(project)
    shown, hidden = [], 0
    for g in groups:
        page = pages.get(g["page"], {})
        unaffected = int(page.get("sessions", 0)) - int(g["sessions"])
        if int(g["sessions"]) < floor or (has_goal and unaffected < floor):
            hidden += 1
            continue
        key = (g["signal"], g["page"], g["sel"])
        step = funnel_step_of(funnels, g["page"])
        issue = _issue(g, page, daily.get(key, {}), since, until, step, has_goal)
        shown.append(msgspec.structs.replace(issue, verdict=verdicts.get(key)))
    shown.sort(key=lambda i: (-(i.lost_conversions or 0.0), -i.sessions, i.key))
    return shown, hidden


def _issue_verdicts(control: ControlPlane, project: str) -> dict[tuple[str, str, str], str]:
    out: dict[tuple[str, str, str], str] = {}
    for mark in control.friction.marks(project):
        if mark.session_ref is None:
            out.setdefault((mark.signal, mark.page, mark.sel), mark.verdict)
    return out


def representative_replays(
    store: EventStore, project: str, sessions: SessionFilter, signal: str, page: str, sel: str,
    since: int, until: int, limit: int = 5,
) -> list[dict[str, Any]]:  # fmt: skip
    """The sessions whose occurrence is most typical of the group (size closest to the
    group's median), most recent first among equals, each with the offset into its
    replay where the signal happened (2 s before it, to see it coming)."""
    d = store.dialect
    scoped, params = _scope(store, sessions)
    where = (
        "g.project = :project AND g.signal = :signal AND f.page = :page AND f.sel = :sel "
        f"AND f.ts >= :since AND f.ts < :until AND f.sid IN ({scoped})"
    )
    joined = "signals g JOIN signal_features f ON f.fid = g.fid AND f.project = g.project"
    sql = f"""
    SELECT o.sid AS sid, o.ts AS ts, o.n AS n, s.started_at AS started_at,
        greatest(0, o.ts - s.started_at - 2000) AS offset_ms
    FROM (
        SELECT f.sid, min(f.ts) AS ts, max(g.n) AS n FROM {joined} WHERE {where} GROUP BY f.sid
    ) o
    JOIN sessions s ON s.sid = o.sid AND s.project = :project
    CROSS JOIN (SELECT {d.quantile("g.n", 0.5)} AS median FROM {joined} WHERE {where}) m
    ORDER BY abs(o.n - m.median), o.ts DESC, o.sid
    LIMIT :limit
    """
    args = params | {
        "project": project, "signal": signal, "page": page, "sel": sel, "since": since,
        "until": until, "limit": limit,
    }  # fmt: skip
    rows: list[dict[str, Any]] = store.query(sql, args).to_pylist()
    return rows
