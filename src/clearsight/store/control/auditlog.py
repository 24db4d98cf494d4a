"""Storage of the hash-chained audit log and its signed checkpoints.

The chaining rule itself (what is hashed) belongs to ``govern.audit`` and is
passed in, so this module only guarantees that appends are serialised and
that each entry is written with the hash of the one before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import sqlalchemy as sa

from clearsight.store.control import schema as t

GENESIS = "0" * 64


class AuditEntry(msgspec.Struct, frozen=True):
    seq: int
    ts: int
    actor: str
    role: str
    action: str
    object: str
    project: str
    purpose: str
    reference: str
    client_ip: str
    result: str
    detail: str
    prev_hash: str
    hash: str


class Checkpoint(msgspec.Struct, frozen=True):
    seq: int
    hash: str
    ts: int
    key_id: str
    signature: str
    kind: str


Chain = Callable[[str, dict[str, Any]], str]
"""(previous hash, entry fields without hashes) → this entry's hash."""


class AuditLog:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        with engine.begin() as conn:
            if conn.execute(sa.select(t.audit_head.c.id)).first() is None:
                conn.execute(t.audit_head.insert().values(id=1, seq=0, hash=GENESIS))

    def append(self, fields: dict[str, Any], chain: Chain) -> AuditEntry:
        with self.engine.begin() as conn:
            # Writing the head first takes the lock before anything is read.
            conn.execute(
                t.audit_head.update().where(t.audit_head.c.id == 1).values(seq=t.audit_head.c.seq)
            )
            head = conn.execute(sa.select(t.audit_head).where(t.audit_head.c.id == 1)).one()
            entry_fields = fields | {"seq": int(head.seq) + 1}
            digest = chain(head.hash, entry_fields)
            row = entry_fields | {"prev_hash": head.hash, "hash": digest}
            conn.execute(t.audit_log.insert().values(**row))
            conn.execute(
                t.audit_head.update()
                .where(t.audit_head.c.id == 1)
                .values(seq=row["seq"], hash=digest)
            )
        return AuditEntry(**row)

    def head(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.audit_head).where(t.audit_head.c.id == 1)).one()
        return int(row.seq), str(row.hash)

    def entries(
        self,
        *,
        since: int | None = None,
        until: int | None = None,
        after_seq: int = 0,
        actor: str | None = None,
        action: str | None = None,
        object_prefix: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[AuditEntry]:
        q = sa.select(t.audit_log).where(t.audit_log.c.seq > after_seq)
        if since is not None:
            q = q.where(t.audit_log.c.ts >= since)
        if until is not None:
            q = q.where(t.audit_log.c.ts < until)
        if actor:
            q = q.where(t.audit_log.c.actor == actor)
        if action:
            q = q.where(t.audit_log.c.action == action)
        if object_prefix:
            q = q.where(t.audit_log.c.object.startswith(object_prefix, autoescape=True))
        q = q.order_by(t.audit_log.c.seq.desc() if newest_first else t.audit_log.c.seq)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            for row in conn.execute(q):
                yield AuditEntry(**row._mapping)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)).scalar_one()
            )

    def add_checkpoint(self, cp: Checkpoint) -> None:
        with self.engine.begin() as conn:
            if (
                conn.execute(
                    sa.select(t.audit_checkpoints.c.seq).where(t.audit_checkpoints.c.seq == cp.seq)
                ).first()
                is None
            ):
                conn.execute(t.audit_checkpoints.insert().values(**msgspec.structs.asdict(cp)))

    def checkpoints(self) -> list[Checkpoint]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.audit_checkpoints).order_by(t.audit_checkpoints.c.seq))
            return [Checkpoint(**r._mapping) for r in rows]

    def purge_through(self, seq: int) -> int:
        """Audit retention: drop entries up to ``seq`` (a checkpoint must name ``seq`` first)."""
        with self.engine.begin() as conn:
            done = conn.execute(t.audit_log.delete().where(t.audit_log.c.seq <= seq))
        return int(done.rowcount)
