"""Friction records of the control plane: analysts' marks on signals, and anomaly alerts.

The tables are declared in ``schema.py`` with the rest (migration 0004). Marks
name a session only by the audit log's keyed hash (``Auditor.session_ref``):
erasing a session leaves nothing here that points back at it.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa

from clearsight.store.control.clock import now_ms
from clearsight.store.control.schema import anomaly_alerts, signal_marks


class Mark(msgspec.Struct, frozen=True):
    id: int
    project: str
    signal: str
    page: str
    sel: str
    session_ref: str | None
    ts: int | None
    verdict: str
    note: str
    actor: str
    created_at: int


class Deviation(msgspec.Struct, frozen=True):
    """A page's metric in one period, against its baseline (``analyse.anomalies``)."""

    page: str
    metric: str
    period: str
    bucket_start: int
    value: float
    baseline: float
    spread: float
    score: float
    volume: int


class Alert(Deviation, frozen=True):
    id: int
    project: str
    created_at: int
    delivery: str


class FrictionRecords:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- marks ---------------------------------------------------------------------------------

    def add_mark(self, **values: Any) -> Mark:
        values = values | {"created_at": now_ms()}
        with self.engine.begin() as conn:
            made = conn.execute(signal_marks.insert().values(**values))
            mark_id = made.inserted_primary_key[0]  # type: ignore[index]
        return Mark(id=int(mark_id), **values)

    def marks(self, project: str, signal: str | None = None, limit: int = 1000) -> list[Mark]:
        q = sa.select(signal_marks).where(signal_marks.c.project == project)
        if signal:
            q = q.where(signal_marks.c.signal == signal)
        q = q.order_by(signal_marks.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [Mark(**r._mapping) for r in conn.execute(q)]

    def verdicts(self, project: str) -> dict[str, dict[str, int]]:
        """Per signal, per verdict: how many marks (the latest mark per flag or issue counts)."""
        latest = (
            sa.select(sa.func.max(signal_marks.c.id).label("id"))
            .where(signal_marks.c.project == project)
            .group_by(
                signal_marks.c.signal,
                signal_marks.c.page,
                signal_marks.c.sel,
                signal_marks.c.session_ref,
                signal_marks.c.ts,
            )
            .subquery()
        )
        q = (
            sa.select(signal_marks.c.signal, signal_marks.c.verdict, sa.func.count())
            .where(signal_marks.c.id.in_(sa.select(latest.c.id)))
            .group_by(signal_marks.c.signal, signal_marks.c.verdict)
        )
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for signal, verdict, count in conn.execute(q):
                out.setdefault(signal, {})[verdict] = int(count)
        return out

    # -- alerts --------------------------------------------------------------------------------

    def add_alert(self, project: str, found: Deviation, delivery: str) -> Alert:
        values = msgspec.structs.asdict(found) | {
            "project": project,
            "created_at": now_ms(),
            "delivery": delivery,
        }
        with self.engine.begin() as conn:
            made = conn.execute(anomaly_alerts.insert().values(**values))
            alert_id = made.inserted_primary_key[0]  # type: ignore[index]
        return Alert(id=int(alert_id), **values)

    def set_delivery(self, alert_id: int, delivery: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                anomaly_alerts.update()
                .where(anomaly_alerts.c.id == alert_id)
                .values(delivery=delivery[:200])
            )

    def alerts(self, projects: tuple[str, ...] | None, limit: int = 200) -> list[Alert]:
        q = sa.select(anomaly_alerts).order_by(anomaly_alerts.c.id.desc()).limit(limit)
        if projects is not None:
            q = q.where(anomaly_alerts.c.project.in_(projects))
        with self.engine.connect() as conn:
            return [Alert(**r._mapping) for r in conn.execute(q)]

    def last_alert(self, project: str, page: str, metric: str, period: str) -> Alert | None:
        q = (
            sa.select(anomaly_alerts)
            .where(
                (anomaly_alerts.c.project == project)
                & (anomaly_alerts.c.page == page)
                & (anomaly_alerts.c.metric == metric)
                & (anomaly_alerts.c.period == period)
            )
            .order_by(anomaly_alerts.c.bucket_start.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return Alert(**row._mapping) if row else None
