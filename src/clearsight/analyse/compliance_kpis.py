"""The dashboard's compliance KPIs: audit-chain status and consent rate from the
control plane, and slots for KPIs computed elsewhere (masking coverage, PII incidents).

Those come from ``analyse/privacy_kpis.py``, registered as ``Dashboard.sources``
(``web/dashboard.py``, wired in ``app.py``) under the slot's key. A slot with no
source says "not available" rather than showing a number nobody measured.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa

from clearsight.analyse.kpis import DAY, Kpi, Period
from clearsight.govern.audit import Auditor, VerifyReport
from clearsight.store.control import ControlPlane
from clearsight.store.control import schema as t

KpiSource = Callable[[str, Period], Kpi | None]
"""(project, period) → the KPI with its previous value and daily series, or None."""

SLOTS: dict[str, tuple[str, str, str]] = {
    # key: (label, permission to see it, what fills it)
    "masking_coverage": ("Masking coverage", "privacy.view", "the privacy checks"),
    "pii_incidents": ("PII incidents", "privacy.view", "the privacy checks"),
}


_verified: dict[int, tuple[float, VerifyReport]] = {}
VERIFY_EVERY = 60.0
"""Seconds a verification of the whole audit chain is reused for (it reads every entry)."""


def _verify(auditor: Auditor) -> VerifyReport:
    cached = _verified.get(id(auditor))
    if cached is None or time.monotonic() - cached[0] > VERIFY_EVERY:
        cached = _verified[id(auditor)] = (time.monotonic(), auditor.verify())
    return cached[1]


def audit_status(auditor: Auditor, period: Period) -> Kpi:
    """Problems found by verifying the hash chain and its signed checkpoints (0 is good),
    at most a minute ago; the series counts entries written per day."""
    result = _verify(auditor)
    c = t.audit_log.c
    day = sa.cast(c.ts / DAY, sa.BigInteger)
    with auditor.control.engine.connect() as conn:
        rows = conn.execute(
            sa.select(day, sa.func.count())
            .where((c.ts >= period.previous.since) & (c.ts < period.until))
            .group_by(day)
        ).all()
    per_day = {int(d): int(n) for d, n in rows}
    note = (
        f"chain verified: {result.entries:,} entries, {result.checkpoints} signed checkpoints"
        if result.ok
        else f"{len(result.problems)} problem(s), first at entry {result.problems[0].seq}: "
        f"{result.problems[0].what}"
    )
    return Kpi(
        "audit",
        "Audit log integrity",
        float(len(result.problems)),
        unit="count",
        better="down",
        link="/audit",
        series=[float(per_day.get(d, 0)) for d in period.day_numbers],
        note=note,
    )


def consent_rate(control: ControlPlane, project: str, period: Period) -> Kpi:
    """Share of consent decisions that granted recording (granted / granted + denied)."""
    c = t.consent_decisions.c
    day = sa.cast(c.received_at / DAY, sa.BigInteger)
    with control.engine.connect() as conn:
        rows = conn.execute(
            sa.select(day, c.state, sa.func.count())
            .where(
                (c.project == project)
                & (c.received_at >= period.previous.since)
                & (c.received_at < period.until)
            )
            .group_by(day, c.state)
        ).all()
    per_day: dict[int, Counter[str]] = {}
    for d, state, n in rows:
        per_day.setdefault(int(d), Counter())[str(state)] += int(n)

    def rate(days: range) -> float | None:
        granted = sum(per_day.get(d, Counter())["granted"] for d in days)
        denied = sum(per_day.get(d, Counter())["denied"] for d in days)
        return granted / (granted + denied) if granted + denied else None

    value, previous, series = period.measure(rate)
    return Kpi(
        "consent",
        "Consent rate",
        value,
        previous,
        unit="pct",
        link="/compliance",
        series=series,
        note="visitors who granted recording, of those who decided"
        if value is not None
        else "no consent decisions were recorded in this period",
    )


def missing(key: str) -> Kpi:
    label, _, source = SLOTS[key]
    return Kpi(
        key,
        label,
        None,
        available=False,
        note=f"not available: this server has no {source} yet",
    )
