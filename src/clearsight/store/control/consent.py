"""The consent ledger's figures: decisions per day, refused batches per day, withdrawals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from clearsight.store.control import schema as t

DAY_MS = 86_400_000
STATES = ("granted", "denied", "withdrawn")


class ConsentFigures:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add_refusals(self, counts: Mapping[tuple[str, int], int]) -> None:
        """Add refused-batch counts per (project, day)."""
        r = t.consent_refusals.c
        with self.engine.begin() as conn:
            for (project, day), n in counts.items():
                if n <= 0:
                    continue
                done = conn.execute(
                    t.consent_refusals.update()
                    .where((r.project == project) & (r.day == day))
                    .values(batches=r.batches + n)
                )
                if not done.rowcount:
                    conn.execute(
                        t.consent_refusals.insert().values(project=project, day=day, batches=n)
                    )

    def per_day(
        self, projects: tuple[str, ...] | None, since_ms: int, until_ms: int
    ) -> list[dict[str, Any]]:
        """Per project and UTC day: decisions by state and refused batches."""
        c, r = t.consent_decisions.c, t.consent_refusals.c
        day = c.received_at // DAY_MS
        decisions = (
            sa.select(c.project, day.label("day"), c.state, sa.func.count().label("n"))
            .where((c.received_at >= since_ms) & (c.received_at < until_ms))
            .group_by(c.project, day, c.state)
        )
        refusals = sa.select(r.project, r.day, r.batches).where(
            (r.day >= since_ms // DAY_MS) & (r.day <= (until_ms - 1) // DAY_MS)
        )
        if projects is not None:
            decisions = decisions.where(c.project.in_(projects))
            refusals = refusals.where(r.project.in_(projects))
        rows: dict[tuple[str, int], dict[str, Any]] = defaultdict(
            lambda: {s: 0 for s in STATES} | {"refused_batches": 0}
        )
        with self.engine.connect() as conn:
            for project, d, state, n in conn.execute(decisions):
                if state in STATES:
                    rows[(project, int(d))][state] += int(n)
            for project, d, n in conn.execute(refusals):
                rows[(project, int(d))]["refused_batches"] += int(n)
        return [{"project": p, "day": d} | v for (p, d), v in sorted(rows.items())]

    def ended_sessions(self, since_ms: int) -> list[str]:
        """Sessions whose latest decision since ``since_ms`` denied or withdrew consent."""
        c = t.consent_decisions.c
        q = (
            sa.select(c.sid, c.state)
            .where((c.sid != "") & (c.received_at >= since_ms))
            .order_by(c.id)
        )
        latest: dict[str, str] = {}
        with self.engine.connect() as conn:
            for sid, state in conn.execute(q):
                latest[str(sid)] = str(state)
        return [sid for sid, state in latest.items() if state != "granted"]
