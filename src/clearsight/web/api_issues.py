"""Issues ranked by impact, their representative replays, form analytics, anomaly alerts."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.analyse import alerts as alerting
from clearsight.analyse.anomalies import ALERTS_KEY, PERIODS, AlertSettings
from clearsight.analyse.forms import field_stats
from clearsight.analyse.issues import ranked_issues, representative_replays
from clearsight.analyse.monitor import Friction
from clearsight.analyse.signals import SIGNALS
from clearsight.errors import BadRequest
from clearsight.govern.access import access_of
from clearsight.govern.audit import Auditor
from clearsight.http import guarded, json_response
from clearsight.store.control.friction import Alert
from clearsight.web.api_signals import precision_json
from clearsight.web.friction_common import Period, decode, project_of, projects_of, scope_of


class RunRequest(msgspec.Struct, forbid_unknown_fields=True):
    project: str = ""
    at: int | None = None
    """End of the period to check (ms); default: the last complete hour or day."""
    periods: list[str] = msgspec.field(default_factory=lambda: ["hour", "day"])


def alert_json(a: Alert) -> dict[str, Any]:
    return msgspec.structs.asdict(a) | {"text": alerting.describe(a)}


class IssuesAPI:
    def __init__(self, friction: Friction, auditor: Auditor) -> None:
        self.friction = friction
        self.store = friction.store
        self.control = friction.control
        self.auditor = auditor

    def routes(self) -> list[Route]:
        return [
            guarded("/api/v1/issues", self.issues, "issues.view"),
            guarded("/api/v1/issues/replays", self.replays, "sessions.list"),
            guarded("/api/v1/forms", self.forms, "issues.view"),
            guarded("/api/v1/alerts", self.alerts, "issues.view"),
            guarded("/api/v1/alerts/run", self.run_alerts, "analysis.manage", ["POST"]),
            guarded("/api/v1/alerts/config/{project}", self.config, "projects.manage"),
            guarded("/api/v1/alerts/config/{project}", self.set_config, "projects.manage", ["PUT"]),
        ]

    def issues_json(self, p: Period) -> dict[str, Any]:
        found, hidden = ranked_issues(
            self.store, self.control, p.project, p.sessions, p.since, p.until
        )
        return {
            "project": p.project,
            "from": p.since,
            "to": p.until,
            "issues": [msgspec.structs.asdict(i) for i in found],
            "hidden_small_sample": hidden,
            "precision": precision_json(self.control.friction.verdicts(p.project)),
        }

    def issues(self, request: Request) -> Response:
        return json_response(self.issues_json(scope_of(request, self.control)))

    def replays_json(self, request: Request) -> dict[str, Any]:
        p = scope_of(request, self.control)
        q = request.query_params
        signal = q.get("signal", "")
        if signal not in SIGNALS:
            raise BadRequest("invalid-parameter", f"`signal` must be one of {', '.join(SIGNALS)}")
        page, sel = q.get("page", ""), q.get("sel", "")
        request.state.audit_project = p.project
        rows = representative_replays(
            self.store, p.project, p.sessions, signal, page, sel, p.since, p.until
        )
        return {
            "project": p.project,
            "signal": signal,
            "page": page,
            "sel": sel,
            "replays": [r | {"url": f"/sessions/{r['sid']}?t={int(r['offset_ms'])}"} for r in rows],
        }

    def replays(self, request: Request) -> Response:
        return json_response(self.replays_json(request))

    def forms(self, request: Request) -> Response:
        p = scope_of(request, self.control)
        page = (request.query_params.get("page") or "").strip() or None
        stats = field_stats(self.store, p.project, p.sessions, p.since, p.until, page)
        return json_response(
            {"project": p.project, "fields": [msgspec.structs.asdict(f) for f in stats]}
        )

    # -- alerts --------------------------------------------------------------------------------

    def alerts(self, request: Request) -> Response:
        access = access_of(request)
        name = (request.query_params.get("project") or "").strip()
        projects = (project_of(request, self.control, name),) if name else access.projects
        found = self.control.friction.alerts(projects)
        return json_response({"alerts": [alert_json(a) for a in found]})

    async def run_alerts(self, request: Request) -> Response:
        wanted: RunRequest = await decode(request, RunRequest)
        if any(p not in PERIODS for p in wanted.periods):
            raise BadRequest("invalid-body", f"periods must be among {', '.join(PERIODS)}")
        return json_response(await run_in_threadpool(self._run, request, wanted))

    def _run(self, request: Request, wanted: RunRequest) -> dict[str, Any]:
        projects = projects_of(request, self.control, wanted.project)
        now = int(time.time() * 1000)
        raised: list[Alert] = []
        for project in projects:
            for period in wanted.periods:
                size = PERIODS[period]
                end = wanted.at if wanted.at is not None else now // size * size
                raised += self.friction.alerter.run(project, end, (period,))
        return {"alerts": [alert_json(a) for a in raised]}

    def config(self, request: Request) -> Response:
        project = project_of(request, self.control, request.path_params["project"])
        return json_response(msgspec.structs.asdict(alerting.settings_of(self.control, project)))

    async def set_config(self, request: Request) -> Response:
        wanted: AlertSettings = alerting.validate(await decode(request, AlertSettings))
        return json_response(await run_in_threadpool(self._set_config, request, wanted))

    def _set_config(self, request: Request, wanted: AlertSettings) -> dict[str, Any]:
        project = project_of(request, self.control, request.path_params["project"])
        before = alerting.settings_of(self.control, project)
        self.control.settings.set(project, ALERTS_KEY, wanted)
        changed = {
            k: v for k, v in msgspec.structs.asdict(wanted).items() if getattr(before, k) != v
        }
        if "webhook_url" in changed:  # the URL can hold a secret token: log where it points
            parts = urlsplit(wanted.webhook_url)
            changed["webhook_url"] = f"{parts.scheme}://{parts.hostname}" if parts.hostname else ""
        self.auditor.record(access_of(request), "alerts.config", f"project:{project}",
                            project=project, detail={"changed": changed})  # fmt: skip
        return msgspec.structs.asdict(wanted)
