"""The public, project-key endpoints the capture script talks to.

``POST /api/v1/ingest``, ``POST /api/v1/consent`` and
``GET /api/v1/capture-config``. They carry no user credentials: a project key
identifies the project, the origin list and consent decide what is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.config import Settings
from clearsight.errors import Forbidden, Problem, Unauthorized
from clearsight.events import ConsentDecision
from clearsight.http import (
    PUBLIC,
    client_ip,
    guarded,
    json_response,
    problem_response,
    read_body,
)
from clearsight.ingest.accept import Ingestor, origin_allowed
from clearsight.ingest.decode import decode_consent
from clearsight.store.control import Project

CaptureConfig = Callable[[Project], dict[str, Any]]
OnConsent = Callable[[Project, ConsentDecision], object]


def own_origin(request: Request) -> str:
    """This server's origin as a browser names it: scheme and host, no path.
    Behind a proxy the scheme comes from X-Forwarded-Proto (uvicorn's proxy headers)."""
    host = request.headers.get("host") or request.base_url.netloc
    return f"{request.scope.get('scheme', 'http')}://{host}"


class IngestEndpoints:
    def __init__(
        self,
        ingestor: Ingestor,
        settings: Settings,
        capture_config: CaptureConfig,
        on_consent: OnConsent | None = None,
    ) -> None:
        self.ingestor = ingestor
        self.settings = settings
        self.capture_config = capture_config
        self.on_consent = on_consent

    def routes(self) -> list[Route]:
        return [
            guarded("/api/v1/ingest", self.ingest, PUBLIC, ["POST", "OPTIONS"]),
            guarded("/api/v1/consent", self.consent, PUBLIC, ["POST", "OPTIONS"]),
            guarded("/api/v1/capture-config", self.config, PUBLIC, ["GET", "OPTIONS"]),
        ]

    def _cors(self, request: Request, project: Project | None = None) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin is None:
            return {}
        mine = own_origin(request)
        candidates = [project] if project else self.ingestor.control.projects()
        if not any(origin_allowed(p, origin, mine) for p in candidates) and origin != mine:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": "Retry-After",
            "Vary": "Origin",
        }

    def _preflight(self, request: Request) -> Response:
        headers = self._cors(request)
        if headers:
            headers |= {
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "86400",
            }
        return Response(status_code=204, headers=headers)

    def _fail(self, request: Request, problem: Problem) -> Response:
        response = problem_response(problem, request.url.path)
        response.headers.update(self._cors(request))
        return response

    async def ingest(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return self._preflight(request)
        try:
            body = await read_body(request, self.settings.max_body_bytes)
            stored = await self.ingestor.ingest(
                body,
                origin=request.headers.get("origin"),
                own_origin=own_origin(request),
                ip=client_ip(request, self.settings.trust_forwarded_for),
                ua=request.headers.get("user-agent", ""),
            )
        except Problem as problem:
            return self._fail(request, problem)
        return json_response({"ok": True, "duplicate": not stored}, headers=self._cors(request))

    async def consent(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return self._preflight(request)
        try:
            body = await read_body(request, 16_384)
            decision = decode_consent(body)
            project = self._project(decision.key, request)
        except Problem as problem:
            return self._fail(request, problem)
        self.ingestor.control.record_consent(
            project=project.id,
            vid=decision.vid,
            sid=decision.sid,
            state=decision.state,
            policy=decision.policy[:64],
            banner_hash=decision.banner[:64],
            source=decision.source[:32],
            client_ts=decision.ts,
        )
        if decision.sid:
            # A denial or withdrawal ends the session's recording at once; a new grant
            # in the same session lets it go on.
            self.ingestor.consented(decision.sid, decision.state == "granted")
        if self.on_consent is not None:
            self.on_consent(project, decision)
        return Response(status_code=204, headers=self._cors(request, project))

    async def config(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return self._preflight(request)
        try:
            project = self._project(request.query_params.get("key", ""), request)
        except Problem as problem:
            return self._fail(request, problem)
        headers = self._cors(request, project) | {"Cache-Control": "max-age=300"}
        return json_response(self.capture_config(project), headers=headers)

    def _project(self, key: str, request: Request) -> Project:
        if not key:
            raise Unauthorized("missing-project-key", "no project key was given")
        project = self.ingestor.control.project_by_key(key)
        if project is None:
            raise Forbidden("unknown-project-key", "no project has this key; check projectKey")
        origin = request.headers.get("origin")
        if not origin_allowed(project, origin, own_origin(request)):
            raise Forbidden("origin-not-allowed", f"origin {origin} may not use this project")
        return project
