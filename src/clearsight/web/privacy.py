"""The Privacy page and API: PII incidents, masking coverage, consent metrics, rules, re-scan.

Incidents and coverage need ``privacy.view``, the consent metrics
``consent.view``; both respect the caller's scope. Changing a project's
rules needs ``projects.manage`` and is audited, as is a re-scan.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from clearsight.analyse import privacy as figures
from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import Access, access_of
from clearsight.govern.permissions import allowed
from clearsight.http import guarded, json_response
from clearsight.privacy.rescan import rescan
from clearsight.privacy.rules import PrivacyRules
from clearsight.store.base import SessionFilter
from clearsight.web.api_govern import decode_body
from clearsight.web.pages import render
from clearsight.web.params import time_param

DAY_MS = 86_400_000


class ScanRequest(msgspec.Struct, forbid_unknown_fields=True):
    project: str | None = None


class PrivacyAPI:
    def __init__(self, rt: Any) -> None:
        self.rt = rt

    def routes(self) -> list[Route]:
        return [
            guarded("/privacy", self.page, "privacy.view"),
            guarded("/api/v1/privacy/incidents", self.incidents, "privacy.view"),
            guarded("/api/v1/privacy/coverage", self.coverage, "privacy.view"),
            guarded("/api/v1/privacy/consent", self.consent, "consent.view"),
            guarded("/api/v1/privacy/rules/{project}", self.rules, "privacy.view"),
            guarded("/api/v1/privacy/rules/{project}", self.set_rules, "projects.manage", ["PUT"]),
            guarded("/api/v1/privacy/scan", self.scan, "projects.manage", ["POST"]),
        ]

    # -- figures ---------------------------------------------------------------------------------

    def _period(self, request: Request) -> tuple[int, int, tuple[str, ...] | None]:
        q = request.query_params
        until = time_param(q, "to", end_of_day=True) or int(time.time() * 1000)
        since = time_param(q, "from") or until - 30 * DAY_MS
        project = (q.get("project") or "").strip()
        return since, until, (project,) if project else None

    def _incidents(self, request: Request) -> dict[str, Any]:
        since, until, projects = self._period(request)
        scope = access_of(request).sessions(SessionFilter(projects=projects))
        return figures.incidents(self.rt.store, scope, since, until)

    def _coverage(self, request: Request) -> dict[str, Any]:
        since, until, projects = self._period(request)
        scope = access_of(request).sessions(
            SessionFilter(projects=projects, since=since, until=until)
        )
        return {"from": since, "to": until, "projects": figures.coverage(self.rt.store, scope)}

    def _consent(self, request: Request) -> dict[str, Any]:
        since, until, projects = self._period(request)
        access = access_of(request)
        if access.projects is not None:
            projects = tuple(p for p in (projects or access.projects) if access.allows_project(p))
        days = [
            figures.consent_rates(r)
            for r in self.rt.privacy.consent.per_day(projects, since, until)
        ]
        return {
            "from": since,
            "to": until,
            "projects": figures.consent_totals(days),
            "days": days,
        }

    def incidents(self, request: Request) -> Response:
        return json_response(self._incidents(request))

    def coverage(self, request: Request) -> Response:
        return json_response(self._coverage(request))

    def consent(self, request: Request) -> Response:
        return json_response(self._consent(request))

    def page(self, request: Request) -> Response:
        since, until, _ = self._period(request)
        role = access_of(request).role
        return render(
            request,
            "privacy.html",
            {
                "nav": "privacy",
                "q": request.query_params,
                "since": since,
                "until": until,
                "incidents": self._incidents(request),
                "coverage": self._coverage(request)["projects"],
                "consent": self._consent(request) if allowed(role, "consent.view") else None,
            },
        )

    # -- rules -----------------------------------------------------------------------------------

    def _project(self, request: Request) -> str:
        project = request.path_params["project"]
        if self.rt.control.project(project) is None or not access_of(request).allows_project(
            project
        ):
            raise NotFound("project-not-found", f"no project {project!r}")
        return str(project)

    def rules(self, request: Request) -> Response:
        project = self._project(request)
        return json_response(msgspec.to_builtins(self.rt.privacy.rules.read(project)))

    async def set_rules(self, request: Request) -> Response:
        wanted: PrivacyRules = await decode_body(request, PrivacyRules)
        project = await run_in_threadpool(self._project, request)
        try:
            stored = await run_in_threadpool(
                self.rt.privacy.rules.change, access_of(request), self.rt.auditor, project, wanted
            )
        except ValueError as exc:
            raise BadRequest("invalid-rules", str(exc)) from None
        return json_response(msgspec.to_builtins(stored))

    # -- re-scan ---------------------------------------------------------------------------------

    async def scan(self, request: Request) -> Response:
        """Streams NDJSON: ``{"done", "total"}`` as it goes, then ``{"result": {...}}``
        (or ``{"error": "..."}``)."""
        wanted: ScanRequest = await decode_body(request, ScanRequest)
        access = access_of(request)
        if wanted.project is not None and (
            self.rt.control.project(wanted.project) is None
            or not access.allows_project(wanted.project)
        ):
            raise NotFound("project-not-found", f"no project {wanted.project!r}")
        return StreamingResponse(
            self._scan_lines(access, wanted.project), media_type="application/x-ndjson"
        )

    async def _scan_lines(self, access: Access, project: str | None) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

        def send(item: dict[str, Any] | None) -> None:
            loop.call_soon_threadsafe(lines.put_nowait, item)

        def progress(done: int, total: int) -> None:
            send({"done": done, "total": total})

        def work() -> None:
            try:
                send({"result": run_scan(self.rt, access, project, progress)})
            except Exception as exc:  # reported to the caller; the audit log has the start
                send({"error": f"the re-scan failed: {type(exc).__name__}: {exc}"})
            finally:
                send(None)

        job = loop.run_in_executor(None, work)
        while (item := await lines.get()) is not None:
            yield msgspec.json.encode(item) + b"\n"
        await job


def run_scan(rt: Any, access: Access, project: str | None, progress: Any) -> dict[str, Any]:
    """The re-scan, audited: shared by the API and the in-process CLI."""
    allow_of = lambda pid: rt.privacy.rules(pid).allowed()  # noqa: E731
    result = rescan(rt.store, rt.sealer, project, progress, allow_of=allow_of).to_json()
    rt.auditor.record(
        access,
        "privacy.scan",
        f"project:{project}" if project else "all-projects",
        project=project or "",
        detail=result,
    )
    return result
