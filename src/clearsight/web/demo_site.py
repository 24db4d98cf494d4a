"""Serves the demo loan-application site at /demo/ (only when ``demo_site`` is on)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from clearsight.errors import NotFound
from clearsight.http import PUBLIC, guarded

SITE = Path(__file__).parent.parent / "demo" / "site"
STEPS = {"income", "offer", "esign", "disbursement", "complete"}
_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".html": "text/html",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


def _file(name: str) -> Response:
    path = (SITE / name).resolve()
    if SITE.resolve() not in path.parents or not path.is_file():
        raise NotFound("not-found", "there is no such page on the demo site")
    return FileResponse(
        path,
        media_type=_TYPES.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": "no-cache"},
    )


def routes() -> list[BaseRoute]:
    def root(request: Request) -> Response:
        return RedirectResponse("/demo/")

    def index(request: Request) -> Response:
        return _file("index.html")

    def details(request: Request) -> Response:
        return _file("details.html")

    def step(request: Request) -> Response:
        name = request.path_params["step"]
        if name not in STEPS or not request.path_params["app_id"].isdigit():
            raise NotFound("not-found", "there is no such step in the application")
        return _file(name + ".html")

    def asset(request: Request) -> Response:
        return _file(request.path_params["name"])

    return [
        guarded("/demo", root, PUBLIC),
        guarded("/demo/", index, PUBLIC),
        guarded("/demo/apply/details", details, PUBLIC),
        guarded("/demo/loan/{app_id}/{step}", step, PUBLIC),
        guarded("/demo/{name}", asset, PUBLIC),
    ]
