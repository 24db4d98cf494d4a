"""Per-project settings: one JSON value per (project, key), typed by the caller."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa

from clearsight.store.control import schema as t
from clearsight.store.control.clock import now_ms

T = TypeVar("T")


class ProjectSettings:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def get(self, project: str, key: str, kind: type[T], default: T) -> T:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.project_settings.c.value).where(
                    (t.project_settings.c.project == project) & (t.project_settings.c.key == key)
                )
            ).first()
        if row is None:
            return default
        return msgspec.convert(row[0], kind)

    def set(self, project: str, key: str, value: Any) -> None:
        raw = msgspec.to_builtins(value)
        with self.engine.begin() as conn:
            conn.execute(
                t.project_settings.delete().where(
                    (t.project_settings.c.project == project) & (t.project_settings.c.key == key)
                )
            )
            conn.execute(
                t.project_settings.insert().values(
                    project=project, key=key, value=raw, updated_at=now_ms()
                )
            )

    def delete(self, project: str, key: str) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                t.project_settings.delete().where(
                    (t.project_settings.c.project == project) & (t.project_settings.c.key == key)
                )
            )
        return bool(done.rowcount)

    def all(self, project: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.project_settings.c.key, t.project_settings.c.value).where(
                    t.project_settings.c.project == project
                )
            )
            return {r.key: r.value for r in rows}
