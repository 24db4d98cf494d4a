"""Users, API tokens, role scopes, log-in sessions and failed log-ins."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa

from clearsight.store.control import schema as t
from clearsight.store.control.clock import now_ms


class Scopes(msgspec.Struct, frozen=True, omit_defaults=True):
    """Limits on what an account sees. None means no limit of that kind."""

    projects: list[str] | None = None
    url_patterns: list[str] | None = None
    segments: list[str] | None = None


class User(msgspec.Struct, frozen=True):
    id: int
    username: str
    role: str
    scopes: Scopes
    created_at: int
    disabled: bool


class Token(msgspec.Struct, frozen=True):
    id: str
    name: str
    role: str
    scopes: Scopes
    created_at: int
    expires_at: int | None
    revoked_at: int | None


def _scopes(raw: Any) -> Scopes:
    return msgspec.convert(raw or {}, Scopes)


def _json(scopes: Scopes) -> dict[str, Any]:
    return msgspec.to_builtins(scopes)  # type: ignore[no-any-return]


class Accounts:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- users -------------------------------------------------------------------------------

    def create_user(self, username: str, password_hash: str, role: str, scopes: Scopes) -> User:
        with self.engine.begin() as conn:
            result = conn.execute(
                t.users.insert().values(
                    username=username,
                    password_hash=password_hash,
                    role=role,
                    scopes=_json(scopes),
                    created_at=now_ms(),
                    disabled=False,
                )
            )
            user_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        user = self.user(user_id)
        assert user is not None
        return user

    def _user(self, where: Any) -> tuple[User, str] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.users).where(where)).first()
        if row is None:
            return None
        m = row._mapping
        user = User(
            m["id"],
            m["username"],
            m["role"],
            _scopes(m["scopes"]),
            m["created_at"],
            bool(m["disabled"]),
        )
        return user, m["password_hash"]

    def user(self, user_id: int) -> User | None:
        found = self._user(t.users.c.id == user_id)
        return found[0] if found else None

    def user_with_hash(self, username: str) -> tuple[User, str] | None:
        return self._user(t.users.c.username == username)

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            ids = [r[0] for r in conn.execute(sa.select(t.users.c.id).order_by(t.users.c.id))]
        return [u for i in ids if (u := self.user(i)) is not None]

    def update_user(self, user_id: int, **values: Any) -> None:
        if "scopes" in values:
            values["scopes"] = _json(values["scopes"])
        with self.engine.begin() as conn:
            conn.execute(t.users.update().where(t.users.c.id == user_id).values(**values))

    # -- tokens ---------------------------------------------------------------------------------

    def create_token(
        self,
        token_id: str,
        secret_hash: str,
        name: str,
        role: str,
        scopes: Scopes,
        expires_at: int | None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.api_tokens.insert().values(
                    id=token_id,
                    secret_hash=secret_hash,
                    name=name,
                    role=role,
                    scopes=_json(scopes),
                    created_at=now_ms(),
                    expires_at=expires_at,
                    revoked_at=None,
                )
            )

    def token_with_hash(self, token_id: str) -> tuple[Token, str] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.api_tokens).where(t.api_tokens.c.id == token_id)).first()
        if row is None:
            return None
        m = row._mapping
        token = Token(
            m["id"],
            m["name"],
            m["role"],
            _scopes(m["scopes"]),
            m["created_at"],
            m["expires_at"],
            m["revoked_at"],
        )
        return token, m["secret_hash"]

    def tokens(self) -> list[Token]:
        with self.engine.connect() as conn:
            ids = [r[0] for r in conn.execute(sa.select(t.api_tokens.c.id))]
        return [found[0] for i in ids if (found := self.token_with_hash(i)) is not None]

    def revoke_token(self, token_id: str) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                t.api_tokens.update()
                .where((t.api_tokens.c.id == token_id) & t.api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now_ms())
            )
        return bool(done.rowcount)

    # -- role scopes ----------------------------------------------------------------------------

    def role_scopes(self, role: str) -> Scopes:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.role_scopes.c.scopes).where(t.role_scopes.c.role == role)
            ).first()
        return _scopes(row[0] if row else None)

    def set_role_scopes(self, role: str, scopes: Scopes) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.role_scopes.delete().where(t.role_scopes.c.role == role))
            conn.execute(t.role_scopes.insert().values(role=role, scopes=_json(scopes)))

    # -- log-in sessions --------------------------------------------------------------------------

    def open_session(self, id_hash: str, user_id: int, csrf: str, expires_at: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.web_sessions.delete().where(t.web_sessions.c.expires_at < now_ms()))
            conn.execute(
                t.web_sessions.insert().values(
                    id_hash=id_hash,
                    user_id=user_id,
                    csrf=csrf,
                    created_at=now_ms(),
                    expires_at=expires_at,
                )
            )

    def session(self, id_hash: str) -> tuple[int, str] | None:
        """(user id, CSRF token) of a live log-in session."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.web_sessions).where(
                    (t.web_sessions.c.id_hash == id_hash) & (t.web_sessions.c.expires_at > now_ms())
                )
            ).first()
        return (row._mapping["user_id"], row._mapping["csrf"]) if row else None

    def close_session(self, id_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.web_sessions.delete().where(t.web_sessions.c.id_hash == id_hash))

    def close_user_sessions(self, user_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.web_sessions.delete().where(t.web_sessions.c.user_id == user_id))

    # -- failed log-ins --------------------------------------------------------------------------

    def record_failure(self, username: str, ip: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.login_failures.insert().values(username=username, ip=ip, at=now_ms()))

    def failures_since(
        self, since: int, *, username: str | None = None, ip: str | None = None
    ) -> int:
        q = (
            sa.select(sa.func.count())
            .select_from(t.login_failures)
            .where(t.login_failures.c.at >= since)
        )
        if username is not None:
            q = q.where(t.login_failures.c.username == username)
        if ip is not None:
            q = q.where(t.login_failures.c.ip == ip)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def clear_failures(self, username: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.login_failures.delete().where(t.login_failures.c.username == username))
