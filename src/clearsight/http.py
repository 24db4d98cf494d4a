"""HTTP helpers shared by ingest and web: problem+json, JSON responses, bounded bodies,
and routes that declare the permission they need.

Every route is built through ``guarded``, so the permission table (``govern``)
and the authorization test can enumerate them; a route cannot be declared
without a permission.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearsight.errors import PayloadTooLarge, Problem

_encode = msgspec.json.Encoder().encode


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_encode(data), status, headers=headers, media_type="application/json")


def problem_response(problem: Problem, instance: str = "") -> Response:
    """RFC 9457 problem details with a stable ``code``; never echoes request data."""
    body = {
        "type": f"https://clearsight.dev/problems/{problem.code}",
        "title": problem.title,
        "status": problem.status,
        "code": problem.code,
        "detail": problem.detail,
    }
    if instance:
        body["instance"] = instance
    return Response(
        _encode(body),
        problem.status,
        headers=problem.headers,
        media_type="application/problem+json",
    )


async def read_body(request: Request, limit: int) -> bytes:
    """Read the body, refusing with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    too_large = PayloadTooLarge(
        "payload-too-large",
        f"the body is larger than the {limit}-byte limit; send smaller batches",
    )
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


# Plain functions run in Starlette's thread pool: use them for anything that queries a store.
Handler = Callable[[Request], Awaitable[Response]] | Callable[[Request], Response]

PUBLIC = "public"
"""Needs no account: health, static assets, the capture script's endpoints."""


class Gate(Protocol):
    """Decides whether a request may reach a route (``app.state.gate``, set by ``app.py``)."""

    async def admit(self, request: Request, permission: str) -> None:
        """Raise a ``Problem`` to refuse; otherwise set ``request.state.access``."""
        ...

    async def done(self, request: Request, permission: str, status: int) -> None:
        """Called after the handler: audit what was read."""
        ...


def guarded(
    path: str, handler: Handler, permission: str, methods: list[str] | None = None
) -> Route:
    """A route that passes the app's gate with ``permission`` before ``handler`` runs."""
    is_async = inspect.iscoroutinefunction(handler)

    async def endpoint(request: Request) -> Response:
        gate: Gate | None = getattr(request.app.state, "gate", None)
        if gate is not None:
            await gate.admit(request, permission)
        if is_async:
            response: Response = await handler(request)  # type: ignore[misc]
        else:
            response = await run_in_threadpool(handler, request)  # type: ignore[arg-type]
        if gate is not None:
            await gate.done(request, permission, response.status_code)
        return response

    endpoint.__name__ = getattr(handler, "__name__", "endpoint")
    route = Route(path, endpoint, methods=methods or ["GET"])
    route.permission = permission  # type: ignore[attr-defined]
    return route


def permission_of(route: Route) -> str | None:
    return getattr(route, "permission", None)


def client_ip(request: Request, trust_forwarded_for: bool) -> str:
    """The caller's IP; ``X-Forwarded-For`` only when the operator says a proxy sets it."""
    if trust_forwarded_for and (fwd := request.headers.get("x-forwarded-for")):
        return fwd.split(",")[0].strip()
    return request.client.host if request.client else ""
