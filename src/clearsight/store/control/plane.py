"""Control-plane operations used by ingest, web and cli."""

from __future__ import annotations

import re
import secrets

import msgspec
import sqlalchemy as sa

from clearsight.errors import ConfigError, StoreError
from clearsight.store.control import schema
from clearsight.store.control.accounts import Accounts
from clearsight.store.control.auditlog import AuditLog
from clearsight.store.control.clock import now_ms
from clearsight.store.control.friction import FrictionRecords
from clearsight.store.control.governance import Governance
from clearsight.store.control.keys import DataKeys
from clearsight.store.control.migrate import upgrade
from clearsight.store.control.settings import ProjectSettings


class Project(msgspec.Struct, frozen=True):
    id: str
    name: str
    key: str
    origins: list[str]
    created_at: int


_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ControlPlane:
    def __init__(self, url: str) -> None:
        connect_args = (
            {"check_same_thread": False, "timeout": 30} if url.startswith("sqlite") else {}
        )
        try:
            self.engine = sa.create_engine(url, connect_args=connect_args)
            if url.startswith("sqlite"):
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            upgrade(self.engine)
            self.accounts = Accounts(self.engine)
            self.audit = AuditLog(self.engine)
            self.governance = Governance(self.engine)
            self.keys = DataKeys(self.engine)
            self.settings = ProjectSettings(self.engine)
            self.friction = FrictionRecords(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot open the control plane: {exc}") from None
        self._projects_by_key: dict[str, Project] = {}

    def close(self) -> None:
        self.engine.dispose()

    # -- projects -------------------------------------------------------------------------------

    def create_project(
        self,
        project_id: str,
        name: str | None = None,
        *,
        origins: list[str] | None = None,
        key: str | None = None,
    ) -> Project:
        if not _SLUG.match(project_id):
            raise ConfigError(
                f"project id {project_id!r}: use 1-64 lowercase letters, digits, '-' or '_'"
            )
        project = Project(
            id=project_id,
            name=name or project_id,
            key=key or "pk_" + secrets.token_urlsafe(18),
            origins=origins or [],
            created_at=now_ms(),
        )
        with self.engine.begin() as conn:
            if conn.execute(
                sa.select(schema.projects.c.id).where(
                    (schema.projects.c.id == project_id) | (schema.projects.c.key == project.key)
                )
            ).first():
                raise ConfigError(f"project {project_id!r} (or its key) already exists")
            conn.execute(schema.projects.insert().values(**msgspec.structs.asdict(project)))
        self._projects_by_key.clear()
        return project

    def projects(self) -> list[Project]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(schema.projects).order_by(schema.projects.c.id))
            return [Project(**row._mapping) for row in rows]

    def project(self, project_id: str) -> Project | None:
        return next((p for p in self.projects() if p.id == project_id), None)

    def project_by_key(self, key: str) -> Project | None:
        if not self._projects_by_key:
            self._projects_by_key = {p.key: p for p in self.projects()}
        return self._projects_by_key.get(key)

    def set_origins(self, project_id: str, origins: list[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.projects.update()
                .where(schema.projects.c.id == project_id)
                .values(origins=origins)
            )
        self._projects_by_key.clear()

    # -- consent ledger ----------------------------------------------------------------------------

    def consent_decisions_of(self, project: str, vids: list[str]) -> list[dict[str, object]]:
        if not vids:
            return []
        c = schema.consent_decisions.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(schema.consent_decisions)
                .where((c.project == project) & c.vid.in_(vids))
                .order_by(c.id)
            )
            return [dict(r._mapping) for r in rows]

    def forget_visitors(self, project: str, vids: list[str]) -> int:
        """Erase a person's consent decisions (the receipt records how many)."""
        if not vids:
            return 0
        c = schema.consent_decisions.c
        with self.engine.begin() as conn:
            done = conn.execute(
                schema.consent_decisions.delete().where((c.project == project) & c.vid.in_(vids))
            )
        return int(done.rowcount)

    def checkpoint_wal(self) -> None:
        """Fold the SQLite WAL into the database so deleted rows leave no copy behind."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def record_consent(
        self,
        *,
        project: str,
        vid: str,
        sid: str,
        state: str,
        policy: str,
        banner_hash: str,
        source: str,
        client_ts: int,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.consent_decisions.insert().values(
                    project=project,
                    vid=vid,
                    sid=sid,
                    state=state,
                    policy=policy,
                    banner_hash=banner_hash,
                    source=source,
                    client_ts=client_ts,
                    received_at=now_ms(),
                )
            )


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    # WAL lets page reads run while the ledger is appended to.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # Erased rows are overwritten with zeros, not left readable in free pages.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()
