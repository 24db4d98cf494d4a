"""Segments API: saved segments, the attribute catalogue, imports of CRM/loan-system
exports, and server-side events from the loan-origination system.

Customer ids travel only in request bodies (imports, server events), never in
URLs, and are tokenized before anything is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, cast

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from clearsight.analyse import attributes, customer_data, imports, segments
from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import access_of
from clearsight.govern.audit import Auditor
from clearsight.http import json_response, read_body
from clearsight.privacy.secrets import project_secret
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.web import journey_filters as jf

MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_EVENTS_BYTES = 4 * 1024 * 1024


class SegmentBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str = ""
    description: str = ""
    conditions: list[segments.Condition] = []
    project: str = ""


class SegmentsAPI(jf.JourneyViews):
    ROUTES: ClassVar[jf.RouteRows] = [
        ("/api/v1/segments", "list", jf.VIEW, None),
        ("/api/v1/segments/attributes", "attributes", jf.VIEW, None),
        ("/api/v1/segments/import", "import_file", jf.MANAGE, ["POST"]),
        ("/api/v1/segments/{seg}", "save", jf.MANAGE, ["PUT"]),
        ("/api/v1/segments/{seg}", "delete", jf.MANAGE, ["DELETE"]),
        ("/api/v1/events", "server_events", "events.ingest", ["POST"]),
    ]

    def __init__(
        self, store: EventStore, control: ControlPlane, auditor: Auditor, keys_dir: Path
    ) -> None:
        super().__init__(store, control, auditor)
        self.keys_dir = keys_dir

    def list(self, request: Request) -> Response:
        project = jf.project_of(request, self.control)
        return json_response(
            {"project": project, "segments": segments.listing(self.store, self.control, project)}
        )

    def attributes(self, request: Request) -> Response:
        project = jf.project_of(request, self.control)
        d = self.store.dialect
        items = [
            msgspec.structs.asdict(a)
            | {"values": attributes.top_values(self.store, project, a.name, d)}
            for a in attributes.catalogue(self.store, project)
        ]
        return json_response({"project": project, "attributes": items})

    async def save(self, request: Request) -> Response:
        return await jf.json_body(request, SegmentBody, self._save)

    def _save(self, request: Request, body: SegmentBody) -> dict[str, Any]:
        project = jf.project_of(request, self.control, body.project)
        seg = request.path_params["seg"]
        wanted = segments.Segment(seg, body.name or seg, body.description, body.conditions)
        access = access_of(request)
        members = segments.save(self.store, self.control, self.auditor, access, project, wanted)
        out: dict[str, Any] = msgspec.to_builtins(wanted)
        return out | {"project": project, "members": members}

    def delete(self, request: Request) -> Response:
        project = jf.project_of(request, self.control)
        sid = request.path_params["seg"]
        if not segments.saved(self.control).delete(project, sid):
            raise NotFound("segment-not-found", f"project {project!r} has no segment {sid!r}")
        segments.forget(self.store, project, sid)
        self.auditor.record(
            access_of(request), "segments.delete", f"segment:{sid}", project=project
        )
        return json_response({"deleted": sid})

    async def import_file(self, request: Request) -> Response:
        data = await read_body(request, MAX_IMPORT_BYTES)
        return json_response(await run_in_threadpool(self._import, request, data))

    def _import(self, request: Request, data: bytes) -> dict[str, Any]:
        q = request.query_params
        fmt = q.get("format", "auto")
        if fmt not in ("csv", "json", "auto"):
            raise BadRequest("invalid-parameter", "`format` is csv, json or auto")
        return imports.import_file(
            self.store,
            self.control,
            self.auditor,
            access_of(request),
            self.keys_dir,
            jf.project_of(request, self.control),
            data,
            imports.Options(
                cast(imports.Format, fmt),
                (q.get("key") or "customer_id").strip(),
                (q.get("source") or "import").strip()[:64],
                q.get("dry_run", "") in ("1", "true", "yes"),
            ),
        )

    async def server_events(self, request: Request) -> Response:
        data = await read_body(request, MAX_EVENTS_BYTES)
        try:
            batch = msgspec.json.decode(data, type=customer_data.ServerEventBatch)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise BadRequest("invalid-body", f"invalid request body: {exc}") from None
        if len(batch.events) > customer_data.MAX_EVENTS:
            raise BadRequest(
                "too-many-events", f"send at most {customer_data.MAX_EVENTS} events per request"
            )
        return json_response(await run_in_threadpool(self._server_events, request, batch))

    def _server_events(
        self, request: Request, batch: customer_data.ServerEventBatch
    ) -> dict[str, Any]:
        project = jf.project_of(request, self.control, batch.project)
        secret = project_secret(self.keys_dir, project)
        done = customer_data.record(self.store, secret, project, batch.events)
        return {"stored": done.stored, "duplicates": done.duplicates, "rejected": done.rejected}
