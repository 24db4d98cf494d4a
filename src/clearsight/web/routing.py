"""Routes that declare the permission they need.

Every API route and page is built through ``guarded``, so the permission table
(``govern``) and the authorization test can enumerate them; a route without a
permission cannot be declared.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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
