"""What the friction endpoints and pages share: the project and period a request is about."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import msgspec
from starlette.requests import Request

from clearsight.errors import BadRequest, Forbidden, NotFound
from clearsight.govern.access import Access, access_of
from clearsight.store.base import SessionFilter
from clearsight.store.control import ControlPlane
from clearsight.web.params import time_param

DAY_MS = 86_400_000
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    """A request's project, period and what sessions of it the caller may see."""

    project: str
    since: int
    until: int
    access: Access
    segment: str | None = None
    """A saved segment's id: the same sessions as in every other view."""

    @property
    def sessions(self) -> SessionFilter:
        return self.access.sessions(SessionFilter(projects=(self.project,), segment=self.segment))


def project_of(request: Request, control: ControlPlane, name: str | None) -> str:
    """The named project if the caller may see it; without a name, the first one they may."""
    access = access_of(request)
    if name:
        if control.project(name) is None:
            raise NotFound("project-not-found", f"no project {name!r}")
        if not access.allows_project(name):
            raise Forbidden("project-not-permitted", f"your access does not cover {name!r}")
        return name
    visible = [p.id for p in control.projects() if access.allows_project(p.id)]
    if not visible:
        raise NotFound("project-not-found", "no project to show: create one first")
    return visible[0]


def projects_of(request: Request, control: ControlPlane, name: str) -> list[str]:
    """The named project, or every project the caller may see when ``name`` is empty."""
    if name:
        return [project_of(request, control, name)]
    access = access_of(request)
    return [p.id for p in control.projects() if access.allows_project(p.id)]


def scope_of(request: Request, control: ControlPlane) -> Period:
    q = request.query_params
    project = project_of(request, control, (q.get("project") or "").strip() or None)
    until = time_param(q, "to", end_of_day=True) or (int(time.time() * 1000) // 60_000 + 1) * 60_000
    since = time_param(q, "from") or until - DEFAULT_DAYS * DAY_MS
    if since >= until:
        raise BadRequest("invalid-parameter", "`from` must be before `to`")
    segment = (q.get("segment") or "").strip() or None
    return Period(project, since, until, access_of(request), segment)


async def decode(request: Request, kind: Any) -> Any:
    try:
        return msgspec.json.decode(await request.body(), type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise BadRequest("invalid-body", f"invalid request body: {exc}") from None
