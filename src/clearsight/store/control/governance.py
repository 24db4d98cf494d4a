"""Purposes and replay grants, retention policies, legal holds, retention runs."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa

from clearsight.store.control import schema as t
from clearsight.store.control.clock import now_ms


class Purpose(msgspec.Struct, frozen=True):
    id: str
    label: str
    needs_reference: bool
    active: bool = True


class Grant(msgspec.Struct, frozen=True):
    purpose: str
    reference: str
    expires_at: int


class Policy(msgspec.Struct, frozen=True):
    project: str
    replay_days: int
    analysis_days: int


class Hold(msgspec.Struct, frozen=True):
    id: int
    project: str
    sid: str
    reason: str
    created_by: str
    created_at: int
    released_at: int | None


DEFAULT_PURPOSES = [
    Purpose("ux-research", "UX research", False),
    Purpose("complaint", "Customer complaint (give the complaint number)", True),
    Purpose("fraud", "Fraud investigation (give the case number)", True),
    Purpose("support", "Technical support ticket (give the ticket number)", True),
    Purpose("compliance-review", "Compliance review", False),
]


class Governance:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        with engine.begin() as conn:
            if conn.execute(sa.select(t.purposes.c.id)).first() is None:
                for p in DEFAULT_PURPOSES:
                    conn.execute(t.purposes.insert().values(**msgspec.structs.asdict(p)))

    # -- purposes and grants ---------------------------------------------------------------------

    def purposes(self, *, include_inactive: bool = False) -> list[Purpose]:
        q = sa.select(t.purposes).order_by(t.purposes.c.label)
        if not include_inactive:
            q = q.where(t.purposes.c.active.is_(True))
        with self.engine.connect() as conn:
            return [Purpose(**r._mapping) for r in conn.execute(q)]

    def set_purpose(self, purpose: Purpose) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.purposes.delete().where(t.purposes.c.id == purpose.id))
            conn.execute(t.purposes.insert().values(**msgspec.structs.asdict(purpose)))

    def grant(self, actor: str, sid: str, purpose: str, reference: str, ttl_ms: int) -> Grant:
        expires = now_ms() + ttl_ms
        with self.engine.begin() as conn:
            conn.execute(t.replay_grants.delete().where(t.replay_grants.c.expires_at < now_ms()))
            conn.execute(
                t.replay_grants.insert().values(
                    actor=actor, sid=sid, purpose=purpose, reference=reference, expires_at=expires
                )
            )
        return Grant(purpose, reference, expires)

    def live_grant(self, actor: str, sid: str) -> Grant | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.replay_grants)
                .where(
                    (t.replay_grants.c.actor == actor)
                    & (t.replay_grants.c.sid == sid)
                    & (t.replay_grants.c.expires_at > now_ms())
                )
                .order_by(t.replay_grants.c.expires_at.desc())
            ).first()
        if row is None:
            return None
        return Grant(row.purpose, row.reference, row.expires_at)

    def drop_grants(self, sids: list[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.replay_grants.delete().where(t.replay_grants.c.sid.in_(sids)))

    # -- retention ------------------------------------------------------------------------

    def policy(self, project: str, default_replay: int, default_analysis: int) -> Policy:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.retention_policies).where(t.retention_policies.c.project == project)
            ).first()
        if row is None:
            return Policy(project, default_replay, default_analysis)
        return Policy(project, row.replay_days, row.analysis_days)

    def set_policy(self, policy: Policy) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.retention_policies.delete().where(
                    t.retention_policies.c.project == policy.project
                )
            )
            conn.execute(
                t.retention_policies.insert().values(
                    **msgspec.structs.asdict(policy), updated_at=now_ms()
                )
            )

    def add_hold(self, project: str, sid: str, reason: str, by: str) -> Hold:
        with self.engine.begin() as conn:
            result = conn.execute(
                t.legal_holds.insert().values(
                    project=project,
                    sid=sid,
                    reason=reason,
                    created_by=by,
                    created_at=now_ms(),
                    released_at=None,
                )
            )
            hold_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return next(h for h in self.holds(include_released=True) if h.id == hold_id)

    def release_hold(self, hold_id: int) -> Hold | None:
        with self.engine.begin() as conn:
            conn.execute(
                t.legal_holds.update()
                .where((t.legal_holds.c.id == hold_id) & t.legal_holds.c.released_at.is_(None))
                .values(released_at=now_ms())
            )
        return next((h for h in self.holds(include_released=True) if h.id == hold_id), None)

    def holds(self, *, include_released: bool = False) -> list[Hold]:
        q = sa.select(t.legal_holds).order_by(t.legal_holds.c.id)
        if not include_released:
            q = q.where(t.legal_holds.c.released_at.is_(None))
        with self.engine.connect() as conn:
            return [Hold(**r._mapping) for r in conn.execute(q)]

    def held_sids(self, project: str) -> set[str]:
        return {h.sid for h in self.holds() if h.project == project}

    def record_run(self, project: str, replays: int, sessions: int, held: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.retention_runs.insert().values(
                    ts=now_ms(),
                    project=project,
                    replays_purged=replays,
                    sessions_purged=sessions,
                    held=held,
                )
            )

    def last_run(self, project: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.max(t.retention_runs.c.ts)).where(
                    t.retention_runs.c.project == project
                )
            ).scalar()
