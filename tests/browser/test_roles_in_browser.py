"""In a real browser: a viewer cannot reach a replay; an analyst must give a purpose first."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support import (
    Server,
    batch,
    create_project,
    create_token,
    create_user,
    encode,
    log_in,
    snapshot_events,
)

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-42"


@pytest.fixture
def site(tmp_path: Path):
    data_dir = tmp_path / "data"
    key = create_project(data_dir, "bank")
    admin = create_token(data_dir, "admin")
    create_user(data_dir, "vera", "viewer", PASSWORD)
    create_user(data_dir, "ana", "analyst", PASSWORD)
    create_user(data_dir, "cora", "compliance", PASSWORD)
    srv = Server(data_dir, token=admin).start()
    ts = int(time.time() * 1000) - 60_000
    b = batch(key, sid="replay-me", ts=ts, rrweb=snapshot_events(ts, "Your loan offer"))
    b["events"].append({"t": "identify", "ts": ts + 2, "pv": "pv1", "uid": "C-4242-SYNTH"})
    assert srv.post("/api/v1/ingest", encode(b)).status_code == 200
    deadline = time.monotonic() + 10
    while srv.get("/api/v1/sessions/replay-me").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield srv
    srv.stop()


def test_viewer_cannot_reach_a_replay(site: Server, browser: Browser) -> None:
    page = browser.new_page()
    log_in(page, site.url, "vera", PASSWORD)
    expect(page.locator(".mainnav")).not_to_contain_text("Sessions")
    response = page.goto(site.url + "/sessions/replay-me")
    assert response is not None and response.status == 403
    expect(page.locator("body")).to_contain_text("may not")
    api = page.request.get(site.url + "/api/v1/sessions/replay-me/events")
    assert api.status == 403
    listing = page.request.get(site.url + "/api/v1/sessions")
    assert listing.status == 403
    page.close()


def test_analyst_must_state_a_purpose_before_the_replay_opens(
    site: Server, browser: Browser
) -> None:
    page = browser.new_page()
    log_in(page, site.url, "ana", PASSWORD)
    page.goto(site.url + "/sessions")
    page.click("text=Replay")
    expect(page.locator("#purpose")).to_be_visible()
    expect(page.locator("#replay")).to_be_hidden()
    assert page.request.get(site.url + "/api/v1/sessions/replay-me/events").status == 403
    page.check("input[value=complaint]")
    page.click("#purpose-form button[type=submit]")
    expect(page.locator("#purpose-error")).to_contain_text("needs a reference")
    page.fill("#reference", "complaint #2026-0142")
    page.click("#purpose-form button[type=submit]")
    expect(page.locator("#replay")).to_be_visible()
    frame = page.frame_locator("#stage iframe")
    expect(frame.locator("h1")).to_have_text("Your loan offer", timeout=15_000)
    sandbox = page.locator("#stage iframe").get_attribute("sandbox") or ""
    assert "allow-scripts" not in sandbox
    entries = site.get("/api/v1/audit?action=replay.open").json()["entries"]
    assert entries[0]["actor"] == "ana" and entries[0]["purpose"] == "complaint"
    assert entries[0]["reference"] == "complaint #2026-0142"
    page.screenshot(path=str(Path(site.data_dir).parent / "analyst-replay.png"))
    page.close()


def test_compliance_officer_finds_a_person_from_the_compliance_page(
    site: Server, browser: Browser
) -> None:
    page = browser.new_page()
    log_in(page, site.url, "cora", PASSWORD)
    page.click("text=Compliance")
    expect(page.locator("#retention")).to_contain_text("within policy")
    page.fill("input[name=customer_id]", "C-4242-SYNTH")
    page.click("button[data-action=find]")
    expect(page.locator("#subject-result")).to_have_text("1 session found for this customer id.")
    page.click("text=Audit log")
    expect(page.locator("#verify-status")).to_contain_text("Chain verified")
    expect(page.locator("#audit")).to_contain_text("subjects.find")
    page.close()
