"""HTTP helpers shared by ingest and web: problem+json, JSON responses, bounded bodies,
and routes that declare the permission they need.

Every route is built through ``guarded``, so the permission table (``govern``)
and the authorization test can enumerate them; a route cannot be declared
without a permission.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
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


def guarded(
    path: str, handler: Handler, permission: str, methods: list[str] | None = None
) -> Route:
    route = Route(path, handler, methods=methods or ["GET"])
    route.permission = permission  # type: ignore[attr-defined]
    return route


def permission_of(route: Route) -> str | None:
    return getattr(route, "permission", None)
