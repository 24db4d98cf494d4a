"""Read API for sessions: list, summary, replay events, timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.analyse.signals import SIGNALS
from clearsight.errors import BadRequest, Gone, NotFound
from clearsight.govern.access import Access, access_of
from clearsight.http import guarded, json_response
from clearsight.store import chunks
from clearsight.store.base import EventStore, SessionFilter, SessionSummary
from clearsight.store.control import ControlPlane
from clearsight.web.params import int_param, time_param


def session_filter(request: Request) -> SessionFilter:
    """The session filter from the query string, narrowed to what the caller may see."""
    q = request.query_params
    min_s = int_param(q, "min_duration", hi=10**7)
    max_s = int_param(q, "max_duration", hi=10**7)
    project = (q.get("project") or "").strip()
    signal = (q.get("signal") or "").strip() or None
    if signal is not None and signal not in SIGNALS:
        raise BadRequest("invalid-parameter", f"`signal` must be one of {', '.join(SIGNALS)}")
    sort = (q.get("sort") or "recent").strip()
    if sort not in ("recent", "frustration"):
        raise BadRequest("invalid-parameter", "`sort` must be recent or frustration")
    wanted = SessionFilter(
        projects=(project,) if project else None,
        since=time_param(q, "from"),
        until=time_param(q, "to", end_of_day=True),
        url=(q.get("url") or "").strip() or None,
        min_duration_ms=None if min_s is None else min_s * 1000,
        max_duration_ms=None if max_s is None else max_s * 1000,
        signal=signal,
        sort=sort,
        segment=(q.get("segment") or "").strip() or None,
        page=int_param(q, "page", default=1, lo=1, hi=10**6) or 1,
        per_page=int_param(q, "per_page", default=50, lo=1, hi=500) or 50,
    )
    return access_of(request).sessions(wanted)


def summary_json(s: SessionSummary) -> dict[str, Any]:
    return msgspec.structs.asdict(s)


class SessionsAPI:
    def __init__(
        self, store: EventStore, sealer: chunks.ChunkSealer, control: ControlPlane
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.control = control
        self.refiners: list[Callable[[Request, SessionFilter], SessionFilter]] = []
        """Further query parameters views understand (funnel stages, experiment variants)."""

    def filter_of(self, request: Request) -> SessionFilter:
        f = session_filter(request)
        for refine in self.refiners:
            f = refine(request, f)
        return f

    def routes(self) -> list[Route]:
        return [
            guarded("/api/v1/sessions", self.list, "sessions.list"),
            guarded("/api/v1/sessions/{sid}", self.summary, "sessions.list"),
            guarded("/api/v1/sessions/{sid}/events", self.events, "replay.view"),
            guarded("/api/v1/sessions/{sid}/timeline", self.timeline, "replay.view"),
        ]

    def find(self, sid: str, access: Access) -> SessionSummary:
        if access.unlimited:
            found = self.store.get_session(sid)
        else:
            scoped = self.store.list_sessions(access.sessions(SessionFilter(sids=(sid,))))
            found = scoped.items[0] if scoped.items else None
        if found is None:
            raise NotFound("session-not-found", "no such session (or it has been deleted)")
        return found

    def find_for(self, request: Request) -> SessionSummary:
        """The session named in the path, if the caller may see it; noted for the audit log."""
        session = self.find(request.path_params["sid"], access_of(request))
        request.state.audit_project = session.project
        return session

    def replay_bytes(self, session: SessionSummary) -> bytes:
        stored = self.store.replay_chunks(session.project, session.sid)
        if not stored:
            raise Gone(
                "replay-erased",
                "this session's recording is no longer stored: it expired under the retention "
                "policy or was erased",
            )
        try:
            opened = [
                chunks.open_chunk(self.sealer, session.project, session.sid, c.codec, c.data)
                for c in stored
            ]
        except KeyError:
            raise Gone(
                "replay-erased",
                "this session's recording was erased or has expired (its key was destroyed)",
            ) from None
        return chunks.join_arrays(opened)

    def timeline_json(self, session: SessionSummary) -> dict[str, Any]:
        tables = {
            k: v.to_pylist() for k, v in self.store.timeline(session.project, session.sid).items()
        }
        for error in tables.get("errors", []):
            error["msg"] = self.sealer.open_text(session.project, session.sid, error["msg"])
        return {"session": summary_json(session)} | tables

    def list(self, request: Request) -> Response:
        page = self.store.list_sessions(self.filter_of(request))
        return json_response(
            {
                "items": [summary_json(s) for s in page.items],
                "total": page.total,
                "page": page.page,
                "per_page": page.per_page,
            }
        )

    def summary(self, request: Request) -> Response:
        return json_response(summary_json(self.find_for(request)))

    def events(self, request: Request) -> Response:
        session = self.find_for(request)
        return Response(self.replay_bytes(session), media_type="application/json")

    def timeline(self, request: Request) -> Response:
        return json_response(self.timeline_json(self.find_for(request)))
