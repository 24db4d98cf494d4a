"""End to end in real Chromium: a survey defined through the API shows on the demo site
only after consent, is answered, and its answer is linked to the session through the
API; the results pages show it to an analyst."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_capture_replay import PASSWORD, demo
from tests.support import Server, encode, log_in

pytestmark = pytest.mark.browser
__all__ = ["demo"]  # the demo server fixture: `clearsight demo`, with analyst "ana"
SURVEY = {
    "title": "Before you go",
    "urls": ["/demo/"],
    "trigger": "time",
    "seconds": 1,
    "questions": [
        {
            "id": "reason",
            "type": "choice",
            "text": "What is stopping you from applying today?",
            "options": ["The rate is unclear", "I need my documents", "Just comparing"],
        },
        {"id": "more", "type": "text", "text": "Anything we could do better?"},
    ],
}


def response_of(srv: Server, sid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        items = srv.get("/api/v1/surveys/demo/before-you-go/responses").json()["items"]
        found = [i for i in items if i["sid"] == sid]
        if found and len(found[0]["answers"]) == 2:
            return dict(found[0])
        time.sleep(0.25)
    raise AssertionError("the answers did not arrive")


def test_a_survey_shown_and_answered_in_a_browser_is_linked_to_its_session(
    demo: Server, browser: Browser
) -> None:
    r = demo.request("PUT", "/api/v1/surveys/demo/before-you-go", content=encode(SURVEY))
    assert r.status_code == 201, r.text
    shots = demo.data_dir.parent
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda req: fetched.append(req.url))
    page.goto(demo.url + "/demo/")
    page.wait_for_timeout(1800)
    survey = page.get_by_role("dialog", name="Before you go")
    assert survey.count() == 0, "no survey before consent"
    assert not any("capture-survey.js" in u for u in fetched), "nor its download"
    page.click("#consent-accept")
    expect(survey).to_be_visible(timeout=10_000)
    page.screenshot(path=str(shots / "survey-desktop.png"))
    survey.get_by_role("button", name="I need my documents").click()
    box = survey.get_by_role("textbox", name="Anything we could do better?")
    expect(box).to_be_focused()
    box.fill("Email me at sam.jones@example.org please")
    survey.get_by_role("button", name="Send").click()
    expect(survey.get_by_text("Thank you for your feedback.")).to_be_visible()
    page.evaluate("() => window.clearsight.flush()")
    sid = page.evaluate("() => window.clearsight.sessionId()")
    context.close()

    found = response_of(demo, sid)
    assert [(a["question"], a["answer"]) for a in found["answers"]] == [
        ("reason", "I need my documents"),
        ("more", "Email me at ***.*****@*******.*** please"),
    ]
    assert found["path"] == "/demo/"
    session = demo.get(f"/api/v1/sessions/{sid}").json()
    assert session["project"] == "demo" and session["sid"] == sid

    viewer = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(viewer, demo.url, "ana", PASSWORD)
    viewer.goto(demo.url + "/surveys")
    expect(viewer.locator("#feedback-demo")).to_contain_text("1 of 2 sessions")
    viewer.locator("a.button[href^='/surveys/demo/before-you-go']").click()
    chosen = viewer.locator(".sv-bars li", has_text="I need my documents")
    expect(chosen).to_contain_text("100.0% · 1 answer")
    viewer.screenshot(path=str(shots / "results-desktop.png"), full_page=True)
    viewer.get_by_role("link", name="Responses one by one").click()
    row = viewer.locator(f"#responses tr[data-sid='{sid}']")
    expect(row).to_contain_text("***.*****@*******.***")
    assert row.get_by_role("link", name="Session").get_attribute("href") == f"/sessions/{sid}"
    viewer.screenshot(path=str(shots / "responses-desktop.png"), full_page=True)
    viewer.set_viewport_size({"width": 390, "height": 844})
    viewer.go_back()
    viewer.screenshot(path=str(shots / "results-mobile.png"), full_page=True)
    viewer.close()
