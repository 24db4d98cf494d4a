"""The only wiring: builds the stores, the spool and the pipeline, and mounts the routes."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import msgspec
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearsight.analyse import privacy_kpis
from clearsight.analyse.compliance_kpis import KpiSource
from clearsight.analyse.customer_data import ErasureHook
from clearsight.analyse.membership import Membership
from clearsight.analyse.monitor import Friction
from clearsight.analyse.privacy import report_section
from clearsight.config import Settings
from clearsight.errors import ConfigError, NotFound, Problem, Unavailable
from clearsight.govern.accounts import AccountService
from clearsight.govern.audit import Auditor
from clearsight.govern.keys import EncryptingSealer, Keyring, load_kms
from clearsight.govern.privacy_parts import PrivacyParts
from clearsight.govern.privacy_rules import RuleBook
from clearsight.govern.report import ReportInputs
from clearsight.govern.retention import Retention
from clearsight.govern.scheduler import RetentionScheduler
from clearsight.govern.subjects import Subjects
from clearsight.http import PUBLIC, guarded, json_response, problem_response
from clearsight.ingest.accept import Ingestor, network_reducer
from clearsight.ingest.http import IngestEndpoints
from clearsight.privacy.enforce import EnforceRules
from clearsight.privacy.filters import ScrubBatch
from clearsight.privacy.identities import TokenizeIdentities
from clearsight.privacy.network import IpMode, strip_user_agent
from clearsight.spool.service import Spool
from clearsight.store import chunks
from clearsight.store.base import EventStore
from clearsight.store.clickhouse import ClickHouseEventStore
from clearsight.store.control import ControlPlane
from clearsight.store.control.claims import BatchClaims
from clearsight.store.duckdb import DuckDBEventStore
from clearsight.surveys.answers import ScrubSurveyAnswers
from clearsight.surveys.definitions import SurveyBook, with_surveys
from clearsight.web import demo_site
from clearsight.web.api_funnels import FunnelsAPI
from clearsight.web.api_govern import GovernAPI
from clearsight.web.api_issues import IssuesAPI
from clearsight.web.api_segments import SegmentsAPI
from clearsight.web.api_sessions import SessionsAPI
from clearsight.web.api_signals import SignalsAPI
from clearsight.web.auth_routes import AuthRoutes
from clearsight.web.dashboard import Dashboard
from clearsight.web.gate import Gate, LoginRequired
from clearsight.web.govern_pages import GovernPages
from clearsight.web.heatmaps import HeatmapsAPI, HeatmapService
from clearsight.web.issues_pages import IssuesPages
from clearsight.web.journey_filters import refine
from clearsight.web.pages import Pages, render
from clearsight.web.pages_journeys import JourneyPages
from clearsight.web.privacy import PrivacyAPI
from clearsight.web.surveys import SurveysWeb

log = logging.getLogger("clearsight")
STATIC = Path(__file__).parent / "web" / "static"


@dataclass
class Runtime:
    """Everything a running server holds, built once from the settings."""

    settings: Settings
    control: ControlPlane
    store: EventStore
    spool: Spool
    ingestor: Ingestor
    sealer: chunks.ChunkSealer
    keyring: Keyring | None
    auditor: Auditor
    accounts: AccountService
    retention: Retention
    subjects: Subjects
    privacy: PrivacyParts
    friction: Friction
    started: bool = field(default=False)
    scheduler: RetentionScheduler | None = None
    membership: Membership | None = None
    """Keeps saved segments' members in step with new sessions (analyse/membership.py)."""
    kpi_sources: dict[str, KpiSource] = field(default_factory=dict)
    """Dashboard KPIs computed by other parts (masking coverage, PII incidents): see
    ``analyse/compliance_kpis.py``."""

    def start(self, *, schedule: bool = False) -> None:
        if not self.started:
            self.spool.start()
            self.privacy.start()
            self.started = True
        if schedule and self.scheduler is None and self.settings.retention_interval_minutes:
            self.scheduler = RetentionScheduler(
                self.retention, self.settings.retention_interval_minutes * 60
            )
            self.scheduler.start()
        if schedule:
            self.friction.start(self.settings.anomaly_interval_minutes * 60)

    def close(self) -> None:
        self.friction.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler = None
        if self.started:
            self.auditor.checkpoint("shutdown")
            self.privacy.stop()
            self.spool.stop()
            self.started = False
        if self.membership is not None:
            self.membership.close()
        self.friction.drain()
        self.store.close()
        self.control.close()

    def compact(self) -> None:
        self.store.compact()
        self.control.checkpoint_wal()

    def report_inputs(self) -> ReportInputs:
        sections = {
            "PII incidents and masking coverage": lambda a, b: report_section(self.store, a, b)
        }
        return ReportInputs(
            self.control, self.auditor, self.retention, self.collection_scope, sections=sections
        )

    def collection_scope(self) -> list[dict[str, Any]]:
        return [
            {"project": p.id, "origins": p.origins, "rules": self.privacy.capture_config(p)}
            for p in self.control.projects()
        ]


