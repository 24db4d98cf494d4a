"""Governance API: audit log, retention and holds, data-subject requests, keys, report.

Customer ids travel in request bodies only, never in URLs (which end up in
proxy logs).
"""

from __future__ import annotations

import csv
import io
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.browser import html_to_pdf
from clearsight.errors import BadRequest, NotFound
from clearsight.govern import report
from clearsight.govern.access import access_of
from clearsight.govern.retention import status_json
from clearsight.http import guarded, json_response
from clearsight.store.control.governance import Policy
from clearsight.web.params import int_param, time_param

AUDIT_COLUMNS = [
    "seq",
    "ts",
    "actor",
    "role",
    "action",
    "object",
    "project",
    "purpose",
    "reference",
    "client_ip",
    "result",
    "detail",
    "prev_hash",
    "hash",
]


class SubjectRequest(msgspec.Struct, forbid_unknown_fields=True):
    project: str
    customer_id: str


class PolicyRequest(msgspec.Struct, forbid_unknown_fields=True):
    replay_days: int
    analysis_days: int


class HoldRequest(msgspec.Struct, forbid_unknown_fields=True):
    sid: str
    reason: str


class RotateRequest(msgspec.Struct, forbid_unknown_fields=True):
    project: str | None = None


async def decode_body(request: Request, kind: Any) -> Any:
    try:
        return msgspec.json.decode(await request.body(), type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise BadRequest("invalid-body", f"invalid request body: {exc}") from None


class GovernAPI:
    def __init__(self, rt: Any) -> None:
        self.rt = rt

    def routes(self) -> list[Route]:
        return [
            guarded("/api/v1/audit", self.audit, "audit.view"),
            guarded("/api/v1/audit/verify", self.verify, "audit.view"),
            guarded("/api/v1/audit/export", self.audit_export, "audit.view"),
            guarded("/api/v1/retention", self.retention, "reports.view"),
            guarded("/api/v1/retention/{project}", self.set_policy, "retention.manage", ["PUT"]),
            guarded("/api/v1/retention/run", self.run_retention, "retention.manage", ["POST"]),
            guarded("/api/v1/holds", self.holds, "holds.manage"),
            guarded("/api/v1/holds", self.add_hold, "holds.manage", ["POST"]),
            guarded("/api/v1/holds/{hold_id}", self.release_hold, "holds.manage", ["DELETE"]),
            guarded("/api/v1/subjects/find", self.find_subject, "subjects.export", ["POST"]),
            guarded("/api/v1/subjects/export", self.export_subject, "subjects.export", ["POST"]),
            guarded("/api/v1/subjects/erase", self.erase_subject, "subjects.erase", ["POST"]),
            guarded("/api/v1/keys", self.keys, "keys.manage"),
            guarded("/api/v1/keys/rotate", self.rotate, "keys.manage", ["POST"]),
            guarded("/api/v1/report", self.report, "reports.view"),
        ]

    # -- audit ---------------------------------------------------------------------------------

    def _entries(self, request: Request) -> list[dict[str, Any]]:
        q = request.query_params
        obj = None
        if sid := (q.get("session") or "").strip():
            obj = self.rt.auditor.session_ref(sid)
        entries = self.rt.control.audit.entries(
            since=time_param(q, "from"),
            until=time_param(q, "to", end_of_day=True),
            actor=q.get("actor") or None,
            action=q.get("action") or None,
            object_prefix=obj,
            limit=int_param(q, "limit", default=1000, lo=1, hi=100_000),
            newest_first=True,
        )
        return [msgspec.structs.asdict(e) for e in entries]

    def audit(self, request: Request) -> Response:
        return json_response({"entries": self._entries(request)})

    def verify(self, request: Request) -> Response:
        result = self.rt.auditor.verify()
        return json_response(
            {
                "ok": result.ok,
                "entries": result.entries,
                "checkpoints": result.checkpoints,
                "head_seq": result.head_seq,
                "problems": [{"seq": p.seq, "what": p.what} for p in result.problems],
            }
        )

    def audit_export(self, request: Request) -> Response:
        fmt = request.query_params.get("format", "csv")
        if fmt not in ("csv", "json"):
            raise BadRequest("invalid-parameter", "`format` must be csv or json")
        rows = self._entries(request)[::-1]
        self.rt.auditor.record(
            access_of(request),
            "audit.export",
            "audit",
            detail={"format": fmt, "entries": len(rows)},
        )
        if fmt == "json":
            return json_response(rows, headers=_attachment("audit.json"))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv", headers=_attachment("audit.csv"))

    # -- retention and holds --------------------------------------------------------------------

    def retention(self, request: Request) -> Response:
        return json_response({"projects": status_json(self.rt.retention.status())})

    async def set_policy(self, request: Request) -> Response:
        wanted: PolicyRequest = await decode_body(request, PolicyRequest)
        project = request.path_params["project"]
        if self.rt.control.project(project) is None:
            raise NotFound("project-not-found", f"no project {project!r}")
        try:
            await run_in_threadpool(
                self.rt.retention.set_policy,
                access_of(request),
                Policy(project, wanted.replay_days, wanted.analysis_days),
            )
        except ValueError as exc:
            raise BadRequest("invalid-policy", str(exc)) from None
        return json_response(
            {
                "project": project,
                "replay_days": wanted.replay_days,
                "analysis_days": wanted.analysis_days,
            }
        )

    def run_retention(self, request: Request) -> Response:
        runs = self.rt.retention.run(access_of(request))
        return json_response({"runs": [r.__dict__ for r in runs]})

    def holds(self, request: Request) -> Response:
        return json_response(
            {"holds": [msgspec.structs.asdict(h) for h in self.rt.control.governance.holds()]}
        )

    async def add_hold(self, request: Request) -> Response:
        wanted: HoldRequest = await decode_body(request, HoldRequest)
        return json_response(await run_in_threadpool(self._add_hold, request, wanted), 201)

    def _add_hold(self, request: Request, wanted: HoldRequest) -> dict[str, Any]:
        access = access_of(request)
        session = self.rt.store.get_session(wanted.sid, access.projects)
        if session is None:
            raise NotFound("session-not-found", "no such session (or it has been deleted)")
        if not wanted.reason.strip():
            raise BadRequest("reason-required", "a legal hold needs a reason")
        hold = self.rt.control.governance.add_hold(
            session.project, session.sid, wanted.reason.strip()[:300], access.actor
        )
        self.rt.auditor.record(
            access,
            "holds.add",
            self.rt.auditor.session_ref(session.sid),
            project=session.project,
            detail={"hold": hold.id, "reason": hold.reason},
        )
        return {"id": hold.id, "project": hold.project, "reason": hold.reason}

    def release_hold(self, request: Request) -> Response:
        raw = request.path_params["hold_id"]
        if not raw.isdigit():
            raise BadRequest("invalid-parameter", "the hold id is a number")
        hold = self.rt.control.governance.release_hold(int(raw))
        if hold is None:
            raise NotFound("hold-not-found", "no such legal hold")
        self.rt.auditor.record(
            access_of(request),
            "holds.release",
            self.rt.auditor.session_ref(hold.sid),
            project=hold.project,
            detail={"hold": hold.id},
        )
        return json_response({"id": hold.id, "released_at": hold.released_at})

    # -- data-subject requests -------------------------------------------------------------------

    async def find_subject(self, request: Request) -> Response:
        request.state.audited = True
        wanted: SubjectRequest = await decode_body(request, SubjectRequest)
        sessions = await run_in_threadpool(
            self._subjects("find"), access_of(request), wanted.project, wanted.customer_id
        )
        return json_response({"sessions": [msgspec.structs.asdict(s) for s in sessions]})

    async def export_subject(self, request: Request) -> Response:
        request.state.audited = True
        wanted: SubjectRequest = await decode_body(request, SubjectRequest)
        data = await run_in_threadpool(self._export_zip, request, wanted)
        return Response(
            data, media_type="application/zip", headers=_attachment("subject-export.zip")
        )

    def _export_zip(self, request: Request, wanted: SubjectRequest) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            self._subjects("export")(
                access_of(request), wanted.project, wanted.customer_id, Path(tmp)
            )
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(Path(tmp).iterdir()):
                    archive.write(path, path.name)
            return buffer.getvalue()

    async def erase_subject(self, request: Request) -> Response:
        request.state.audited = True
        wanted: SubjectRequest = await decode_body(request, SubjectRequest)
        receipt = await run_in_threadpool(
            self._subjects("erase"),
            access_of(request),
            wanted.project,
            wanted.customer_id,
            self.rt.spool.roll,
        )
        return Response(receipt.to_json(), media_type="application/json")

    def _subjects(self, action: str) -> Any:
        method = getattr(self.rt.subjects, action)

        def run(*args: Any) -> Any:
            try:
                return method(*args)
            except ValueError as exc:
                raise BadRequest("invalid-request", str(exc)) from None

        return run

    # -- keys ------------------------------------------------------------------------------------

    def keys(self, request: Request) -> Response:
        return json_response(
            {"encryption": self.rt.keyring is not None, "projects": report._keys(self.rt.control)}
        )

    async def rotate(self, request: Request) -> Response:
        wanted: RotateRequest = await decode_body(request, RotateRequest)
        return json_response(
            {
                "rotations": await run_in_threadpool(
                    rotate_keys, self.rt, access_of(request), wanted.project
                )
            }
        )

    # -- report ----------------------------------------------------------------------------------

    def report(self, request: Request) -> Response:
        q = request.query_params
        until = time_param(q, "to", end_of_day=True) or _now()
        since = time_param(q, "from") or until - 30 * 86_400_000
        fmt = q.get("format", "html")
        if fmt not in ("html", "pdf", "json"):
            raise BadRequest("invalid-parameter", "`format` must be html, pdf or json")
        facts = report.build(self.rt.report_inputs(), since, until)
        self.rt.auditor.record(
            access_of(request),
            "reports.create",
            "report",
            detail={"from": since, "to": until, "format": fmt},
        )
        if fmt == "json":
            return json_response(facts)
        page = report.render_html(facts)
        if fmt == "pdf":
            return Response(
                html_to_pdf(page),
                media_type="application/pdf",
                headers=_attachment("compliance-report.pdf"),
            )
        return Response(page, media_type="text/html")


def rotate_keys(rt: Any, access: Any, project: str | None) -> list[dict[str, Any]]:
    if rt.keyring is None:
        raise BadRequest("encryption-off", "encryption at rest is off (encrypt_at_rest)")
    projects = [project] if project else [p.id for p in rt.control.projects()]
    out = []
    for pid in projects:
        if rt.control.project(pid) is None:
            raise NotFound("project-not-found", f"no project {pid!r}")
        rotation = rt.keyring.rotate(pid)
        rt.auditor.record(
            access,
            "keys.rotate",
            f"project:{pid}",
            project=pid,
            detail={"old": rotation.old, "new": rotation.new, "rewrapped": rotation.rewrapped},
        )
        out.append(rotation.__dict__)
    return out


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _now() -> int:
    return int(time.time() * 1000)
