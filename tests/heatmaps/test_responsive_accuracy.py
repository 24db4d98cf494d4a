"""Heatmaps that stay true, in real Chromium.

A responsive test page (served here on 127.0.0.1, loading the server's
/capture.js) lays out differently at 390, 820 and 1440 px. Known elements are
clicked a known number of times at each width, and a sticky header's button is
clicked at different scroll positions. Then, per viewport bucket:

- the element ranking is exact;
- the exported PNG (server-side Chromium) has its hot spot inside the right
  element's box, as the live page lays it out at that width;
- sticky clicks land on the header in the sticky layer, not down the page.

The heatmap page is checked as a person sees it, and ``clearsight heatmap
export`` works both beside the running server and without it.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.heatmaps.pixels import hottest, inside
from tests.support import Server, create_project, create_token, create_user, free_port, log_in

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-42"
WIDTHS = {390: "mobile", 820: "tablet", 1440: "desktop"}
CLICKS = {"#apply": 6, "#rates": 3, "#faq": 1}
STICKY_SCROLLS = (0, 900, 1800)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Test bank</title>
<style>
body { margin: 0; font: 16px sans-serif; }
#top { position: sticky; top: 0; height: 64px; background: #123; color: #fff; z-index: 5;
       display: flex; align-items: center; justify-content: space-between; padding: 0 16px; }
#help { width: 96px; height: 40px; }
main { display: grid; grid-template-columns: 1fr; gap: 24px; padding: 24px; }
.card { height: 240px; background: #eef; border: 1px solid #99a;
        display: flex; align-items: center; justify-content: center; }
#apply { width: 60%; height: 80px; } #rates { width: 40%; height: 60px; }
#faq { width: 30%; height: 48px; }
@media (min-width: 768px) { main { grid-template-columns: 1fr 1fr; } #c-faq { order: -1; } }
@media (min-width: 1200px) { main { grid-template-columns: 1fr 1fr 1fr; } #c-apply { order: 5; } }
#spacer { height: 2600px; }
</style></head>
<body data-cs-unmask>
<header id="top"><span>Test bank</span><button id="help" type="button">Help</button></header>
<main>
  <div class="card" id="c-apply"><button id="apply" type="button">Apply now</button></div>
  <div class="card" id="c-rates"><button id="rates" type="button">Rates</button></div>
  <div class="card" id="c-faq"><button id="faq" type="button">FAQ</button></div>
  <div class="card" id="c-text"><p>Plain text</p></div>
</main>
<div id="spacer"></div>
<script>
// A button that appears after the page's full snapshot: no rebuilt page has it, so
// its clicks are drawn at their recorded pixel position, and counted as such.
setTimeout(() => {
  const b = document.createElement("button");
  b.id = "late"; b.type = "button"; b.textContent = "Late offer";
  b.style = "position: absolute; left: 20px; top: 700px; width: 120px; height: 40px";
  document.body.appendChild(b);
}, 1200);
</script>
<script src="SERVER/capture.js"></script>
<script>clearsight.init({projectKey: "KEY", endpoint: "SERVER", consent: "granted",
  flushIntervalMs: 300, clickWindowMs: 150});</script>
</body></html>
"""