def open_event_store(
    settings: Settings, sealer: chunks.ChunkSealer, control: ControlPlane, worker: str
) -> EventStore:
    if not settings.event_store:
        return DuckDBEventStore(settings.event_store_path, sealer)
    if settings.event_store.startswith(("clickhouse://", "clickhouses://", "chdb://")):
        # Other workers or hosts may share this ClickHouse: batch ids are claimed first.
        claims = BatchClaims(control.engine, worker)
        return ClickHouseEventStore(
            settings.event_store, sealer, cluster=settings.clickhouse_cluster, claim=claims.claim
        )
    raise ConfigError(
        f"event_store {settings.event_store!r}: leave it empty for DuckDB, or "
        "give clickhouse://host:8123/db or chdb:///path"
    )


def build_runtime(settings: Settings, worker: int | None = None) -> Runtime:
    """Everything one server process needs; ``worker`` numbers it among several."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    control = ControlPlane(settings.control_url)
    keyring = None
    sealer: chunks.ChunkSealer = chunks.PlainSealer()
    if settings.encrypt_at_rest:
        keyring = Keyring(control, load_kms(settings.key_source, settings.keys_path))
        sealer = EncryptingSealer(keyring)
    worker_id = f"{socket.gethostname()}:w{worker or 0}"
    store = open_event_store(settings, sealer, control, worker_id)
    membership = Membership(control)
    friction = Friction(store, control)
    spool = Spool(
        settings.spool_path if worker is None else settings.spool_path / f"w{worker}",
        store,
        segment_bytes=settings.spool_segment_bytes,
        writer_max_batches=settings.writer_max_batches,
        writer_interval_ms=settings.writer_interval_ms,
        after_apply=[membership, friction.after_apply],
    )
    rules = RuleBook(control)
    ingestor = Ingestor(
        control,
        store,
        spool,
        # Rules first (a sampled-out batch costs nothing more), the scrubber last.
        filters=[
            EnforceRules(rules),
            TokenizeIdentities(settings.keys_path, rules),
            strip_user_agent,
            ScrubSurveyAnswers(SurveyBook(control)),
            ScrubBatch(rules),
        ],
        reduce_client=network_reducer(cast(IpMode, settings.ip_mode)),
        max_backlog_bytes=settings.spool_max_backlog_bytes,
    )
    auditor = Auditor(control, settings.keys_path, checkpoint_every=settings.audit_checkpoint_every)
    retention = Retention(settings, control, store, keyring, auditor)
    subjects = Subjects(
        control, store, sealer, keyring, auditor, settings.keys_path, compact=lambda: None
    )
    subjects.erasure_hooks.append(ErasureHook(store))
    rt = Runtime(
        settings,
        control,
        store,
        spool,
        ingestor,
        sealer,
        keyring,
        auditor,
        AccountService(control),
        retention,
        subjects,
        PrivacyParts.build(control, rules, ingestor, subjects, spool),
        friction,
    )
    subjects.compact = rt.compact
    rt.membership = membership
    rt.kpi_sources.update(privacy_kpis.sources(store))
    return rt


class SecurityHeaders:
    """Headers every response gets; pages also get a CSP that forbids inline script."""

    _POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src * data: blob:; font-src * data:; media-src *; connect-src 'self'; "
        "frame-src 'self' about: blob:; frame-ancestors {}; base-uri 'none'; "
        "form-action 'self'"
    )
    # (CSP, X-Frame-Options): pages nobody may frame, and the heatmap page, which our
    # own experiment page frames (variants side by side).
    UNFRAMED = (_POLICY.format("'none'").encode(), b"DENY")
    FRAMED_BY_US = (_POLICY.format("'self'").encode(), b"SAMEORIGIN")

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
                    csp, frames = self.FRAMED_BY_US if path == "/heatmaps" else self.UNFRAMED
                    headers.append((b"content-security-policy", csp))
                    headers.append((b"x-frame-options", frames))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    if isinstance(exc, LoginRequired) and _wants_html(request):
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), 303)
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
    sessions = SessionsAPI(rt.store, rt.sealer, rt.control)
    surveys = SurveyBook(rt.control, rt.auditor)
    issues = IssuesAPI(rt.friction, rt.auditor)
    sessions.refiners.append(lambda request, f: refine(request, f, rt.control, rt.store.dialect))
    dashboard = Dashboard(rt.store, rt.control, rt.auditor)
    dashboard.sources = rt.kpi_sources

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
        *IngestEndpoints(
            rt.ingestor,
            rt.settings,
            with_surveys(rt.privacy.capture_config, surveys),
            rt.privacy.decided,
        ).routes(),
        *sessions.routes(),
        *AuthRoutes(rt.settings, rt.control, rt.store, rt.accounts, rt.auditor).routes(),
        *GovernAPI(rt).routes(),
        *GovernPages(rt).routes(),
        *FunnelsAPI(rt.store, rt.control, rt.auditor).routes(),
        *SegmentsAPI(rt.store, rt.control, rt.auditor, rt.settings.keys_path).routes(),
        *dashboard.routes(),
        *JourneyPages(rt.store, rt.control, rt.auditor).routes(),
        *Pages(rt.store, sessions, rt.control).routes(),
        *HeatmapsAPI(HeatmapService(rt.store, rt.sealer, rt.control, rt.auditor)).routes(),
        *SurveysWeb(rt.store, rt.sealer, rt.control, surveys).routes(),
        *PrivacyAPI(rt).routes(),
        *SignalsAPI(rt.friction, rt.auditor).routes(),
        *issues.routes(),
        *IssuesPages(rt.friction, issues).routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if rt.settings.demo_site:
        table += demo_site.routes()
    return table


def create_app(rt: Runtime, *, local_token: str = "", schedule: bool = True) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt.start(schedule=schedule)
        write_local_token(rt.settings, app.state.gate.local_token)
        try:
            yield
        finally:
            rt.close()

    app = Starlette(
        routes=routes(rt),
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={Problem: _on_problem, HTTPException: _on_http, Exception: _on_error},
        lifespan=lifespan,
    )
    app.state.gate = Gate(rt.settings, rt.control, rt.accounts, rt.auditor)
    if local_token:
        app.state.gate.local_token = local_token
    return app


def write_local_token(settings: Settings, token: str) -> None:
    """A fresh admin credential for the local CLI, readable only by the server's OS user,
    with the address to use it at: commands that need the event store while this server
    holds it talk to the server instead."""
    keys_dir = settings.keys_path
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    path = keys_dir / "local-cli.json"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(msgspec.json.encode({"url": f"http://{host}:{settings.port}", "token": token}))
    os.replace(tmp, path)
