"""A fake origin for the demo: the static site plus a stand-in clearsight server.

Everything is answered through Playwright request interception, so the traffic
generator needs no real server and no network. The stand-in accepts what the
capture script sends and keeps each ingest body exactly as received; the few
requests interception cannot see (sent while a page unloads) are caught by
``catcher.py``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Route

ORIGIN = "https://loans.northwind.test"
SITE_DIR = Path(__file__).resolve().parent / "site"
CAPTURE_JS = Path(__file__).resolve().parents[1] / "web" / "static" / "capture.js"

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}

# The server maps these URL shapes onto site/ files; the demo must use the same ones.
_LOAN_STEP = re.compile(r"^/demo/loan/\d{5,6}/(income|offer|esign|disbursement|complete)/?$")
_ASSET = re.compile(r"^/demo/([A-Za-z0-9_.-]+\.(?:css|js|svg))$")


def _sid(body: bytes) -> str:
    try:
        return str(json.loads(body).get("sid", ""))
    except (ValueError, AttributeError):
        return ""


def site_file(path: str) -> Path | None:
    """The site/ file served for a URL path, or None for a 404."""
    if path in ("/demo", "/demo/"):
        return SITE_DIR / "index.html"
    if path.rstrip("/") == "/demo/apply/details":
        return SITE_DIR / "details.html"
    step = _LOAN_STEP.match(path)
    if step:
        return SITE_DIR / f"{step.group(1)}.html"
    asset = _ASSET.match(path)
    if asset:
        candidate = SITE_DIR / asset.group(1)
        return candidate if candidate.is_file() else None
    return None


@dataclass
class Traffic:
    """What one browser context sent to the stand-in server."""

    ingest: list[bytes] = field(default_factory=list)
    consent: list[bytes] = field(default_factory=list)
    last_ingest_at: float = 0.0
    sids: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)


class FakeOrigin:
    """Answers every request to ``ORIGIN`` for one browser context."""

    def __init__(self, capture_js: bytes | None) -> None:
        # None serves a 404 for /capture.js, which is how the site is checked to
        # survive a missing analytics script.
        self._capture_js = capture_js
        self.traffic = Traffic()

    async def install(self, context: BrowserContext) -> None:
        await context.route(f"{ORIGIN}/**", self._handle)

    async def _handle(self, route: Route) -> None:
        request = route.request
        path = urlsplit(request.url).path
        method = request.method
        if path == "/capture.js":
            await self._serve_capture(route)
        elif path == "/api/v1/capture-config":
            await route.fulfill(status=200, content_type="application/json", body="{}")
        elif path == "/api/v1/consent" and method == "POST":
            self.traffic.consent.append(request.post_data_buffer or b"")
            await route.fulfill(status=204, body="")
        elif path == "/api/v1/ingest" and method == "POST":
            body = request.post_data_buffer or b""
            self.traffic.ingest.append(body)
            self.traffic.last_ingest_at = time.monotonic()
            self.traffic.sids.add(_sid(body))
            await route.fulfill(
                status=200, content_type="application/json", body=json.dumps({"ok": True})
            )
        else:
            await self._serve_site(route, path)

    async def _serve_capture(self, route: Route) -> None:
        if self._capture_js is None:
            await route.fulfill(status=404, content_type="text/plain", body="not built")
            return
        await route.fulfill(status=200, content_type=_CONTENT_TYPES[".js"], body=self._capture_js)

    async def _serve_site(self, route: Route, path: str) -> None:
        target = site_file(path)
        if target is None or not target.is_file():
            self.traffic.unknown.append(f"{route.request.method} {path}")
            await route.fulfill(status=404, content_type="text/plain", body="not found")
            return
        body = await asyncio.to_thread(target.read_bytes)
        await route.fulfill(
            status=200,
            content_type=_CONTENT_TYPES.get(target.suffix, "application/octet-stream"),
            body=body,
            headers={"cache-control": "no-store"},
        )
