"""The home page: a KPI dashboard, with what each role may see.

- Journey KPIs and the primary funnel's stages (``funnels.view``): aggregates,
  so viewers see them too. Links to the replays behind a stage show only to
  roles that may list sessions.
- Compliance KPIs: audit-log integrity (``audit.view``), consent rate
  (``consent.view``), masking coverage and PII incidents (``privacy.view``,
  from ``sources`` when the privacy checks provide them, "not available"
  otherwise).

``GET /api/v1/kpis`` returns the same data as JSON.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response

from clearsight.analyse import compliance_kpis, funnels, kpis, segments
from clearsight.govern.access import access_of
from clearsight.govern.audit import Auditor
from clearsight.govern.permissions import allowed
from clearsight.http import json_response
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane
from clearsight.web.api_funnels import stage_link
from clearsight.web.journey_filters import JourneyViews, RouteRows, visible_projects
from clearsight.web.pages import render
from clearsight.web.params import int_param


def _kpi_json(k: kpis.Kpi) -> dict[str, Any]:
    return {
        "key": k.key,
        "label": k.label,
        "value": k.value,
        "previous": k.previous,
        "change": k.change,
        "unit": k.unit,
        "better": k.better,
        "link": k.link,
        "series": k.series,
        "available": k.available,
        "note": k.note,
    }


class Dashboard(JourneyViews):
    ROUTES: ClassVar[RouteRows] = [
        ("/", "home", "account.self", None),
        ("/api/v1/kpis", "api", "account.self", None),
    ]

    def __init__(self, store: EventStore, control: ControlPlane, auditor: Auditor) -> None:
        super().__init__(store, control, auditor)
        self.sources: dict[str, compliance_kpis.KpiSource] = {}
        """Compliance KPIs computed elsewhere, by slot key (see ``compliance_kpis.SLOTS``)."""

    def home(self, request: Request) -> Response:
        return render(request, "home.html", {"nav": "home", "d": self.data(request)})

    def api(self, request: Request) -> Response:
        d = self.data(request)
        d["journeys"] = [_kpi_json(k) for k in d["journeys"]]
        d["compliance"] = [_kpi_json(k) for k in d["compliance"]]
        d.pop("projects")
        return json_response(d)

    def data(self, request: Request) -> dict[str, Any]:
        access = access_of(request)
        projects = visible_projects(request, self.control)
        wanted = request.query_params.get("project") or ""
        project = next(
            (p.id for p in projects if p.id == wanted), projects[0].id if projects else ""
        )
        days = int_param(request.query_params, "days", default=7, lo=1, hi=366) or 7
        period = kpis.Period.last(days, int(time.time() * 1000))
        out: dict[str, Any] = {
            "project": project,
            "projects": [(p.id, p.name) for p in projects],
            "days": days,
            "since": period.since,
            "until": period.until,
            "journeys": [],
            "funnel": None,
            "compliance": [],
            "segment": None,
            "segments": [],
        }
        if project and allowed(access.role, "funnels.view"):
            self._journeys(request, out, project, period)
        if project:
            out["compliance"] = self._compliance(access.role, project, period)
        return out

    def _journeys(
        self, request: Request, out: dict[str, Any], project: str, period: kpis.Period
    ) -> None:
        access = access_of(request)
        saved = funnels.saved(self.control).list(project)
        wanted = request.query_params.get("funnel") or ""
        funnel = next((f for f in saved if f.id == wanted), saved[0] if saved else None)

        segment = request.query_params.get("segment") or None
        out["segment"] = segment
        out["segments"] = [(s.id, s.name) for s in segments.saved(self.control).list(project)]

        def scoped(p: kpis.Period) -> SessionFilter:
            wanted = SessionFilter(
                projects=(project,), since=p.since, until=p.until, segment=segment
            )
            return access.sessions(wanted)

        inputs = kpis.Inputs(self.store, self.control, project, period, scoped, funnel)
        out["journeys"] = kpis.journey_kpis(inputs)
        if funnel is None:
            return
        for k in out["journeys"]:
            if k.key in ("completion", "time_on_page"):
                k.link = f"/funnels/{funnel.id}?project={project}"
        stages = kpis.stages(inputs)
        may_list = allowed(access.role, "sessions.list")
        window = {"from": _day(period.since), "to": _day(period.until - 1)}
        if segment:
            window["segment"] = segment
        rows = []
        for now, before, kept in zip(
            stages["now"], stages["before"], stages["replays"], strict=True
        ):
            row = now | {
                "previous_conversion": before["conversion"],
                "replays": kept["dropped"],
                "replays_link": stage_link(project, funnel.id, now["index"], window, "dropped_at")
                if may_list and kept["dropped"]
                else "",
            }
            rows.append(row)
        out["funnel"] = {"id": funnel.id, "name": funnel.name, "steps": rows}

    def _compliance(self, role: str, project: str, period: kpis.Period) -> list[kpis.Kpi]:
        found: list[kpis.Kpi] = []
        if allowed(role, "audit.view"):
            found.append(compliance_kpis.audit_status(self.auditor, period))
        if allowed(role, "consent.view"):
            found.append(compliance_kpis.consent_rate(self.control, project, period))
        for key, (_, permission, _) in compliance_kpis.SLOTS.items():
            if not allowed(role, permission):
                continue
            source = self.sources.get(key)
            kpi = source(project, period) if source is not None else None
            found.append(kpi or compliance_kpis.missing(key))
        return found


def _day(ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))
