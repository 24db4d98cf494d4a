"""Heatmap API and page: maps, element statistics, the page snapshot, PNG/CSV export,
and the per-project heatmap settings.

Everything here is an aggregate (``heatmaps.view``) except the snapshot the
map is drawn on: one customer's masked page. It is served without anything
that names its session, and every rendering is written to the audit log.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.analyse import segments
from clearsight.analyse.heatmap_elements import ranking_csv
from clearsight.analyse.heatmap_snapshot import Snapshot, find_snapshot
from clearsight.analyse.heatmap_urls import (
    SETTINGS_KEY,
    HeatmapSettings,
    pages_json,
    rules_of,
    settings_of,
    validate,
)
from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import Access, access_of
from clearsight.govern.audit import Auditor
from clearsight.http import guarded, json_response
from clearsight.store import chunks
from clearsight.store import heatmaps as upkeep
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.web.heatmap_export import export_png
from clearsight.web.heatmap_params import (
    HeatRequest,
    elements_json,
    heat_request,
    kind_of,
    map_json,
    project_for,
)
from clearsight.web.pages import render


class HeatmapService:
    """What the API, the page and the CLI share: one place that reads maps and snapshots."""

    def __init__(
        self,
        store: EventStore,
        sealer: chunks.ChunkSealer,
        control: ControlPlane,
        auditor: Auditor,
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.control = control
        self.auditor = auditor

    def request(self, access: Access, params: Any) -> HeatRequest:
        return heat_request(self.store, self.control, access, params)

    def snapshot(self, access: Access, req: HeatRequest) -> list[Any]:
        found, key = self._find(req)
        self.auditor.record(
            access,
            "heatmaps.snapshot",
            self.auditor.session_ref(found.sid),
            project=req.query.project,
            detail={"page": key, "bucket": req.head()["bucket"]},
        )
        return found.events

    def _find(self, req: HeatRequest) -> tuple[Snapshot, str]:
        """A snapshot of the first of the map's pages that still has one."""
        rules = rules_of(req.settings)
        missing: NotFound | None = None
        for ref in req.pages:
            one = msgspec.structs.replace(req.query, pages=(ref.page,))
            try:
                return find_snapshot(self.store, self.sealer, one, ref.key, rules), ref.key
            except NotFound as exc:
                missing = exc
        assert missing is not None
        raise missing

    def png(self, access: Access, params: Any) -> bytes:
        req = self.request(access, params)
        data = map_json(self.store, req, kind_of(params))
        events = self.snapshot(access, req)
        width = int(events[0]["data"].get("width") or 1280)
        return export_png(events, data, width)

    def save_settings(self, access: Access, project: str, wanted: HeatmapSettings) -> bool:
        validate(wanted)
        self.control.settings.set(project, SETTINGS_KEY, wanted)
        rules = None if wanted.url_rules is None else rules_of(wanted)
        changed = upkeep.set_url_rules(self.store, project, rules)
        if changed:
            upkeep.rebuild(self.store)
        self.auditor.record(
            access,
            "heatmaps.settings",
            f"project:{project}",
            project=project,
            detail={"settings": msgspec.to_builtins(wanted), "rebuilt": changed},
        )
        return changed

    def sync_rules(self) -> bool:
        """Mirror every project's URL rules into the event store; True if any changed."""
        changed = False
        for project in self.control.projects():
            settings = settings_of(self.control, project.id)
            rules = None if settings.url_rules is None else rules_of(settings)
            changed |= upkeep.set_url_rules(self.store, project.id, rules)
        return changed


class HeatmapsAPI:
    def __init__(self, service: HeatmapService) -> None:
        self.svc = service

    def routes(self) -> list[Route]:
        view = "heatmaps.view"
        return [
            guarded("/heatmaps", self.page, view),
            guarded("/api/v1/heatmaps/pages", self.pages, view),
            guarded("/api/v1/heatmaps/map", self.map, view),
            guarded("/api/v1/heatmaps/elements", self.elements, view),
            guarded("/api/v1/heatmaps/elements.csv", self.elements_csv, view),
            guarded("/api/v1/heatmaps/snapshot", self.snapshot, view),
            guarded("/api/v1/heatmaps/export.png", self.png, view),
            guarded("/api/v1/heatmaps/settings", self.settings, view),
            guarded("/api/v1/heatmaps/settings", self.set_settings, "projects.manage", ["PUT"]),
            guarded("/api/v1/heatmaps/rebuild", self.rebuild, "projects.manage", ["POST"]),
        ]

    def _req(self, request: Request) -> HeatRequest:
        return self.svc.request(access_of(request), request.query_params)

    def page(self, request: Request) -> Response:
        access = access_of(request)
        projects = [p.id for p in self.svc.control.projects() if access.allows_project(p.id)]
        project = request.query_params.get("project") or (projects[0] if projects else "")
        pages = pages_json(self.svc.store, project) if project in projects else []
        return render(
            request,
            "heatmaps.html",
            {
                "nav": "heatmaps",
                "projects": projects,
                "project": project,
                "pages": pages,
                "segments": segments.saved(self.svc.control).list(project) if pages else [],
                "q": request.query_params,
            },
        )

    def pages(self, request: Request) -> Response:
        project = project_for(self.svc.control, access_of(request), request.query_params)
        return json_response({"project": project, "pages": pages_json(self.svc.store, project)})

    def map(self, request: Request) -> Response:
        req = self._req(request)
        return json_response(map_json(self.svc.store, req, kind_of(request.query_params)))

    def elements(self, request: Request) -> Response:
        return json_response(elements_json(self.svc.store, self._req(request)))

    def elements_csv(self, request: Request) -> Response:
        body = ranking_csv(elements_json(self.svc.store, self._req(request)))
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="heatmap-elements.csv"'},
        )

    def snapshot(self, request: Request) -> Response:
        access = access_of(request)
        events = self.svc.snapshot(access, self.svc.request(access, request.query_params))
        return json_response(events, headers={"Cache-Control": "no-store"})

    def png(self, request: Request) -> Response:
        png = self.svc.png(access_of(request), request.query_params)
        return Response(
            png,
            media_type="image/png",
            headers={"Content-Disposition": 'attachment; filename="heatmap.png"'},
        )

    def settings(self, request: Request) -> Response:
        project = project_for(self.svc.control, access_of(request), request.query_params)
        current = settings_of(self.svc.control, project)
        return json_response(
            {"project": project, "rules_in_force": rules_of(current)} | msgspec.to_builtins(current)
        )

    async def set_settings(self, request: Request) -> Response:
        access = access_of(request)
        project = project_for(self.svc.control, access, request.query_params)
        try:
            wanted = msgspec.json.decode(await request.body(), type=HeatmapSettings)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise BadRequest("invalid-body", f"invalid heatmap settings: {exc}") from None
        rebuilt = await run_in_threadpool(self.svc.save_settings, access, project, wanted)
        return json_response({"project": project, "rebuilt": rebuilt})

    def rebuild(self, request: Request) -> Response:
        result = upkeep.rebuild(self.svc.store)
        self.svc.auditor.record(access_of(request), "heatmaps.rebuild", "heatmaps", detail=result)
        return json_response(result)
