"""The only wiring: builds the stores, the spool and the pipeline, and mounts the routes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearsight.config import Settings
from clearsight.errors import NotFound, Problem, Unavailable
from clearsight.http import json_response, problem_response
from clearsight.ingest.accept import Ingestor
from clearsight.ingest.http import IngestEndpoints
from clearsight.spool.service import Spool
from clearsight.store import chunks
from clearsight.store.control import ControlPlane, Project
from clearsight.store.duckdb import DuckDBEventStore
from clearsight.web import demo_site
from clearsight.web.api_sessions import SessionsAPI
from clearsight.web.pages import Pages, render
from clearsight.web.routing import PUBLIC, guarded

log = logging.getLogger("clearsight")
STATIC = Path(__file__).parent / "web" / "static"


@dataclass
class Runtime:
    """Everything a running server holds, built once from the settings."""

    settings: Settings
    control: ControlPlane
    store: DuckDBEventStore
    spool: Spool
    ingestor: Ingestor
    sealer: chunks.ChunkSealer
    started: bool = field(default=False)

    def start(self) -> None:
        if not self.started:
            self.spool.start()
            self.started = True

    def close(self) -> None:
        if self.started:
            self.spool.stop()
            self.started = False
        self.store.close()
        self.control.close()


def build_runtime(settings: Settings) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    control = ControlPlane(settings.control_url)
    sealer = chunks.PlainSealer()
    store = DuckDBEventStore(settings.event_store_path, sealer)
    spool = Spool(
        settings.spool_path,
        store,
        segment_bytes=settings.spool_segment_bytes,
        writer_max_batches=settings.writer_max_batches,
        writer_interval_ms=settings.writer_interval_ms,
    )
    ingestor = Ingestor(control, store, spool, max_backlog_bytes=settings.spool_max_backlog_bytes)
    return Runtime(settings, control, store, spool, ingestor, sealer)


def capture_config(project: Project) -> dict[str, Any]:
    return {
        "blockSelectors": [],
        "maskSelectors": [],
        "unmaskSelectors": [],
        "excludeUrls": [],
        "sampleRate": 1.0,
    }


class SecurityHeaders:
    """Headers every response gets; pages also get a CSP that forbids inline script."""

    CSP = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src * data: blob:; font-src * data:; media-src *; connect-src 'self'; "
        "frame-src 'self' about: blob:; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                if not path.startswith(("/api/", "/demo", "/capture.js", "/static/")):
                    headers.append((b"content-security-policy", self.CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    if _wants_html(request):
        return render(
            request, "error.html", {"title": exc.title, "detail": exc.detail}, status=exc.status
        )
    return problem_response(exc, request.url.path)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        problem: Problem = NotFound("not-found", "there is nothing at this address")
    elif exc.status_code == 405:
        problem = Problem("method-not-allowed", "this address does not take that method")
        problem.status, problem.title = 405, "Method not allowed"
    else:
        problem = Problem("http-error", str(exc.detail))
        problem.status = exc.status_code
    return await _on_problem(request, problem)


async def _on_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    problem = Problem("internal-error", "the server failed on this request; it has been logged")
    return await _on_problem(request, problem)


def _capture_js(request: Request) -> Response:
    path = STATIC / "capture.js"
    if not path.exists():
        raise Unavailable("capture-not-built", "capture.js has not been built: run `make capture`")
    return FileResponse(
        path,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


def routes(rt: Runtime) -> list[BaseRoute]:
    sessions = SessionsAPI(rt.store, rt.sealer)

    def health(request: Request) -> Response:
        return json_response(
            {
                "status": "ok",
                "store": rt.store.name,
                "spool_backlog_bytes": rt.spool.backlog_bytes,
            }
        )

    table: list[BaseRoute] = [
        guarded("/healthz", health, PUBLIC),
        guarded("/capture.js", _capture_js, PUBLIC),
        *IngestEndpoints(rt.ingestor, rt.settings, capture_config).routes(),
        *sessions.routes(),
        *Pages(rt.store, sessions).routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if rt.settings.demo_site:
        table += demo_site.routes()
    return table


def create_app(rt: Runtime) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt.start()
        try:
            yield
        finally:
            rt.close()

    return Starlette(
        routes=routes(rt),
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={Problem: _on_problem, HTTPException: _on_http, Exception: _on_error},
        lifespan=lifespan,
    )
