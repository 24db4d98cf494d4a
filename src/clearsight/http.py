"""HTTP helpers shared by ingest and web: problem+json, JSON responses, bounded bodies."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

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
