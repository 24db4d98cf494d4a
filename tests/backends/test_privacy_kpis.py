"""The dashboard's privacy KPIs give the same figures on DuckDB and on ClickHouse."""

from __future__ import annotations

from clearsight.analyse import privacy_kpis
from clearsight.analyse.kpis import DAY, Period
from clearsight.store.accepted import Incident
from clearsight.store.base import EventStore
from tests.backends.test_event_store import accepted
from tests.support import batch

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def _stored(store: EventStore, project: str, sid: str, ts: int, caught: int) -> None:
    body = batch("k", sid=sid, ts=ts)
    incidents = [Incident("email", "event.url", "", "https://bank.test/", caught)] if caught else []
    store.apply([accepted(project, body, incidents)])


def test_masking_coverage_and_incidents_per_day(store: EventStore, project: str) -> None:
    # Day 1: three sessions, one with two values caught. Day 2: one clean session.
    _stored(store, project, f"{project}-a", T0 + 1000, 0)
    _stored(store, project, f"{project}-b", T0 + 2000, 2)
    _stored(store, project, f"{project}-c", T0 + 3000, 0)
    _stored(store, project, f"{project}-d", T0 + DAY + 1000, 0)
    period = Period(T0, T0 + 2 * DAY)
    coverage = privacy_kpis.masking_coverage(store, project, period)
    assert coverage.value == 0.75 and coverage.previous is None
    assert coverage.series == [2 / 3, 1.0]
    incidents = privacy_kpis.pii_incidents(store, project, period)
    assert incidents.value == 2 and incidents.previous == 0 and incidents.series == [2, 0]
