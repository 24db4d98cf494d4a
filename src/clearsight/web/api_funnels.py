"""Funnels and experiments API: definitions, reports, per-variant results.

Reports are aggregates (``funnels.view``, viewers included); the sessions
behind a step are one click further, in the sessions list
(``/sessions?funnel=<id>&dropped_at=<n>``), which needs ``sessions.list``.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from clearsight.analyse import attributes, experiments, funnels
from clearsight.analyse.heatmap_query import bucket_of
from clearsight.errors import NotFound
from clearsight.govern.access import access_of
from clearsight.http import json_response
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane
from clearsight.web.journey_filters import (
    MANAGE,
    VIEW,
    JourneyViews,
    RouteRows,
    json_body,
    project_of,
)
from clearsight.web.params import time_param


class FunnelBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    steps: list[funnels.Step]
    project: str = ""
    window_minutes: int = 7 * 24 * 60
    description: str = ""


class ExperimentBody(experiments.Settings, frozen=True, forbid_unknown_fields=True):
    project: str = ""


def scoped(request: Request, project: str, since: int | None, until: int | None) -> SessionFilter:
    segment = (request.query_params.get("segment") or "").strip() or None
    wanted = SessionFilter(projects=(project,), since=since, until=until, segment=segment)
    return access_of(request).sessions(wanted)


def stage_link(project: str, fid: str, step: int, q: dict[str, str], outcome: str) -> str:
    keep = {k: q[k] for k in ("from", "to", "segment") if q.get(k)}
    return "/sessions?" + urlencode({"project": project, "funnel": fid, outcome: step} | keep)


def build_report(
    store: EventStore, request: Request, funnel: funnels.Funnel, project: str
) -> dict[str, Any]:
    q = request.query_params
    since, until = time_param(q, "from"), time_param(q, "to", end_of_day=True)
    breakdown = (q.get("breakdown") or "").strip() or None
    if breakdown and breakdown != funnels.SEGMENTS:
        attributes.check(breakdown)
    total = funnels.run(store, funnel, project, scoped(request, project, since, until))
    steps = total.get("", funnels.shape(funnel, {}))
    for s in steps:
        if s["dropped"]:
            s["dropped_sessions"] = stage_link(
                project, funnel.id, s["index"], dict(q), "dropped_at"
            )
    out: dict[str, Any] = {
        "funnel": msgspec.to_builtins(funnel),
        "project": project,
        "since": since,
        "until": until,
        "segment": q.get("segment") or None,
        "steps": steps,
        "breakdown": None,
        "compare": None,
    }
    if breakdown:
        groups = funnels.run(
            store, funnel, project, scoped(request, project, since, until), breakdown
        )
        out["breakdown"] = {
            "attribute": breakdown,
            "groups": [{"value": g, "steps": s} for g, s in groups.items()],
        }
    c_since, c_until = time_param(q, "compare_from"), time_param(q, "compare_to", end_of_day=True)
    if c_since is not None or c_until is not None:
        other = funnels.run(store, funnel, project, scoped(request, project, c_since, c_until))
        out["compare"] = {
            "since": c_since,
            "until": c_until,
            "steps": other.get("", funnels.shape(funnel, {})),
        }
    return out


class FunnelsAPI(JourneyViews):
    ROUTES: ClassVar[RouteRows] = [
        ("/api/v1/funnels", "list", VIEW, None),
        ("/api/v1/funnels/{fid}", "save", MANAGE, ["PUT"]),
        ("/api/v1/funnels/{fid}", "delete", MANAGE, ["DELETE"]),
        ("/api/v1/funnels/{fid}/report", "report", VIEW, None),
        ("/api/v1/experiments", "experiments", VIEW, None),
        ("/api/v1/experiments/{name}", "experiment", VIEW, None),
        ("/api/v1/experiments/{name}", "set_experiment", MANAGE, ["PUT"]),
    ]

    def funnel(self, request: Request, project: str) -> funnels.Funnel:
        fid = request.path_params["fid"]
        found = funnels.saved(self.control).get(project, fid)
        if found is None:
            raise NotFound("funnel-not-found", f"project {project!r} has no funnel {fid!r}")
        return found

    def list(self, request: Request) -> Response:
        project = project_of(request, self.control)
        items = [msgspec.to_builtins(f) for f in funnels.saved(self.control).list(project)]
        return json_response({"project": project, "funnels": items})

    def report(self, request: Request) -> Response:
        project = project_of(request, self.control)
        return json_response(
            build_report(self.store, request, self.funnel(request, project), project)
        )

    async def save(self, request: Request) -> Response:
        return await json_body(request, FunnelBody, self._save)

    def _save(self, request: Request, body: FunnelBody) -> dict[str, Any]:
        project = project_of(request, self.control, body.project)
        fid = request.path_params["fid"]
        wanted = funnels.Funnel(fid, body.name, body.steps, body.window_minutes, body.description)
        funnel = funnels.save(self.control, self.auditor, access_of(request), project, wanted)
        out: dict[str, Any] = msgspec.to_builtins(funnel)
        return out | {"project": project}

    def delete(self, request: Request) -> Response:
        project = project_of(request, self.control)
        fid = request.path_params["fid"]
        if not funnels.saved(self.control).delete(project, fid):
            raise NotFound("funnel-not-found", f"project {project!r} has no funnel {fid!r}")
        self.auditor.record(access_of(request), "funnels.delete", f"funnel:{fid}", project=project)
        return json_response({"deleted": fid})

    def experiments(self, request: Request) -> Response:
        project = project_of(request, self.control)
        return json_response(
            {"project": project, "experiments": experiments.listing(self.store, project)}
        )

    def experiment(self, request: Request) -> Response:
        return json_response(experiment_report(self.store, self.control, request))

    async def set_experiment(self, request: Request) -> Response:
        return await json_body(request, ExperimentBody, self._set_experiment)

    def _set_experiment(self, request: Request, body: ExperimentBody) -> dict[str, Any]:
        project = project_of(request, self.control, body.project)
        name = experiments.check_name(request.path_params["name"])
        values = {k: v for k, v in msgspec.structs.asdict(body).items() if k != "project"}
        settings = experiments.Settings(**values)
        experiments.configure(
            self.control, self.auditor, access_of(request), project, name, settings
        )
        return {"experiment": name, "project": project, "settings": msgspec.to_builtins(settings)}


def experiment_report(store: EventStore, control: ControlPlane, request: Request) -> dict[str, Any]:
    project = project_of(request, control)
    name = experiments.check_name(request.path_params["name"])
    q = request.query_params
    f = scoped(request, project, time_param(q, "from"), time_param(q, "to", end_of_day=True))
    out = experiments.report(store, control, project, name, f)
    page = experiments.exposure_page(store, project, name)
    out["page"] = page
    # Side by side, both maps at one viewport size: the one asked for, else desktop.
    bucket = q.get("bucket") or "desktop"
    bucket_of(bucket)  # a clear 400 for an unknown bucket, as on the heatmap page
    out["bucket"] = bucket
    for v in out["variants"]:
        v["heatmap"] = experiments.heatmap_url(project, name, v["variant"], page, bucket)
    return out
