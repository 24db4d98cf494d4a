"""The journey pages in a real browser: define a funnel and a segment through the forms,
read the report, follow a drop-off to its replays, configure an experiment."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.journeys.support import MIN, T0, ingest, session
from tests.support import Server, create_project, create_token, create_user, log_in

PASSWORD = "correct-horse-42"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    data_dir: Path = tmp_path_factory.mktemp("pages") / "data"
    key = create_project(data_dir, "bank", "https://apply.bank.test")
    admin = create_token(data_dir, "admin")
    create_user(data_dir, "ana", "analyst", PASSWORD)
    srv = Server(data_dir, token=admin).start()
    batches = []
    for n in range(6):
        variant = "A" if n % 2 else "B"
        steps = [(0, "page", "/apply/start"), (MIN, "page", f"/loan/{n}/offer"),
                 (MIN + 500, "experiment", ("offer-layout", variant))]  # fmt: skip
        if n < 4:
            steps.append((2 * MIN, "page", "/done"))
        batches.append(session(key, f"p{n}", T0 + n * MIN, steps))
    ingest(srv, batches)
    yield srv
    srv.stop()


def test_define_read_and_follow_a_funnel(site: Server, browser: Browser) -> None:
    page = browser.new_page()
    log_in(page, site.url, "ana", PASSWORD)
    page.goto(site.url + "/funnels")
    page.fill("input[name=id]", "buy")
    page.fill("input[name=name]", "Buy")
    page.fill(
        "textarea[name=steps]",
        "Start | url | /apply/start\nOffer | url | /loan/*/offer\nDone | url | /done",
    )
    page.click("text=Save funnel")
    page.wait_for_url("**/funnels/buy?project=bank")
    steps = page.locator("#steps li")
    expect(steps).to_have_count(3)
    expect(steps.nth(1)).to_contain_text("6 · 100.0%")
    expect(steps.nth(2)).to_contain_text("4 · 66.7%")
    page.click("text=Replays of the 2 who dropped")
    expect(page.locator(".banner")).to_contain_text("dropped at step 2 (Offer)")
    expect(page.locator("#sessions tbody tr")).to_have_count(2)

    page.goto(site.url + "/segments")
    page.fill("input[name=id]", "saw-a")
    page.fill("textarea[name=conditions]", "experiment.offer-layout is A")
    page.click("text=Save segment")
    expect(page.locator("#segments")).to_contain_text("3")
    page.goto(site.url + "/funnels/buy?project=bank&segment=saw-a")
    expect(page.locator("#steps li").first).to_contain_text("3 · 100.0%")

    page.goto(site.url + "/experiments/offer-layout?project=bank")
    expect(page.locator("#state")).to_contain_text("Not enough data yet")
    page.select_option("select[name=funnel]", "buy")
    page.click("text=Save settings")
    expect(page.locator(".page-head")).to_contain_text("funnel buy")
    expect(page.locator("#heatmaps a")).to_have_count(2)
