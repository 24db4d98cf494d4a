"""Pages for compliance officers: the audit log, and retention, holds, keys, reports and
data-subject requests. Both read through the same govern services as the API."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.govern.access import access_of
from clearsight.govern.permissions import allowed
from clearsight.govern.report import _keys
from clearsight.http import guarded
from clearsight.web.pages import render
from clearsight.web.params import int_param, time_param


class GovernPages:
    def __init__(self, rt: Any) -> None:
        self.rt = rt

    def routes(self) -> list[Route]:
        return [
            guarded("/audit", self.audit, "audit.view"),
            guarded("/compliance", self.compliance, "reports.view"),
        ]

    def audit(self, request: Request) -> Response:
        q = request.query_params
        obj = None
        if sid := (q.get("session") or "").strip():
            obj = self.rt.auditor.session_ref(sid)
        entries = list(
            self.rt.control.audit.entries(
                since=time_param(q, "from"),
                until=time_param(q, "to", end_of_day=True),
                actor=(q.get("actor") or "").strip() or None,
                action=(q.get("action") or "").strip() or None,
                object_prefix=obj,
                limit=int_param(q, "limit", default=200, lo=1, hi=5000),
                newest_first=True,
            )
        )
        verify = self.rt.auditor.verify()
        return render(
            request,
            "audit.html",
            {
                "nav": "audit",
                "entries": entries,
                "q": q,
                "verify": verify,
                "key_id": self.rt.auditor.signer.key_id,
            },
        )

    def compliance(self, request: Request) -> Response:
        role = access_of(request).role
        return render(
            request,
            "compliance.html",
            {
                "nav": "compliance",
                "retention": self.rt.retention.status(),
                "holds": self.rt.control.governance.holds(),
                "keys": _keys(self.rt.control),
                "projects": [p.id for p in self.rt.control.projects()],
                "purposes": [
                    msgspec.structs.asdict(p) for p in self.rt.control.governance.purposes()
                ],
                "may_subjects": allowed(role, "subjects.export"),
                "may_erase": allowed(role, "subjects.erase"),
                "may_holds": allowed(role, "holds.manage"),
            },
        )
