"""Signal rules, exclusions, analysts' marks and live precision, and recomputes.

Changes of rules and exclusions are audited and re-derive the project's
signals at once (about a second for a million sessions).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.analyse.monitor import Friction
from clearsight.analyse.signals import SIGNALS, Run
from clearsight.analyse.signals_rules import (
    EXCLUSIONS_KEY,
    RULES,
    RULES_KEY,
    Exclusion,
    exclusions_of,
    overrides_of,
    validate,
)
from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import access_of
from clearsight.govern.audit import Auditor
from clearsight.http import guarded, json_response
from clearsight.store.base import SessionFilter
from clearsight.web.friction_common import decode, project_of, projects_of


class RulesRequest(msgspec.Struct, forbid_unknown_fields=True):
    rules: dict[str, float]
    """Overrides; a rule left out goes back to its default."""


class ExclusionRequest(msgspec.Struct, forbid_unknown_fields=True):
    project: str
    signal: str
    sel: str
    page: str = ""


class MarkRequest(msgspec.Struct, forbid_unknown_fields=True):
    project: str
    signal: str
    verdict: Literal["confirmed", "not_a_problem"]
    page: str = ""
    sel: str = ""
    sid: str = ""
    """Set to mark one flag (with ``ts``); empty to mark the whole issue."""
    ts: int | None = None
    note: str = ""


class RecomputeRequest(msgspec.Struct, forbid_unknown_fields=True):
    project: str = ""
    rebuild: bool = False
    """Find every feature from the raw rows again first (slow; after an upgrade)."""


def precision_json(verdicts: dict[str, dict[str, int]]) -> dict[str, Any]:
    out = {}
    for signal in SIGNALS:
        yes = verdicts.get(signal, {}).get("confirmed", 0)
        no = verdicts.get(signal, {}).get("not_a_problem", 0)
        out[signal] = {
            "confirmed": yes,
            "not_a_problem": no,
            "precision": yes / (yes + no) if yes + no else None,
        }
    return out


def run_json(run: Run) -> dict[str, Any]:
    return {"project": run.project, "seconds": round(run.total, 3), "steps": run.seconds}


class SignalsAPI:
    def __init__(self, friction: Friction, auditor: Auditor) -> None:
        self.friction = friction
        self.control = friction.control
        self.auditor = auditor

    def routes(self) -> list[Route]:
        return [
            guarded("/api/v1/signals", self.catalogue, "issues.view"),
            guarded("/api/v1/signals/precision", self.precision, "issues.view"),
            guarded("/api/v1/signals/rules/{project}", self.set_rules, "analysis.manage", ["PUT"]),
            guarded("/api/v1/signals/exclusions", self.exclude, "analysis.manage", ["POST"]),
            guarded("/api/v1/signals/exclusions", self.include, "analysis.manage", ["DELETE"]),
            guarded("/api/v1/signals/marks", self.mark, "analysis.manage", ["POST"]),
            guarded("/api/v1/signals/recompute", self.recompute, "analysis.manage", ["POST"]),
        ]

    # -- reads ---------------------------------------------------------------------------------

    def catalogue(self, request: Request) -> Response:
        project = project_of(request, self.control, request.query_params.get("project"))
        overrides = overrides_of(self.control, project)
        return json_response(
            {
                "project": project,
                "signals": SIGNALS,
                "rules": [
                    {
                        "key": r.key,
                        "value": overrides.get(r.key, r.default),
                        "default": r.default,
                        "min": r.lo,
                        "max": r.hi,
                        "unit": r.unit,
                        "why": r.why,
                    }
                    for r in RULES
                ],
                "exclusions": [
                    msgspec.structs.asdict(e) for e in exclusions_of(self.control, project)
                ],
                "precision": precision_json(self.control.friction.verdicts(project)),
            }
        )

    def precision(self, request: Request) -> Response:
        project = project_of(request, self.control, request.query_params.get("project"))
        return json_response(
            {"project": project, "signals": precision_json(self.control.friction.verdicts(project))}
        )

    # -- changes -------------------------------------------------------------------------------

    async def set_rules(self, request: Request) -> Response:
        wanted: RulesRequest = await decode(request, RulesRequest)
        project = project_of(request, self.control, request.path_params["project"])
        rules = validate(wanted.rules)
        return json_response(await run_in_threadpool(self._set_rules, request, project, rules))

    def _set_rules(self, request: Request, project: str, rules: dict[str, float]) -> dict[str, Any]:
        self.control.settings.set(project, RULES_KEY, rules)
        self.auditor.record(access_of(request), "signals.rules", f"project:{project}",
                            project=project, detail={"rules": rules})  # fmt: skip
        return {"project": project, "rules": rules} | run_json(
            self.friction.detector.recompute(project)
        )

    async def exclude(self, request: Request) -> Response:
        wanted: ExclusionRequest = await decode(request, ExclusionRequest)
        return json_response(await run_in_threadpool(self._exclusions, request, wanted, True), 201)

    async def include(self, request: Request) -> Response:
        wanted: ExclusionRequest = await decode(request, ExclusionRequest)
        return json_response(await run_in_threadpool(self._exclusions, request, wanted, False))

    def _exclusions(self, request: Request, wanted: ExclusionRequest, add: bool) -> dict[str, Any]:
        project = project_of(request, self.control, wanted.project)
        if wanted.signal not in SIGNALS:
            raise BadRequest("unknown-signal", f"signal must be one of {', '.join(SIGNALS)}")
        if not wanted.sel.strip():
            raise BadRequest("invalid-exclusion", "name the element (`sel`) to exclude")
        ex = Exclusion(wanted.signal, wanted.sel.strip(), wanted.page.strip())
        current = [e for e in exclusions_of(self.control, project) if e != ex]
        if add:
            current.append(ex)
        self.control.settings.set(project, EXCLUSIONS_KEY, current)
        action = "signals.exclude" if add else "signals.include"
        self.auditor.record(access_of(request), action, f"project:{project}", project=project,
                            detail=msgspec.structs.asdict(ex))  # fmt: skip
        run = self.friction.detector.recompute(project)
        return {"exclusions": [msgspec.structs.asdict(e) for e in current]} | run_json(run)

    async def mark(self, request: Request) -> Response:
        wanted: MarkRequest = await decode(request, MarkRequest)
        return json_response(await run_in_threadpool(self._mark, request, wanted), 201)

    def _mark(self, request: Request, wanted: MarkRequest) -> dict[str, Any]:
        access = access_of(request)
        project = project_of(request, self.control, wanted.project)
        if wanted.signal not in SIGNALS:
            raise BadRequest("unknown-signal", f"signal must be one of {', '.join(SIGNALS)}")
        ref = None
        if wanted.sid:
            scoped = access.sessions(SessionFilter(projects=(project,), sids=(wanted.sid,)))
            if not self.friction.store.list_sessions(scoped).items:
                raise NotFound("session-not-found", "no such session (or it has been deleted)")
            ref = self.auditor.session_ref(wanted.sid)
        mark = self.control.friction.add_mark(
            project=project, signal=wanted.signal, page=wanted.page, sel=wanted.sel,
            session_ref=ref, ts=wanted.ts if ref else None, verdict=wanted.verdict,
            note=wanted.note[:500], actor=access.actor,
        )  # fmt: skip
        self.auditor.record(access, "signals.mark", ref or f"issue:{wanted.signal}:{wanted.page}",
                            project=project, detail={"verdict": wanted.verdict})  # fmt: skip
        return {"id": mark.id, "verdict": mark.verdict} | {
            "precision": precision_json(self.control.friction.verdicts(project))[wanted.signal]
        }

    async def recompute(self, request: Request) -> Response:
        wanted: RecomputeRequest = await decode(request, RecomputeRequest)
        return json_response(await run_in_threadpool(self._recompute, request, wanted))

    def _recompute(self, request: Request, wanted: RecomputeRequest) -> dict[str, Any]:
        access = access_of(request)
        projects = projects_of(request, self.control, wanted.project)
        det = self.friction.detector
        runs = [det.rebuild(p) if wanted.rebuild else det.recompute(p) for p in projects]
        self.auditor.record(access, "signals.recompute", "signals",
                            detail={"projects": projects, "rebuild": wanted.rebuild})  # fmt: skip
        return {"runs": [run_json(r) for r in runs]}
