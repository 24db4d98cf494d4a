"""Batch-id claims: exactly-once storage across ingest workers sharing one event store."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from clearsight.store.control import schema as t
from clearsight.store.control.clock import now_ms

STALE_MS = 3_600_000


class BatchClaims:
    def __init__(self, engine: sa.Engine, worker: str) -> None:
        self.engine = engine
        self.worker = worker

    def claim(self, bids: Sequence[str]) -> set[str]:
        """The ids this worker may store: unclaimed, already its own, or stale."""
        if not bids:
            return set()
        now = now_ms()
        c = t.batch_claims.c
        granted: set[str] = set()
        with self.engine.begin() as conn:
            existing = {
                r.bid: (r.worker, r.claimed_at)
                for r in conn.execute(
                    sa.select(c.bid, c.worker, c.claimed_at)
                    .where(c.bid.in_(list(bids)))
                    .with_for_update()
                )
            }
            for bid in dict.fromkeys(bids):
                holder = existing.get(bid)
                if holder is None:
                    if self._insert(conn, bid, now):
                        granted.add(bid)
                elif holder[0] == self.worker or holder[1] < now - STALE_MS:
                    conn.execute(
                        t.batch_claims.update()
                        .where(c.bid == bid)
                        .values(worker=self.worker, claimed_at=now)
                    )
                    granted.add(bid)
        return granted

    def _insert(self, conn: sa.Connection, bid: str, now: int) -> bool:
        """Insert unless another worker got there first (unique key)."""
        try:
            with conn.begin_nested():
                conn.execute(
                    t.batch_claims.insert().values(bid=bid, worker=self.worker, claimed_at=now)
                )
            return True
        except sa.exc.IntegrityError:
            return False

    def forget_before(self, before_ms: int) -> int:
        """Claims only matter while retries can arrive; old ones are dropped by retention."""
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    t.batch_claims.delete().where(t.batch_claims.c.claimed_at < before_ms)
                ).rowcount
            )
