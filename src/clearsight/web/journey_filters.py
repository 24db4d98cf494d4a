"""Journey query parameters, turned into a session filter any view can apply.

- ``segment=<id>``: members of a saved segment (parsed by ``session_filter``
  itself, so every view that uses it gets segments for free);
- ``funnel=<id>&dropped_at=<n>``: sessions that reached step n of a saved
  funnel and went no further; ``funnel=<id>&reached=<n>``: that reached step n;
- ``experiment=<name>&variant=<v>``: sessions that saw that variant.

A view narrows its ``SessionFilter`` with ``refine(request, filter, control,
store.dialect)``; the sessions list does, and heatmaps and issues can do the
same to get the funnel-stage and per-variant filters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.analyse import attributes, experiments, funnels, segments
from clearsight.analyse.sqlbuild import Binder
from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import access_of
from clearsight.govern.audit import Auditor
from clearsight.http import guarded, json_response
from clearsight.store.base import EventStore, SessionFilter, SubQuery
from clearsight.store.control import ControlPlane, Project
from clearsight.store.sql import Dialect
from clearsight.web import formats
from clearsight.web.api_govern import decode_body
from clearsight.web.params import int_param

T = TypeVar("T")


def visible_projects(request: Request, control: ControlPlane) -> list[Project]:
    access = access_of(request)
    return [p for p in control.projects() if access.allows_project(p.id)]


def project_of(request: Request, control: ControlPlane, wanted: str = "") -> str:
    """The project a journey request is about: ``?project=`` (or ``wanted``), or the only
    project the caller may see."""
    wanted = wanted or (request.query_params.get("project") or "").strip()
    visible = [p.id for p in visible_projects(request, control)]
    if not wanted:
        if len(visible) == 1:
            return visible[0]
        raise BadRequest("project-required", "name the project: add ?project=<id>")
    if wanted not in visible:
        raise NotFound("project-not-found", f"no project {wanted!r} (or it is not yours to see)")
    return wanted


def refine(request: Request, f: SessionFilter, control: ControlPlane, d: Dialect) -> SessionFilter:
    within = journey_within(request.query_params, lambda: project_of(request, control), control, d)
    return msgspec.structs.replace(f, within=(*f.within, *within))


def journey_within(
    q: Mapping[str, str], project: Callable[[], str], control: ControlPlane, d: Dialect
) -> list[SubQuery]:
    """The funnel-stage and experiment-variant parameters of ``q`` as session sub-queries;
    ``project`` names the project when one of them is present."""
    within: list[SubQuery] = []
    if fid := (q.get("funnel") or "").strip():
        within.append(_funnel_stage(q, project(), control, d, fid))
    if exp := (q.get("experiment") or "").strip():
        variant = (q.get("variant") or "").strip()
        if not variant:
            raise BadRequest("variant-required", "`experiment` needs a `variant` too")
        bind = Binder("xv")
        values = attributes.attribute_sql(
            "experiment." + experiments.check_name(exp), project(), d, bind
        )
        within.append(
            SubQuery(f"SELECT sid FROM ({values}) v WHERE value = {bind(variant)}", bind.params)
        )
    return within


def _funnel_stage(
    q: Mapping[str, str], project: str, control: ControlPlane, d: Dialect, fid: str
) -> SubQuery:
    funnel = funnels.saved(control).get(project, fid)
    if funnel is None:
        raise NotFound("funnel-not-found", f"project {project!r} has no funnel {fid!r}")
    dropped = int_param(q, "dropped_at", lo=1, hi=funnels.MAX_STEPS)
    reached = int_param(q, "reached", lo=1, hi=funnels.MAX_STEPS)
    if (dropped is None) == (reached is None):
        raise BadRequest("stage-required", "`funnel` needs one of `dropped_at` or `reached`")
    step = dropped or reached or 1
    return funnels.stage_filter(funnel, project, step, "dropped" if dropped else "reached", d)


def list_context(request: Request, control: ControlPlane) -> dict[str, object]:
    """For the sessions list: the saved segments to pick from, and what a funnel-stage or
    variant filter in the query means, in words."""
    projects = [p.id for p in visible_projects(request, control)]
    q = request.query_params
    choices = [
        (s.id, s.name if len(projects) == 1 else f"{p}: {s.name}")
        for p in projects
        for s in segments.saved(control).list(p)
    ]
    notes = []
    project = q.get("project") or (projects[0] if projects else "")
    if (fid := q.get("funnel")) and project:
        funnel = funnels.saved(control).get(project, fid)
        step = q.get("dropped_at") or q.get("reached") or ""
        if funnel is not None and step.isdigit() and 1 <= int(step) <= len(funnel.steps):
            verb = "dropped at" if q.get("dropped_at") else "reached"
            label = funnel.steps[int(step) - 1].label
            notes.append(f"{verb} step {step} ({label}) of funnel “{funnel.name}”")
    if q.get("experiment"):
        notes.append(f"saw variant {q.get('variant', '')} of experiment {q.get('experiment')}")
    return {"segments": choices, "notes": notes}


async def json_body(
    request: Request, kind: type[T], handler: Callable[[Request, T], dict[str, Any]]
) -> Response:
    """Decode the JSON body as ``kind``, run ``handler`` in the thread pool, answer JSON."""
    body: T = await decode_body(request, kind)
    return json_response(await run_in_threadpool(handler, request, body))


RouteRow = tuple[str, Callable[..., Any], str, list[str] | None]
"""(path, handler, permission, methods)."""


def route_table(rows: list[RouteRow]) -> list[Route]:
    return [
        guarded(path, handler, permission, methods) for path, handler, permission, methods in rows
    ]


VIEW, MANAGE = "funnels.view", "analysis.manage"
RouteRows = list[tuple[str, str, str, list[str] | None]]


class JourneyViews:
    """What the journey APIs and pages share: the stores, the audit log, and routes
    declared as a table: ``ROUTES`` rows of (path, method name, permission, methods); a
    method named ``form:<name>`` reads a form first (``form_handler``)."""

    ROUTES: ClassVar[RouteRows] = []

    def __init__(self, store: EventStore, control: ControlPlane, auditor: Auditor) -> None:
        self.store = store
        self.control = control
        self.auditor = auditor
        formats.register()

    def routes(self) -> list[Route]:
        rows = []
        for path, name, permission, methods in self.ROUTES:
            if name.startswith("form:"):
                handler = form_handler(getattr(self, name[5:]))
            else:
                handler = getattr(self, name)
            rows.append((path, handler, permission, methods))
        return route_table(rows)


def form_handler(handler: Callable[[Request, FormData], Response]) -> Callable[..., Any]:
    """An async route handler that reads the form, then runs ``handler`` in the thread pool
    (it touches the stores)."""

    async def read_then_run(request: Request) -> Response:
        form = await request.form()
        return await run_in_threadpool(handler, request, form)

    read_then_run.__name__ = getattr(handler, "__name__", "form").lstrip("_")
    return read_then_run
