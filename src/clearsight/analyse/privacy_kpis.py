"""The dashboard's privacy KPIs: masking coverage and PII incidents, per project and day.

They fill the slots of ``compliance_kpis.SLOTS``; ``app.py`` registers them as the
dashboard's sources. Figures are the same as the Privacy page's (``analyse/privacy.py``):
coverage is the share of sessions that started in the period in which the server had
to mask nothing; incidents are the values the server masked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clearsight.analyse.kpis import Kpi, Period
from clearsight.store.base import EventStore


def _per_day(
    store: EventStore, sql: str, project: str, period: Period
) -> dict[int, dict[str, Any]]:
    rows = store.query(
        sql, {"project": project, "since": period.previous.since, "until": period.until}
    ).to_pylist()
    return {int(r["d"]): r for r in rows}


def masking_coverage(store: EventStore, project: str, period: Period) -> Kpi:
    by_day = _per_day(
        store,
        "SELECT CAST(floor(started_at / 86400000) AS BIGINT) AS d, count(*) AS sessions, "
        "CAST(sum(CASE WHEN sid IN (SELECT sid FROM privacy_catches WHERE project = :project) "
        "THEN 1 ELSE 0 END) AS BIGINT) AS caught FROM sessions "
        "WHERE project = :project AND started_at >= :since AND started_at < :until "
        "GROUP BY d",
        project,
        period,
    )

    def share(days: range) -> float | None:
        total = sum(int(by_day[d]["sessions"]) for d in days if d in by_day)
        caught = sum(int(by_day[d]["caught"]) for d in days if d in by_day)
        return (total - caught) / total if total else None

    value, previous, series = period.measure(share)
    return Kpi(
        "masking_coverage",
        "Masking coverage",
        value,
        previous,
        unit="pct",
        link="/privacy",
        series=series,
        note="sessions in which the server had to mask nothing the capture script missed"
        if value is not None
        else "no sessions in this period",
    )


def pii_incidents(store: EventStore, project: str, period: Period) -> Kpi:
    by_day = _per_day(
        store,
        "SELECT CAST(floor(ts / 86400000) AS BIGINT) AS d, CAST(sum(count) AS BIGINT) AS n "
        "FROM privacy_catches WHERE project = :project AND ts >= :since AND ts < :until "
        "GROUP BY d",
        project,
        period,
    )

    def total(days: range) -> float:
        return float(sum(int(by_day[d]["n"]) for d in days if d in by_day))

    value, previous, series = period.measure(total)
    return Kpi(
        "pii_incidents",
        "PII incidents",
        value,
        previous,
        unit="count",
        better="down",
        link="/privacy",
        series=series,
        note="values the server masked because the capture script let them through",
    )


def sources(store: EventStore) -> dict[str, Callable[[str, Period], Kpi | None]]:
    """The slot key → source mapping the dashboard takes."""
    return {
        "masking_coverage": lambda project, period: masking_coverage(store, project, period),
        "pii_incidents": lambda project, period: pii_incidents(store, project, period),
    }
