"""Wrapped per-session data keys and each project's current key-encryption key id."""

from __future__ import annotations

import sqlalchemy as sa

from clearsight.store.control import schema as t
from clearsight.store.control.clock import now_ms


class DataKeys:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _key(self, project: str, sid: str, kind: str) -> sa.ColumnElement[bool]:
        c = t.data_keys.c
        return (c.project == project) & (c.sid == sid) & (c.kind == kind)

    def get(self, project: str, sid: str, kind: str) -> tuple[str, bytes] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.data_keys.c.kek_id, t.data_keys.c.wrapped).where(
                    self._key(project, sid, kind)
                )
            ).first()
        return (row.kek_id, bytes(row.wrapped)) if row else None

    def get_many(self, project: str, sids: list[str], kind: str) -> dict[str, tuple[str, bytes]]:
        """sid → (kek_id, wrapped) for those of ``sids`` that have a key: one query per
        500 sessions instead of one each."""
        c = t.data_keys.c
        found: dict[str, tuple[str, bytes]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(sids), 500):
                rows = conn.execute(
                    sa.select(c.sid, c.kek_id, c.wrapped).where(
                        (c.project == project) & (c.kind == kind) & c.sid.in_(sids[i : i + 500])
                    )
                )
                found.update({r.sid: (r.kek_id, bytes(r.wrapped)) for r in rows})
        return found

    def put_if_absent(self, project: str, sid: str, kind: str, kek_id: str, wrapped: bytes) -> None:
        self.put_many_if_absent([(project, sid, kind, kek_id, wrapped)])

    def put_many_if_absent(self, rows: list[tuple[str, str, str, str, bytes]]) -> None:
        """(project, sid, kind, kek_id, wrapped) rows in one transaction; existing keys win."""
        if not rows:
            return
        c = t.data_keys.c
        with self.engine.begin() as conn:
            for project, sid, kind, kek_id, wrapped in rows:
                if conn.execute(
                    sa.select(c.sid).where(
                        (c.project == project) & (c.sid == sid) & (c.kind == kind)
                    )
                ).first():
                    continue
                conn.execute(
                    t.data_keys.insert().values(
                        project=project,
                        sid=sid,
                        kind=kind,
                        kek_id=kek_id,
                        wrapped=wrapped,
                        created_at=now_ms(),
                    )
                )

    def shred(self, project: str, sids: list[str], kinds: tuple[str, ...]) -> int:
        """Delete data keys: what they sealed becomes unreadable."""
        done = 0
        c = t.data_keys.c
        with self.engine.begin() as conn:
            for i in range(0, len(sids), 500):
                done += conn.execute(
                    t.data_keys.delete().where(
                        (c.project == project) & c.sid.in_(sids[i : i + 500]) & c.kind.in_(kinds)
                    )
                ).rowcount
        return done

    def wrapped_by(self, project: str, kek_id: str, limit: int) -> list[tuple[str, str, bytes]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.data_keys.c.sid, t.data_keys.c.kind, t.data_keys.c.wrapped)
                .where((t.data_keys.c.project == project) & (t.data_keys.c.kek_id == kek_id))
                .limit(limit)
            )
            return [(r.sid, r.kind, bytes(r.wrapped)) for r in rows]

    def rewrap(
        self, project: str, sid: str, kind: str, old_kek: str, kek_id: str, wrapped: bytes
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.data_keys.update()
                .where(self._key(project, sid, kind) & (t.data_keys.c.kek_id == old_kek))
                .values(kek_id=kek_id, wrapped=wrapped)
            )

    def count_by_kek(self, project: str) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.data_keys.c.kek_id, sa.func.count())
                .where(t.data_keys.c.project == project)
                .group_by(t.data_keys.c.kek_id)
            )
            return {r[0]: int(r[1]) for r in rows}

    def current_kek(self, project: str) -> tuple[str, int] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.project_keks.c.kek_id, t.project_keks.c.rotated_at).where(
                    t.project_keks.c.project == project
                )
            ).first()
        return (row.kek_id, row.rotated_at) if row else None

    def set_current_kek(self, project: str, kek_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.project_keks.delete().where(t.project_keks.c.project == project))
            conn.execute(
                t.project_keks.insert().values(project=project, kek_id=kek_id, rotated_at=now_ms())
            )
