"""Users and API tokens: creation, log-in with rate limiting, and what a caller may see.

Passwords are argon2id hashes. API tokens look like ``cst_<id>_<secret>``;
only a SHA-256 of the secret is stored (the secret is 32 random bytes, so a
slow hash adds nothing). A caller's scopes are the intersection of their own
and their role's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from clearsight.errors import ConfigError, TooManyRequests
from clearsight.govern.access import Access
from clearsight.govern.permissions import HUMAN_ROLES, ROLES
from clearsight.store.control import ControlPlane
from clearsight.store.control.accounts import Scopes, Token, User

_hasher = PasswordHasher()
# A fixed hash to verify against when the user does not exist, so timing does not tell.
_DUMMY = _hasher.hash("not-a-real-password")

LOGIN_WINDOW_MS = 15 * 60 * 1000
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20
MIN_PASSWORD = 12


@dataclass(frozen=True)
class NewToken:
    token: Token
    secret: str
    """Shown once: ``cst_<id>_<secret>``."""


def _intersect(a: list[str] | None, b: list[str] | None) -> tuple[str, ...] | None:
    if a is None and b is None:
        return None
    if a is None or b is None:
        return tuple(a if b is None else b)  # type: ignore[arg-type]
    return tuple(x for x in a if x in b)


def check_role(role: str, *, human: bool) -> None:
    allowed = HUMAN_ROLES if human else tuple(ROLES)
    if role not in allowed:
        raise ConfigError(f"role {role!r} does not exist; choose one of: {', '.join(allowed)}")


class AccountService:
    def __init__(self, control: ControlPlane) -> None:
        self.control = control
        self.accounts = control.accounts

    def create_user(self, username: str, password: str, role: str, scopes: Scopes) -> User:
        check_role(role, human=True)
        if not username or len(username) > 128 or not username.isprintable() or " " in username:
            raise ConfigError("user names are 1-128 printable characters without spaces")
        if len(password) < MIN_PASSWORD:
            raise ConfigError(f"passwords must have at least {MIN_PASSWORD} characters")
        if self.accounts.user_with_hash(username) is not None:
            raise ConfigError(f"user {username!r} already exists")
        return self.accounts.create_user(username, _hasher.hash(password), role, scopes)

    def set_password(self, user: User, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise ConfigError(f"passwords must have at least {MIN_PASSWORD} characters")
        self.accounts.update_user(user.id, password_hash=_hasher.hash(password))
        self.accounts.close_user_sessions(user.id)

    def login(self, username: str, password: str, ip: str) -> User | None:
        """The user, or None for wrong credentials. Raises TooManyRequests when rate-limited."""
        since = int(time.time() * 1000) - LOGIN_WINDOW_MS
        if (
            self.accounts.failures_since(since, username=username) >= MAX_FAILURES_PER_USER
            or self.accounts.failures_since(since, ip=ip) >= MAX_FAILURES_PER_IP
        ):
            raise TooManyRequests(
                "too-many-attempts",
                "too many failed log-ins; wait 15 minutes and try again",
                headers={"Retry-After": str(LOGIN_WINDOW_MS // 1000)},
            )
        found = self.accounts.user_with_hash(username)
        try:
            _hasher.verify(found[1] if found else _DUMMY, password)
            ok = found is not None and not found[0].disabled
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or found is None:
            self.accounts.record_failure(username[:128], ip)
            return None
        self.accounts.clear_failures(username)
        return found[0]

    def create_token(
        self, name: str, role: str, scopes: Scopes, *, days: int | None = None
    ) -> NewToken:
        check_role(role, human=False)
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        expires = None if days is None else int(time.time() * 1000) + days * 86_400_000
        self.accounts.create_token(token_id, _sha256(secret), name, role, scopes, expires)
        found = self.accounts.token_with_hash(token_id)
        assert found is not None
        return NewToken(found[0], f"cst_{token_id}_{secret}")

    def token(self, presented: str) -> Token | None:
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != "cst":
            return None
        found = self.accounts.token_with_hash(parts[1])
        if found is None:
            return None
        token, digest = found
        now = int(time.time() * 1000)
        if not hmac.compare_digest(digest, _sha256(parts[2])) or token.revoked_at is not None:
            return None
        if token.expires_at is not None and token.expires_at <= now:
            return None
        return token

    def access(self, actor: str, role: str, scopes: Scopes) -> Access:
        """What an account may see: its scopes intersected with its role's."""
        role_scopes = self.accounts.role_scopes(role)
        return Access(
            actor=actor,
            role=role,
            projects=_intersect(scopes.projects, role_scopes.projects),
            url_patterns=_intersect(scopes.url_patterns, role_scopes.url_patterns),
            segments=_intersect(scopes.segments, role_scopes.segments),
        )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
