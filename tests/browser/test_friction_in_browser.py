"""Friction in a real browser: from the ranked issues to a replay opened at the signal, a
mark on the issue, and skipping through the replay by signal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from clearsight.analyse.issues import ISSUES_KEY, IssueSettings
from clearsight.store.control import ControlPlane
from tests.friction.sessions import Visit, settle
from tests.support import Server, create_project, create_token, create_user, log_in

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-42"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Server]:
    data_dir = tmp_path / "data"
    key = create_project(data_dir, "bank", "https://apply.bank.test")
    control = ControlPlane(f"sqlite:///{data_dir / 'control.sqlite'}")
    control.settings.set("bank", ISSUES_KEY, IssueSettings(min_sessions=3))
    control.close()
    create_user(data_dir, "ana", "analyst", PASSWORD)
    srv = Server(data_dir, token=create_token(data_dir, "admin")).start()
    now = int(time.time() * 1000)
    for i in range(4):
        v = Visit(key, t=now - (i + 1) * 3_600_000).page("/loan/123456/offer")
        for k in range(5):
            v.click("#accept-offer", 150 if k else 1200, dis=True)
        v.send(srv)
    for i in range(4):
        Visit(key, t=now - i * 60_000).page("/loan/123456/offer").click("#ok", 900, nav=True).send(
            srv
        )
    settle(srv, key)
    yield srv
    srv.stop()


def test_from_issue_to_the_moment_of_the_signal(site: Server, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    log_in(page, site.url, "ana", PASSWORD)
    page.click(".mainnav >> text=Issues")
    row = page.locator("#issues tbody tr", has_text="Rage click")
    expect(row).to_contain_text("/loan/*/offer")
    expect(row).to_contain_text("#accept-offer")
    row.locator("button[data-verdict=confirmed]").click()
    expect(row.locator("button[data-verdict=confirmed]")).to_have_class("small ghost on")
    page.reload()
    expect(page.locator(".chip.sig-rage_click")).to_contain_text("100.0%")

    page.locator("#issues tbody tr", has_text="Rage click").locator("a", has_text="Replays").click()
    expect(page.locator("#replays tbody tr")).to_have_count(4)
    href = page.locator("#replays a.button").first.get_attribute("href") or ""
    offset = int(href.split("?t=")[1])
    page.locator("#replays a.button").first.click()
    page.check("input[value=ux-research]")
    page.click("#purpose-form button[type=submit]")
    skip = page.locator("#signal-bar button", has_text="Rage click × 1")
    expect(skip).to_be_visible(timeout=20_000)
    assert abs(page.evaluate("window.csReplayer.getCurrentTime()") - offset) < 200
    expect(page.locator("#markers .marker.signal.sig-rage_click")).to_have_count(1)
    page.evaluate("window.csReplayer.pause(0)")
    skip.click()  # back to the signal from the start, two seconds ahead of it
    assert abs(page.evaluate("window.csReplayer.getCurrentTime()") - offset) < 200
    expect(page.locator("#timeline li.signal")).to_contain_text("Rage click")

    page.goto(site.url + "/sessions?signal=rage_click&sort=frustration")
    expect(page.locator("#sessions tbody tr")).to_have_count(4)
    expect(page.locator("#sessions tbody tr").first.locator(".score")).to_have_text("12")
