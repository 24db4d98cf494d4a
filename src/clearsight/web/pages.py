"""Server-rendered pages: the sessions list and the session replay page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from clearsight.govern.access import access_of
from clearsight.govern.permissions import allowed
from clearsight.http import guarded
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.web.api_sessions import SessionsAPI
from clearsight.web.journey_filters import list_context
from clearsight.web.nav import NAV


def _who(request: Request) -> dict[str, Any]:
    access = getattr(request.state, "access", None)
    signed_in = access is not None and access.role not in ("public", "")
    role = access.role if signed_in and access is not None else ""
    return {
        "me": access if signed_in else None,
        "csrf": getattr(request.state, "csrf", ""),
        "nav_items": NAV,
        "may": lambda permission: allowed(role, permission),
    }


TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).parent / "templates"), context_processors=[_who]
)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _duration(ms: int) -> str:
    seconds = max(0, ms // 1000)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def _short_url(url: str) -> str:
    if "://" in url:
        url = url.split("://", 1)[1]
        url = url[url.find("/") :] if "/" in url else "/"
    return url if len(url) <= 60 else url[:57] + "…"


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["duration"] = _duration
TEMPLATES.env.filters["short_url"] = _short_url


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


class Pages:
    def __init__(self, store: EventStore, sessions: SessionsAPI, control: ControlPlane) -> None:
        self.store = store
        self.sessions = sessions
        self.control = control

    def routes(self) -> list[Route]:
        return [
            guarded("/sessions", self.session_list, "sessions.list"),
            guarded("/sessions/{sid}", self.session_page, "sessions.list"),
        ]

    def session_list(self, request: Request) -> Response:
        page = self.store.list_sessions(self.sessions.filter_of(request))
        query = {k: v for k, v in request.query_params.items() if k != "page" and v}
        pages = max(1, -(-page.total // page.per_page))

        def page_link(n: int) -> str:
            return "/sessions?" + urlencode(query | {"page": n})

        return render(
            request,
            "sessions.html",
            {
                "page": page,
                "pages": pages,
                "q": request.query_params,
                "page_link": page_link,
                "nav": "sessions",
                "journey": list_context(request, self.control),
            },
        )

    def session_page(self, request: Request) -> Response:
        session = self.sessions.find_for(request)
        access = access_of(request)
        grant = self.control.governance.live_grant(access.actor, session.sid)
        return render(
            request,
            "session.html",
            {
                "s": session,
                "nav": "sessions",
                "grant": grant,
                "purposes": self.control.governance.purposes(),
                "may_replay": allowed(access.role, "replay.view"),
            },
        )
