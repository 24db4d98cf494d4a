"""Pages for funnels, segments and experiments, with small forms to define them.

The forms take one step or condition per line, the same shapes the API takes
as JSON (see docs/journeys.md):

    Income verification | url | /demo/loan/*/income
    import.loan_amount_tier is >20k
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, cast, get_args
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clearsight.analyse import attributes, experiments, funnels, segments
from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import access_of
from clearsight.web.api_funnels import build_report, experiment_report, scoped
from clearsight.web.journey_filters import (
    MANAGE,
    VIEW,
    JourneyViews,
    RouteRows,
    project_of,
    visible_projects,
)
from clearsight.web.pages import render


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def parse_steps(text: str) -> list[funnels.Step]:
    steps = []
    for n, line in enumerate((ln for ln in text.splitlines() if ln.strip()), 1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or parts[1] not in ("url", "event", "server"):
            raise BadRequest(
                "invalid-step", f"step {n}: write `Label | url|event|server | pattern or name`"
            )
        label, kind, match = parts
        steps.append(funnels.Step(label or match, **{kind: match}))
    return steps


def parse_conditions(text: str) -> list[segments.Condition]:
    ops = get_args(segments.Op)
    out = []
    for n, line in enumerate((ln for ln in text.splitlines() if ln.strip()), 1):
        parts = line.split(None, 2)
        if len(parts) < 2 or parts[1] not in ops:
            raise BadRequest(
                "invalid-condition", f"condition {n}: write `attribute op value`, op one of {ops}"
            )
        name, op, raw = parts[0], parts[1], parts[2].strip() if len(parts) > 2 else ""
        value: str | float | list[str] | None = raw or None
        if op in ("in", "not_in"):
            value = [v.strip() for v in raw.split(",") if v.strip()]
        elif op in ("gte", "lte"):
            try:
                value = float(raw)
            except ValueError:
                raise BadRequest("invalid-condition", f"condition {n}: not a number") from None
        out.append(segments.Condition(name, cast(segments.Op, op), value))
    return out


class JourneyPages(JourneyViews):
    ROUTES: ClassVar[RouteRows] = [
        ("/funnels", "funnels", VIEW, None),
        ("/funnels", "form:_save_funnel", MANAGE, ["POST"]),
        ("/funnels/{fid}", "funnel", VIEW, None),
        ("/segments", "segments", VIEW, None),
        ("/segments", "form:_save_segment", MANAGE, ["POST"]),
        ("/experiments", "experiments", VIEW, None),
        ("/experiments/{name}", "experiment", VIEW, None),
        ("/experiments/{name}", "form:_configure", MANAGE, ["POST"]),
    ]

    def _base(self, request: Request, nav: str) -> dict[str, Any]:
        projects = visible_projects(request, self.control)
        return {"nav": nav, "projects": projects, "q": request.query_params}

    def funnels(self, request: Request) -> Response:
        project = project_of(request, self.control)
        ctx = self._base(request, "funnels") | {"project": project}
        month = scoped(request, project, int(time.time() * 1000) - 30 * 86_400_000, None)
        ctx["items"] = [
            (f, funnels.run(self.store, f, project, month).get(""))
            for f in funnels.saved(self.control).list(project)
        ]
        return render(request, "funnels.html", ctx)

    def funnel(self, request: Request) -> Response:
        project = project_of(request, self.control)
        found = funnels.saved(self.control).get(project, request.path_params["fid"])
        if found is None:
            raise NotFound("funnel-not-found", f"project {project!r} has no such funnel")
        ctx = self._base(request, "funnels") | {
            "project": project,
            "r": build_report(self.store, request, found, project),
            "segments": segments.saved(self.control).list(project),
            "attributes": attributes.catalogue(self.store, project),
        }
        return render(request, "funnel.html", ctx)

    def _save_funnel(self, request: Request, form: FormData) -> Response:
        project = project_of(request, self.control, _text(form, "project"))
        fid = _text(form, "id")
        try:
            window = int(_text(form, "window_minutes") or 10080)
        except ValueError:
            raise BadRequest("invalid-funnel", "the window is a whole number of minutes") from None
        steps = parse_steps(_text(form, "steps"))
        wanted = funnels.Funnel(fid, _text(form, "name") or fid, steps, window)
        funnels.save(self.control, self.auditor, access_of(request), project, wanted)
        return RedirectResponse(f"/funnels/{fid}?" + urlencode({"project": project}), 303)

    def segments(self, request: Request) -> Response:
        project = project_of(request, self.control)
        d = self.store.dialect
        ctx = self._base(request, "segments") | {
            "project": project,
            "items": segments.listing(self.store, self.control, project),
            "attributes": [
                (a, attributes.top_values(self.store, project, a.name, d))
                for a in attributes.catalogue(self.store, project)
            ],
            "ops": get_args(segments.Op),
        }
        return render(request, "segments.html", ctx)

    def _save_segment(self, request: Request, form: FormData) -> Response:
        project = project_of(request, self.control, _text(form, "project"))
        seg = _text(form, "id")
        conditions = parse_conditions(_text(form, "conditions"))
        wanted = segments.Segment(seg, _text(form, "name") or seg, "", conditions)
        access = access_of(request)
        segments.save(self.store, self.control, self.auditor, access, project, wanted)
        return RedirectResponse("/segments?" + urlencode({"project": project}), 303)

    def experiments(self, request: Request) -> Response:
        project = project_of(request, self.control)
        ctx = self._base(request, "experiments") | {
            "project": project,
            "items": experiments.listing(self.store, project),
        }
        return render(request, "experiments.html", ctx)

    def experiment(self, request: Request) -> Response:
        project = project_of(request, self.control)
        ctx = self._base(request, "experiments") | {
            "project": project,
            "r": experiment_report(self.store, self.control, request),
            "funnels": funnels.saved(self.control).list(project),
        }
        return render(request, "experiment.html", ctx)

    def _configure(self, request: Request, form: FormData) -> Response:
        project = project_of(request, self.control, _text(form, "project"))
        name = experiments.check_name(request.path_params["name"])
        try:
            effect = float(_text(form, "minimum_effect") or 10) / 100
        except ValueError:
            raise BadRequest("invalid-settings", "the minimum effect is a percentage") from None
        wanted = experiments.Settings(
            funnel=_text(form, "funnel"), control=_text(form, "control"), minimum_effect=effect
        )
        experiments.configure(self.control, self.auditor, access_of(request), project, name, wanted)
        return RedirectResponse(f"/experiments/{name}?" + urlencode({"project": project}), 303)
