"""Anomaly alerts: per-page metrics by hour and by day against a weekday-aware baseline.

For an hour (or a day) the baseline is the same hour (day) of the same weekday
in the previous ``baseline_weeks`` weeks: Monday 9:00 is compared with Mondays
at 9:00, not with Sunday night. The statistic is robust: the distance from the
baseline median in units of the median absolute deviation (scaled to a
standard deviation, with a floor per metric so a perfectly flat baseline does
not turn one event into an alert). An alert needs ``min_volume`` page views in
the period, at least three baseline periods with traffic, a score of ``z`` or
more, and no alert on the same page and metric within ``cooldown_hours``.

The metrics are portable SQL aggregates; only the per-page, per-period rows
(a handful per page) reach Python for the median and MAD.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from clearsight.analyse.features_pages import page_of
from clearsight.store.base import EventStore
from clearsight.store.control.friction import Deviation

HOUR_MS, DAY_MS, WEEK_MS = 3_600_000, 86_400_000, 7 * 86_400_000
ALERTS_KEY = "alerts"
PERIODS = {"hour": HOUR_MS, "day": DAY_MS}


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    floor: float
    """Smallest spread: the MAD of a flat baseline is 0, and one event must not alert."""
    both_ways: bool = False
    """Alert on drops too (time on page); the others only alert when they rise."""


METRICS = [
    Metric("rage_rate", "Rage clicks per 100 page views", "", 2.0),
    Metric("dead_rate", "Dead clicks per 100 page views", "", 2.0),
    Metric("error_rate", "Error clicks per 100 page views", "", 2.0),
    Metric("dropoff", "Page views that ended the session", "%", 5.0),
    Metric("time_on_page", "Median time on page", "s", 5.0, both_ways=True),
]
METRIC_BY_NAME = {m.name: m for m in METRICS}


class AlertSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    webhook_url: str = ""
    """Where alerts are POSTed; empty: in the app only. Set by an administrator."""
    format: str = "slack"
    """``slack`` (incoming-webhook JSON) or ``jira`` (create-issue JSON)."""
    jira_project: str = ""
    """Jira project key for ``jira`` payloads."""
    z: float = 4.0
    min_volume: int = 30
    cooldown_hours: int = 6
    baseline_weeks: int = 4


def buckets(end: int, period: str, weeks: int) -> list[tuple[int, int]]:
    """The period ending at ``end`` first, then the same period 1..weeks weeks earlier."""
    size = PERIODS[period]
    return [(end - size - k * WEEK_MS, end - k * WEEK_MS) for k in range(weeks + 1)]


def _bucket_case(ranges: Sequence[tuple[int, int]], col: str) -> str:
    whens = " ".join(
        f"WHEN {col} >= {int(a)} AND {col} < {int(b)} THEN {i}" for i, (a, b) in enumerate(ranges)
    )
    return f"CASE {whens} ELSE -1 END"


def page_metrics(
    store: EventStore, project: str, ranges: Sequence[tuple[int, int]]
) -> list[dict[str, Any]]:
    """Per (bucket, page): views, exits and median seconds on the page."""
    d = store.dialect
    b = _bucket_case(ranges, "p.ts")
    # Each period, and the half hour after it (the page view that ends the last one's time).
    near = " OR ".join(f"(ts >= {int(a)} AND ts < {int(z) + 1_800_000})" for a, z in ranges)
    sql = f"""
    SELECT bucket, page, count(*) AS views, sum(is_exit) AS exits,
        {d.quantile("seconds", 0.5)} AS median_seconds
    FROM (
        SELECT {b} AS bucket, {page_of(d, "p.path")} AS page,
            CASE WHEN p.next_ts IS NULL THEN 1 ELSE 0 END AS is_exit,
            (coalesce(p.next_ts, s.ended_at) - p.ts) / 1000.0 AS seconds
        FROM (
            SELECT sid, ts, path, {d.lead("ts", "PARTITION BY sid ORDER BY ts")} AS next_ts
            FROM pageviews WHERE project = :project AND ({near})
        ) p JOIN sessions s ON s.sid = p.sid AND s.project = :project
    ) v
    WHERE bucket >= 0
    GROUP BY bucket, page
    """
    rows: list[dict[str, Any]] = store.query(sql, {"project": project}).to_pylist()
    return rows


def signal_counts(
    store: EventStore, project: str, ranges: Sequence[tuple[int, int]]
) -> dict[tuple[int, str], dict[str, int]]:
    lo, hi = min(a for a, _ in ranges), max(b for _, b in ranges)
    b = _bucket_case(ranges, "f.ts")
    sql = f"""
    SELECT bucket, page, signal, count(*) AS n FROM (
        SELECT {b} AS bucket, f.page, g.signal
        FROM signals g JOIN signal_features f ON f.fid = g.fid AND f.project = g.project
        WHERE g.project = :project AND f.ts >= :lo AND f.ts < :hi
            AND (g.signal = 'rage_click' OR g.signal = 'dead_click' OR g.signal = 'error_click')
    ) v
    WHERE bucket >= 0
    GROUP BY bucket, page, signal
    """
    out: dict[tuple[int, str], dict[str, int]] = {}
    for r in store.query(sql, {"project": project, "lo": lo, "hi": hi}).to_pylist():
        out.setdefault((int(r["bucket"]), r["page"]), {})[r["signal"]] = int(r["n"])
    return out


def metric_values(
    views: int, exits: int, seconds: float, counts: dict[str, int]
) -> dict[str, float]:
    per100 = 100.0 / views if views else 0.0
    return {
        "rage_rate": counts.get("rage_click", 0) * per100,
        "dead_rate": counts.get("dead_click", 0) * per100,
        "error_rate": counts.get("error_click", 0) * per100,
        "dropoff": exits * per100,
        "time_on_page": seconds,
    }


def robust_score(
    value: float, baseline: Sequence[float], floor: float
) -> tuple[float, float, float]:
    """(median, spread, score): spread is 1.4826 x MAD, at least ``floor`` and 10% of the median."""
    median = statistics.median(baseline)
    mad = statistics.median(abs(v - median) for v in baseline)
    spread = max(1.4826 * mad, floor, 0.1 * abs(median))
    return median, spread, (value - median) / spread


def findings(
    store: EventStore, project: str, end: int, period: str, cfg: AlertSettings
) -> list[Deviation]:
    """Significant deviations in the period ending at ``end`` (before the cooldown)."""
    ranges = buckets(end, period, cfg.baseline_weeks)
    per_page: dict[str, dict[int, dict[str, float]]] = {}
    volume: dict[str, int] = {}
    counts = signal_counts(store, project, ranges)
    for r in page_metrics(store, project, ranges):
        bucket, page, views = int(r["bucket"]), r["page"], int(r["views"])
        values = metric_values(
            views, int(r["exits"]), float(r["median_seconds"] or 0), counts.get((bucket, page), {})
        )
        per_page.setdefault(page, {})[bucket] = values
        if bucket == 0:
            volume[page] = views
    found = []
    for page, by_bucket in per_page.items():
        if volume.get(page, 0) < cfg.min_volume or 0 not in by_bucket:
            continue
        past = [by_bucket[b] for b in range(1, len(ranges)) if b in by_bucket]
        if len(past) < 3:
            continue
        for m in METRICS:
            value = by_bucket[0][m.name]
            median, spread, score = robust_score(value, [p[m.name] for p in past], m.floor)
            if score >= cfg.z or (m.both_ways and score <= -cfg.z):
                start = ranges[0][0]
                found.append(
                    Deviation(
                        page, m.name, period, start, value, median, spread, score, volume[page]
                    )
                )
    return found
