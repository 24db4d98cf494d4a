"""The Issues pages: what to fix first, an issue's replays, and form analytics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.analyse import segments
from clearsight.analyse.alerts import describe
from clearsight.analyse.forms import field_stats
from clearsight.analyse.monitor import Friction
from clearsight.analyse.signals import SIGNALS
from clearsight.govern.access import access_of
from clearsight.http import guarded
from clearsight.web.api_issues import IssuesAPI
from clearsight.web.friction_common import Period, scope_of
from clearsight.web.pages import TEMPLATES, render


def sparkline(series: list[int], width: int = 120, height: int = 24) -> str:
    """SVG polyline points for a daily series, scaled to the box."""
    if not series:
        return ""
    top = max(series) or 1
    step = width / max(1, len(series) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(series)
    )


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


TEMPLATES.env.globals["signal_labels"] = SIGNALS
TEMPLATES.env.filters["sparkline"] = sparkline
TEMPLATES.env.filters["day"] = _day
TEMPLATES.env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.1f}%"


class IssuesPages:
    def __init__(self, friction: Friction, api: IssuesAPI) -> None:
        self.friction = friction
        self.control = friction.control
        self.api = api

    def routes(self) -> list[Route]:
        return [
            guarded("/issues", self.issues, "issues.view"),
            guarded("/issues/replays", self.replays, "sessions.list"),
            guarded("/issues/forms", self.forms, "issues.view"),
        ]

    def _context(self, request: Request, p: Period) -> dict[str, Any]:
        access = access_of(request)
        projects = [x.id for x in self.control.projects() if access.allows_project(x.id)]
        base = {"project": p.project, "from": _day(p.since), "to": _day(p.until - 1)}
        if p.segment:
            base["segment"] = p.segment
        return {
            "nav": "issues",
            "p": p,
            "projects": projects,
            "from_day": _day(p.since),
            "to_day": _day(p.until - 1),
            "base_query": base,
            "link": lambda path, **kw: path + "?" + urlencode(base | kw),
            "signals": SIGNALS,
            "segments": segments.saved(self.control).list(p.project),
        }

    def issues(self, request: Request) -> Response:
        p = scope_of(request, self.control)
        data = self.api.issues_json(p)
        alerts = self.control.friction.alerts((p.project,), limit=10)
        context = self._context(request, p) | {
            "data": data,
            "alerts": [(a, describe(a)) for a in alerts],
        }
        return render(request, "issues.html", context)

    def replays(self, request: Request) -> Response:
        p = scope_of(request, self.control)
        data = self.api.replays_json(request)
        return render(request, "issue_replays.html", self._context(request, p) | {"data": data})

    def forms(self, request: Request) -> Response:
        p = scope_of(request, self.control)
        stats = field_stats(self.friction.store, p.project, p.sessions, p.since, p.until)
        pages: dict[str, list[Any]] = {}
        for f in stats:
            pages.setdefault(f.page, []).append(f)
        return render(request, "forms.html", self._context(request, p) | {"pages": pages})
