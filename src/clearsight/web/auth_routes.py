"""Log-in, log-out, "who am I", and stating a purpose to open a replay."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from clearsight.config import Settings
from clearsight.errors import BadRequest, NotFound, Problem
from clearsight.govern.access import Access, access_of
from clearsight.govern.accounts import AccountService
from clearsight.govern.audit import Auditor
from clearsight.http import PUBLIC, client_ip, guarded, json_response
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane
from clearsight.web.gate import SESSION_COOKIE, cookie_hash
from clearsight.web.pages import render

LOGIN_CSRF_COOKIE = "cs_login_csrf"


class PurposeRequest(msgspec.Struct, forbid_unknown_fields=True):
    purpose: str
    reference: str = ""


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a fresh log-in to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class AuthRoutes:
    def __init__(
        self,
        settings: Settings,
        control: ControlPlane,
        store: EventStore,
        accounts: AccountService,
        auditor: Auditor,
    ) -> None:
        self.settings = settings
        self.store = store
        self.control = control
        self.accounts = accounts
        self.auditor = auditor

    def routes(self) -> list[Route]:
        return [
            guarded("/login", self.login_form, PUBLIC),
            guarded("/login", self.login, PUBLIC, ["POST"]),
            guarded("/logout", self.logout, "account.self", ["POST"]),
            guarded("/api/v1/me", self.me, "account.self"),
            guarded("/api/v1/purposes", self.purposes, "replay.open"),
            guarded("/api/v1/sessions/{sid}/purpose", self.state_purpose, "replay.open", ["POST"]),
        ]

    def _secure(self, request: Request) -> bool:
        if self.settings.cookie_secure == "auto":
            return request.url.scheme == "https"
        return self.settings.cookie_secure == "always"

    def login_form(self, request: Request, error: str = "", status: int = 200) -> Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = render(
            request,
            "login.html",
            {
                "error": error,
                "next": _safe_next(request.query_params.get("next")),
                "login_csrf": token,
                "nav": "",
            },
            status=status,
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            max_age=3600,
            httponly=True,
            samesite="strict",
            secure=self._secure(request),
        )
        return response

    async def login(self, request: Request) -> Response:
        form = await request.form()
        username = str(form.get("username", ""))[:128]
        password = str(form.get("password", ""))
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie or not hmac.compare_digest(cookie, str(form.get("csrf", ""))):
            return self.login_form(request, "Your log-in form expired; please try again.", 400)
        ip = client_ip(request, self.settings.trust_forwarded_for)
        try:
            user = self.accounts.login(username, password, ip)
        except Problem as problem:
            return self.login_form(request, problem.detail, problem.status)
        attempt = Access(actor=username or "(empty)", role=user.role if user else "")
        self.auditor.record(
            attempt,
            "auth.login",
            "user:" + (username or "(empty)"),
            ip=ip,
            allowed=user is not None,
        )
        if user is None:
            return self.login_form(request, "Wrong user name or password.", 401)
        session_id = secrets.token_urlsafe(32)
        expires = int(time.time() * 1000) + self.settings.session_hours * 3_600_000
        self.control.accounts.open_session(
            cookie_hash(session_id), user.id, secrets.token_urlsafe(24), expires
        )
        response = RedirectResponse(_safe_next(str(form.get("next", "/"))), 303)
        response.set_cookie(
            SESSION_COOKIE,
            session_id,
            max_age=self.settings.session_hours * 3600,
            httponly=True,
            samesite="strict",
            secure=self._secure(request),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    def logout(self, request: Request) -> Response:
        if cookie := request.cookies.get(SESSION_COOKIE):
            self.control.accounts.close_session(cookie_hash(cookie))
        response = RedirectResponse("/login", 303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def me(self, request: Request) -> Response:
        access = access_of(request)
        return json_response(
            {
                "actor": access.actor,
                "role": access.role,
                "projects": access.projects,
                "url_patterns": access.url_patterns,
                "segments": access.segments,
                "csrf": getattr(request.state, "csrf", None),
            }
        )

    def purposes(self, request: Request) -> Response:
        return json_response(
            [msgspec.structs.asdict(p) for p in self.control.governance.purposes()]
        )

    async def state_purpose(self, request: Request) -> Response:
        try:
            wanted = msgspec.json.decode(await request.body(), type=PurposeRequest)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise BadRequest(
                "invalid-purpose", f'send {{"purpose": id, "reference": text}}: {exc}'
            ) from None
        return json_response(await run_in_threadpool(self._grant, request, wanted))

    def _grant(self, request: Request, wanted: PurposeRequest) -> dict[str, Any]:
        access = access_of(request)
        sid = request.path_params["sid"]
        purposes = {p.id: p for p in self.control.governance.purposes()}
        purpose = purposes.get(wanted.purpose)
        if purpose is None:
            raise BadRequest("unknown-purpose", "choose a purpose listed by /api/v1/purposes")
        reference = wanted.reference.strip()[:200]
        if purpose.needs_reference and not reference:
            raise BadRequest("reference-required", f"“{purpose.label}” needs a reference")
        visible = access.sessions(SessionFilter(sids=(sid,), per_page=1))
        if not self.store.list_sessions(visible).items:
            raise NotFound("session-not-found", "no such session (or it has been deleted)")
        grant = self.control.governance.grant(
            access.actor, sid, purpose.id, reference, self.settings.replay_grant_minutes * 60_000
        )
        request.state.purpose = (purpose.id, reference)
        return {"purpose": purpose.id, "reference": reference, "expires_at": grant.expires_at}
