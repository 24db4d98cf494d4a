"""Headless Chromium for server-side rendering: PDF reports and heatmap PNGs.

Uses Debian's chromium (or ``chromium_path``) through Playwright; nothing is
downloaded. Launch flags suit a locked-down server: no sandbox (the server is
not a desktop), no GPU, no background networking.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from clearsight.errors import ConfigError

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (
        os.environ.get("CLEARSIGHT_CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    raise ConfigError(
        "Chromium is needed for PDF and PNG output: install Debian's `chromium` "
        "package or set CLEARSIGHT_CHROMIUM_PATH"
    )


@contextmanager
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ConfigError("PDF and PNG output need the `playwright` package") from None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def html_to_pdf(html: str) -> bytes:
    with chromium() as browser:
        page = browser.new_page()
        page.set_content(html, wait_until="load")
        pdf: bytes = page.pdf(
            format="A4",
            print_background=True,
            margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
        )
        return pdf


def html_to_png(html: str, width: int, ready: str, *, timeout_ms: int = 30_000) -> bytes:
    """Screenshot of a whole self-contained page at ``width`` CSS px and scale 1, taken once
    ``ready`` (a CSS selector) matches: a page that draws with script says when it is done."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": max(320, width), "height": 800})
        page.set_content(html, wait_until="domcontentloaded")
        page.wait_for_selector(ready, state="attached", timeout=timeout_ms)
        png: bytes = page.screenshot(full_page=True, type="png")
        return png