class _Site(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    data_dir = tmp_path_factory.mktemp("responsive") / "data"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    key = create_project(data_dir, "bank", origin)
    create_user(data_dir, "vera", "viewer", PASSWORD)
    server = Server(data_dir, token=create_token(data_dir, "admin")).start()
    handler = type(
        "Site", (_Site,), {"body": PAGE.replace("SERVER", server.url).replace("KEY", key).encode()}
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield server, origin
    httpd.shutdown()
    server.stop()


def record(browser: Browser, url: str, width: int) -> dict[str, dict[str, float]]:
    """Click the known elements at ``width``; return their page boxes as laid out there."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(url + "/page.html")
    page.wait_for_function("() => window.clearsight && window.clearsight.sessionId() !== ''")
    for sel, times in CLICKS.items():
        for _ in range(times):
            page.click(sel)
            page.wait_for_timeout(120)
    page.click("#late")
    page.wait_for_timeout(120)
    boxes = {sel: page_box(page, sel) for sel in [*CLICKS, "#help", "#late"]}
    for y in STICKY_SCROLLS:
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(150)
        page.click("#help")
        page.wait_for_timeout(120)
    page.wait_for_timeout(400)
    page.evaluate("() => window.clearsight.flush()")
    context.close()
    return boxes


def page_box(page: Page, sel: str) -> dict[str, float]:
    box: dict[str, float] = page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; }""",
        sel,
    )
    return box


@pytest.fixture(scope="module")
def recorded(site: tuple[Server, str], browser: Browser) -> dict[int, dict[str, dict[str, float]]]:
    server, origin = site
    boxes = {width: record(browser, origin, width) for width in WIDTHS}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = server.get(
            "/api/v1/heatmaps/elements", params={"url": "/page.html", "bucket": "desktop"}
        )
        clicks = (
            {e["sel"]: e["clicks"] for e in r.json().get("elements", [])} if r.is_success else {}
        )
        stored = server.get("/api/v1/heatmaps/pages").json()["pages"]
        if clicks.get("#help") == 3 and stored and stored[0]["views"] == 3:
            break
        time.sleep(0.3)
    return boxes


def elements(server: Server, bucket: str) -> dict[str, dict[str, Any]]:
    r = server.get("/api/v1/heatmaps/elements", params={"url": "/page.html", "bucket": bucket})
    assert r.status_code == 200, r.text
    return {e["sel"]: e for e in r.json()["elements"]}


def export(server: Server, bucket: str, layer: str = "all") -> bytes:
    params = {"url": "/page.html", "bucket": bucket, "layer": layer}
    r = server.get("/api/v1/heatmaps/export.png", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    return r.content


@pytest.mark.parametrize("width", WIDTHS)
def test_ranking_is_exact_at_each_width(
    site: tuple[Server, str], recorded: Any, width: int
) -> None:
    found = elements(site[0], WIDTHS[width])
    ranked = [
        (e["sel"], e["clicks"], e["views"], e["sessions"], e["share"], e["rank"])
        for e in sorted(found.values(), key=lambda e: (e["rank"] or 99, e["sel"]))
    ]
    assert ranked == [
        ("#apply", 6, 1, 1, 1.0, 1),
        ("#rates", 3, 1, 1, 1.0, 2),
        ("#faq", 1, 1, 1, 1.0, 3),
        ("#late", 1, 1, 1, 1.0, 4),
        ("#help", 3, 1, 1, 1.0, None),
    ]
    assert found["#help"]["layer"] == "sticky"


@pytest.mark.parametrize("width", WIDTHS)
def test_png_hot_spot_is_on_the_most_clicked_element(
    site: tuple[Server, str], recorded: Any, browser: Browser, width: int
) -> None:
    png = export(site[0], WIDTHS[width])
    spot = hottest(browser, png, limit=3000)
    assert spot["width"] == width
    box = recorded[width]["#apply"]
    assert inside(spot, box), f"hot spot {spot} is outside #apply {box} at {width} px"
    assert spot["rgb"][0] > 180 and spot["rgb"][2] < 120, f"not heat-red: {spot}"
    (site[0].data_dir.parent / f"heatmap-{width}.png").write_bytes(png)


@pytest.mark.parametrize("width", WIDTHS)
def test_sticky_clicks_land_on_the_header(
    site: tuple[Server, str], recorded: Any, browser: Browser, width: int
) -> None:
    server = site[0]
    params = {"url": "/page.html", "bucket": WIDTHS[width], "layer": "sticky"}
    cols = server.get("/api/v1/heatmaps/map", params=params).json()["points"]
    assert set(cols["sel"]) == {"#help"} and all(cols["fixed"]) and sum(cols["n"]) == 3
    header = recorded[width]["#help"]
    for y in cols["ay"]:  # viewport y, whatever the scroll position was
        assert header["y"] <= y <= header["y"] + header["height"]
    spot = hottest(browser, export(server, WIDTHS[width], "sticky"), limit=3000)
    assert inside(spot, header), f"sticky hot spot {spot} is not on the header {header}"


def test_heatmap_page_as_a_viewer_sees_it(
    site: tuple[Server, str], recorded: Any, browser: Browser
) -> None:
    server = site[0]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, server.url, "vera", PASSWORD)
    page.goto(server.url + "/heatmaps?url=/page.html&bucket=tablet")
    page.wait_for_selector("#heat-stage[data-ready]", timeout=20_000)
    assert page.inner_text("#legend-sample") == "Sample: 1 page views in 1 sessions."
    assert page.is_visible("#legend-warning")
    assert "Too small to trust" in page.inner_text("#legend-warning")
    # #late appeared after the snapshot: its one click is the only pixel fallback
    assert page.inner_text("#legend-fallback").startswith("1 of 14 points")
    assert page.locator("#ranking tbody tr").count() == 5
    frame = page.frame_locator("#heat-stage iframe")
    assert frame.locator("#apply").inner_text() == "Apply now"
    assert page.get_attribute("#heat-stage iframe", "sandbox") == "allow-same-origin"
    page.screenshot(path=str(server.data_dir.parent / "heatmap-page.png"), full_page=True)
    page.close()


def test_cli_export_beside_the_server_and_without_it(
    site: tuple[Server, str], recorded: Any, browser: Browser
) -> None:
    server = site[0]
    out = server.data_dir.parent / "cli.png"
    csv = server.data_dir.parent / "cli.csv"
    args = [
        "heatmap",
        "export",
        "--url",
        "/page.html",
        "--bucket",
        "tablet",
        "--out",
        str(out),
        "--csv",
        str(csv),
        "--data-dir",
        str(server.data_dir),
    ]
    run = subprocess.run(
        [sys.executable, "-m", "clearsight", *args], capture_output=True, text=True, timeout=180
    )
    assert run.returncode == 0, run.stderr
    assert inside(hottest(browser, out.read_bytes(), 3000), recorded[820]["#apply"])
    assert csv.read_text().splitlines()[1].startswith("1,#apply,button,page,no,6,1,1.0,1,")
    server.stop()  # now the CLI opens the store itself
    out.unlink()
    run = subprocess.run(
        [sys.executable, "-m", "clearsight", *args], capture_output=True, text=True, timeout=180
    )
    assert run.returncode == 0, run.stderr
    assert inside(hottest(browser, out.read_bytes(), 3000), recorded[820]["#apply"])
    server.start()
