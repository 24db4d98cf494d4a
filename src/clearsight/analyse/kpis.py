"""The dashboard's journey KPIs: completion, time on page, error clicks, drop-off by step
and replays per funnel stage, each for a period and the one before it, with a daily
series for the trend.

All of it is aggregate SQL over the caller's scoped sessions (``SessionFilter``
from ``Access.sessions``); nothing customer-level leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from clearsight.analyse import funnel_sql, funnels
from clearsight.analyse.conversion import converted_sids_sql, goal_of
from clearsight.analyse.sqlbuild import Binder
from clearsight.store.base import EventStore, SessionFilter, SubQuery
from clearsight.store.control import ControlPlane
from clearsight.store.filters import session_where

DAY = 86_400_000
IDLE_MS = 30 * 60_000
"""Page views longer than this are someone who walked away, not time on the page."""


@dataclass(frozen=True)
class Period:
    since: int
    until: int

    @property
    def days(self) -> int:
        return max(1, (self.until - self.since) // DAY)

    @property
    def day_numbers(self) -> range:
        """The period's days, as days since the epoch (UTC)."""
        first = self.since // DAY
        return range(first, first + self.days)

    @property
    def previous(self) -> Period:
        return Period(self.since - (self.until - self.since), self.since)

    @classmethod
    def last(cls, days: int, now_ms: int) -> Period:
        end = (now_ms // DAY + 1) * DAY  # through the end of today (UTC)
        return cls(end - days * DAY, end)

    def measure(
        self, over: Callable[[range], float | None]
    ) -> tuple[float | None, float | None, list[float | None]]:
        """``over`` (a measure of a range of days) for this period, for the one
        before it, and for each day of this period: a KPI's value, previous
        value and series."""
        now = self.day_numbers
        return over(now), over(self.previous.day_numbers), [over(range(d, d + 1)) for d in now]


@dataclass
class Kpi:
    key: str
    label: str
    value: float | None
    previous: float | None = None
    unit: Literal["pct", "ms", "count"] = "count"
    better: Literal["up", "down", "none"] = "up"
    link: str = ""
    series: list[float | None] = field(default_factory=list)
    available: bool = True
    note: str = ""

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if not b or a is None else float(a) / float(b)


def daily(
    store: EventStore, control: ControlPlane, project: str, f: SessionFilter, start: SubQuery
) -> list[dict[str, Any]]:
    """Per day of session start: sessions, sessions that started the application (``start``
    selects them), those that also converted, and those with an error click."""
    d = store.dialect
    where, params = session_where(f, d)
    converted, goal_params = converted_sids_sql(goal_of(control, project), d, "kp")
    sql = (
        "SELECT CAST(floor(started_at / 86400000) AS BIGINT) AS day, count(*) AS sessions, "
        f"CAST(sum(CASE WHEN sid IN ({start.sql}) THEN 1 ELSE 0 END) AS BIGINT) AS started, "
        f"CAST(sum(CASE WHEN sid IN ({start.sql}) AND sid IN ({converted}) THEN 1 ELSE 0 END) "
        "AS BIGINT) AS completed, CAST(sum(CASE WHEN sid IN (SELECT sid FROM clicks "
        "WHERE project = :kp AND fx_err) THEN 1 ELSE 0 END) AS BIGINT) AS error_sessions "
        f"FROM sessions WHERE {where} GROUP BY day ORDER BY day"
    )
    rows: list[dict[str, Any]] = store.query(
        sql, params | goal_params | start.params | {"kp": project}
    ).to_pylist()
    return rows


def time_on_page(store: EventStore, f: SessionFilter) -> list[dict[str, Any]]:
    """Per day: the median ms between a page view and the next one in the same session."""
    d = store.dialect
    where, params = session_where(f, d)
    nxt = d.lead("ts", "PARTITION BY sid ORDER BY ts")
    sql = (
        f"SELECT CAST(floor(ts / 86400000) AS BIGINT) AS day, {d.quantile('next_ts - ts', 0.5)} "
        f"AS med, count(*) AS n FROM (SELECT sid, ts, {nxt} AS next_ts FROM pageviews "
        f"WHERE sid IN (SELECT sid FROM sessions WHERE {where})) pv "
        f"WHERE next_ts IS NOT NULL AND next_ts - ts < {IDLE_MS} GROUP BY day ORDER BY day"
    )
    rows: list[dict[str, Any]] = store.query(sql, params).to_pylist()
    return rows


def _series(rows: list[dict[str, Any]], period: Period, value: Any) -> list[float | None]:
    by_day = {int(r["day"]): r for r in rows}
    return [value(by_day[day]) if day in by_day else None for day in period.day_numbers]


def _sum(rows: list[dict[str, Any]], key: str) -> int:
    return sum(int(r[key] or 0) for r in rows)


def _median_of_days(rows: list[dict[str, Any]]) -> float | None:
    """Weighted mean of daily medians: close to the period's median, from one query."""
    n = sum(int(r["n"]) for r in rows)
    return sum(float(r["med"]) * int(r["n"]) for r in rows) / n if n else None


@dataclass
class Inputs:
    store: EventStore
    control: ControlPlane
    project: str
    period: Period
    scoped: Any
    """(since, until) → the caller's scoped SessionFilter for that period."""
    funnel: funnels.Funnel | None


def journey_kpis(i: Inputs) -> list[Kpi]:
    now, before = i.period, i.period.previous
    if i.funnel is not None:
        bind = Binder("ks")
        p = bind(i.project)
        step1 = funnel_sql.step_match_sql(i.funnel.steps[0], p, i.store.dialect, bind)
        start = SubQuery(f"SELECT sid FROM ({step1}) s1", bind.params)
    else:
        start = SubQuery("SELECT sid FROM sessions")
    cur = daily(i.store, i.control, i.project, i.scoped(now), start)
    old = daily(i.store, i.control, i.project, i.scoped(before), start)
    pages_now = time_on_page(i.store, i.scoped(now))
    pages_old = time_on_page(i.store, i.scoped(before))
    goal = goal_of(i.control, i.project)
    completion = Kpi(
        "completion",
        "Application completion rate",
        _ratio(_sum(cur, "completed"), _sum(cur, "started")),
        _ratio(_sum(old, "completed"), _sum(old, "started")),
        unit="pct",
        series=_series(cur, now, lambda r: _ratio(r["completed"], r["started"])),
        available=bool(goal.url_pattern),
        note=f"reached “{goal.label or goal.url_pattern}” of those who started"
        if goal.url_pattern
        else "set the project's conversion goal to measure completion",
    )
    return [
        completion,
        Kpi(
            "time_on_page",
            "Median time on page",
            _median_of_days(pages_now),
            _median_of_days(pages_old),
            unit="ms",
            better="none",
            series=_series(pages_now, now, lambda r: float(r["med"])),
        ),
        Kpi(
            "error_clicks",
            "Sessions with error clicks",
            _ratio(_sum(cur, "error_sessions"), _sum(cur, "sessions")),
            _ratio(_sum(old, "error_sessions"), _sum(old, "sessions")),
            unit="pct",
            better="down",
            series=_series(cur, now, lambda r: _ratio(r["error_sessions"], r["sessions"])),
            note="a click followed by a script error",
        ),
        Kpi(
            "sessions",
            "Sessions",
            _sum(cur, "sessions"),
            _sum(old, "sessions"),
            better="none",
            series=_series(cur, now, lambda r: float(r["sessions"])),
        ),
    ]


def stages(i: Inputs) -> dict[str, list[dict[str, Any]]]:
    """The primary funnel now and before, and the drop-offs with a replay still stored."""
    if i.funnel is None:
        return {}
    now = funnels.run(i.store, i.funnel, i.project, i.scoped(i.period)).get("", [])
    old = funnels.run(i.store, i.funnel, i.project, i.scoped(i.period.previous)).get("", [])
    replays = SubQuery("SELECT sid FROM replay_chunks WHERE project = :rp", {"rp": i.project})
    f = i.scoped(i.period)
    with_replay = msgspec.structs.replace(f, within=(*f.within, replays))
    kept = funnels.run(i.store, i.funnel, i.project, with_replay).get("", [])
    empty = funnels.shape(i.funnel, {})
    return {"now": now or empty, "before": old or empty, "replays": kept or empty}
