"""The gate every route passes: who is calling, may they, and what the audit log records.

- A bearer token (``Authorization: Bearer cst_…``) or a log-in cookie
  identifies the caller; nothing else does. Cookie-authenticated requests
  that change state must carry the session's CSRF token (``X-CSRF-Token``
  header or ``csrf`` form field).
- The route's permission must be in the caller's role (``govern.permissions``).
- Replays need a live grant: a purpose stated for that session by that caller.
- Reads of customer-level data are written to the audit log after the
  handler ran; refusals of anything but public routes are written too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from clearsight.config import Settings
from clearsight.errors import Forbidden, Problem, Unauthorized
from clearsight.govern.access import Access
from clearsight.govern.accounts import AccountService
from clearsight.govern.audit import Auditor
from clearsight.govern.permissions import allowed, describe
from clearsight.http import PUBLIC, client_ip
from clearsight.store.control import ControlPlane

SESSION_COOKIE = "cs_session"
ANONYMOUS = Access(actor="anonymous", role="public")
_SAFE = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Unauthorized):
    """401 for the API; pages turn it into a redirect to /login."""


def cookie_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def audit_path(request: Request) -> str:
    """The request path with any session id replaced, so the log never holds one."""
    path = request.url.path
    sid = request.path_params.get("sid")
    return path.replace(sid, "{sid}") if sid else path


@dataclass
class Gate:
    settings: Settings
    control: ControlPlane
    accounts: AccountService
    auditor: Auditor
    local_token: str = field(default_factory=lambda: "csl_" + secrets.token_urlsafe(32))

    async def admit(self, request: Request, permission: str) -> None:
        if permission == PUBLIC:
            request.state.access = ANONYMOUS
            return
        sent = request.headers.get("x-csrf-token", "")
        form_types = ("application/x-www-form-urlencoded", "multipart/form-data")
        if (
            not sent
            and request.method not in _SAFE
            and request.headers.get("content-type", "").startswith(form_types)
        ):
            sent = str((await request.form()).get("csrf", ""))
        await run_in_threadpool(self._admit, request, permission, sent)

    def _admit(self, request: Request, permission: str, sent: str) -> None:
        access, csrf = self._authenticate(request)
        request.state.access = access
        request.state.csrf = csrf
        unsafe = request.method not in _SAFE
        if csrf is not None and unsafe and not hmac.compare_digest(sent, csrf):
            self._deny(request, access, permission, "csrf")
            raise Forbidden(
                "csrf-failed",
                "the request lacks this session's CSRF token; reload the page and try again",
            )
        if not allowed(access.role, permission):
            self._deny(request, access, permission, "role")
            raise Forbidden(
                "not-permitted", f"the {access.role} role may not do this ({permission})"
            )
        if describe(permission).needs_purpose:
            sid = request.path_params.get("sid", "")
            grant = self.control.governance.live_grant(access.actor, sid)
            if grant is None:
                self._deny(request, access, permission, "no purpose stated")
                raise Forbidden(
                    "purpose-required",
                    "state a purpose for viewing this replay "
                    "first: POST /api/v1/sessions/{sid}/purpose",
                )
            request.state.purpose = (grant.purpose, grant.reference)

    def _authenticate(self, request: Request) -> tuple[Access, str | None]:
        auth = request.headers.get("authorization", "")
        presented = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if presented.startswith("csl_"):
            if not hmac.compare_digest(presented, self.local_token):
                raise Unauthorized("invalid-token", "the local CLI token is stale; retry")
            who = request.headers.get("x-clearsight-os-user", "unknown")[:64]
            return Access(actor=f"cli:{who}", role="admin"), None
        if auth.lower().startswith("bearer "):
            token = self.accounts.token(auth[7:].strip())
            if token is None:
                raise Unauthorized(
                    "invalid-token", "the bearer token is unknown, revoked or expired"
                )
            actor = f"token:{token.id}:{token.name}"
            return self.accounts.access(actor, token.role, token.scopes), None
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            found = self.control.accounts.session(cookie_hash(cookie))
            user = self.control.accounts.user(found[0]) if found else None
            if found and user and not user.disabled:
                return self.accounts.access(user.username, user.role, user.scopes), found[1]
        raise LoginRequired(
            "login-required", "log in, or send an API token as `Authorization: Bearer`"
        )

    def _deny(self, request: Request, access: Access, permission: str, why: str) -> None:
        self.auditor.record(
            access,
            permission,
            self._object(request),
            ip=client_ip(request, self.settings.trust_forwarded_for),
            allowed=False,
            detail={"path": audit_path(request), "why": why},
        )

    def _object(self, request: Request) -> str:
        sid = request.path_params.get("sid")
        return self.auditor.session_ref(sid) if sid else audit_path(request)

    async def done(self, request: Request, permission: str, status: int) -> None:
        if permission == PUBLIC or not describe(permission).customer_data or status >= 400:
            return
        if getattr(request.state, "audited", False):
            return  # the handler wrote a more specific entry itself
        access: Access = request.state.access
        purpose, reference = getattr(request.state, "purpose", ("", ""))
        query = {k: v for k, v in request.query_params.items() if k != "csrf"}
        await run_in_threadpool(
            self.auditor.record,
            access,
            permission,
            self._object(request),
            project=getattr(request.state, "audit_project", ""),
            purpose=purpose,
            reference=reference,
            ip=client_ip(request, self.settings.trust_forwarded_for),
            detail={"path": audit_path(request), "query": query}
            if query
            else {"path": audit_path(request)},
        )


def problem_is_login(problem: Problem) -> bool:
    return isinstance(problem, LoginRequired)
