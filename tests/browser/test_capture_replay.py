"""End to end in real Chromium: the demo site records, the server stores, the UI replays,
and what the applicant typed is readable nowhere: not on disk, not in any API answer."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faker import Faker
from playwright.sync_api import Browser, Page, expect

from tests.support import Server, create_token, create_user, log_in

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-42"


@pytest.fixture
def demo(tmp_path: Path):
    data_dir = tmp_path / "data"
    # One loaded session is enough: the demo command also creates the demo project.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "clearsight",
            "demo",
            "--sessions",
            "1",
            "--no-serve",
            "--data-dir",
            str(data_dir),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    token = create_token(data_dir, "admin")
    create_user(data_dir, "ana", "analyst", PASSWORD)
    srv = Server(data_dir, command=("demo", "--sessions", "1"), token=token).start()
    yield srv
    srv.stop()


def secrets_for(fake: Faker) -> dict[str, str]:
    return {
        "name": fake.name(),
        "email": fake.email(),
        "phone": "415-555-0" + str(fake.random_int(100, 199)),
        "card": fake.credit_card_number(card_type="visa16"),
        "iban": fake.iban(),
        "street": fake.street_address(),
    }


def variants(value: str) -> set[str]:
    """The typed value, and its digits alone (spacing may differ where it leaks)."""
    digits = re.sub(r"\D", "", value)
    out = {value, value.upper(), value.lower()}
    if len(digits) >= 8:
        out.add(digits)
    return out


def apply_for_a_loan(page: Page, url: str, s: dict[str, str]) -> None:
    page.goto(url + "/demo/")
    page.click("#consent-accept")
    page.fill("#amount-input", "25000")
    page.keyboard.press("Tab")
    page.click("#calc-apply")
    page.wait_for_url(re.compile(r".*/demo/apply/details$"))
    page.fill("#full-name", s["name"])
    page.fill("#email", s["email"])
    page.fill("#phone", s["phone"])
    page.fill("#dob", "1987-04-12")
    page.fill("#ssn-last4", "4821")
    page.fill("#street", s["street"])
    page.fill("#city", "Springfield")
    page.select_option("#state", index=5)
    page.fill("#zip", "62704")
    page.click("#details-continue")
    page.wait_for_url(re.compile(r".*/income$"))
    page.select_option("#employment-status", "employed")
    page.fill("#employer", "Synthetic Widgets Inc")
    page.fill("#annual-income", "84000")
    page.set_input_files(
        "#income-doc",
        files=[
            {
                "name": "paystub.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4 synthetic\n%%EOF\n",
            }
        ],
    )
    page.click("#income-continue")
    page.wait_for_url(re.compile(r".*/offer$"))
    page.click("#consent-hard-pull")
    page.click("#accept-offer")
    page.wait_for_url(re.compile(r".*/esign$"))
    page.fill("#signature", s["name"])
    page.click("#esign-consent")
    page.click("#sign-button")
    page.wait_for_url(re.compile(r".*/disbursement$"))
    page.fill("#account-holder", s["name"])
    page.click("#method-iban")
    page.fill("#iban", s["iban"])
    page.fill("#card-number", s["card"])
    page.fill("#card-expiry", "08/29")
    page.click("#disburse-button")
    page.wait_for_url(re.compile(r".*/complete$"))
    page.evaluate("() => window.clearsight.flush()")


def test_recorded_session_replays_and_typed_values_leak_nowhere(
    demo: Server, browser: Browser
) -> None:
    fake = Faker()
    Faker.seed(20261122)
    typed = secrets_for(fake)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    apply_for_a_loan(page, demo.url, typed)
    sid = page.evaluate("() => window.clearsight.sessionId()")
    context.close()  # pagehide: the last beacon goes out

    deadline = time.monotonic() + 30
    summary = None
    while time.monotonic() < deadline:
        r = demo.get(f"/api/v1/sessions/{sid}")
        if r.status_code == 200 and r.json()["exit_url"].endswith("/complete"):
            summary = r.json()
            break
        time.sleep(0.25)
    assert summary is not None, "the session did not arrive"
    assert summary["pages"] >= 7 and summary["clicks"] >= 8

    # Replay in the UI, as an analyst who states a purpose.
    viewer = browser.new_page()
    log_in(viewer, demo.url, "ana", PASSWORD)
    viewer.goto(f"{demo.url}/sessions/{sid}")
    viewer.check("input[value=ux-research]")
    viewer.click("#purpose-form button[type=submit]")
    frame = viewer.frame_locator("#stage iframe")
    # Static copy is unmasked on the demo site (data-cs-unmask), so it replays readable.
    expect(frame.locator("body")).to_contain_text("Northwind", timeout=20_000)
    expect(viewer.locator("#timeline li")).not_to_have_count(0)
    viewer.screenshot(path=str(demo.data_dir.parent / "replay.png"))
    viewer.close()

    # Nothing typed is readable in any API answer...
    demo.open_replay(sid)
    answers = [
        demo.get("/api/v1/sessions?per_page=500").text,
        demo.get(f"/api/v1/sessions/{sid}").text,
        demo.get(f"/api/v1/sessions/{sid}/events").text,
        demo.get(f"/api/v1/sessions/{sid}/timeline").text,
    ]
    blob = "\n".join(answers)
    assert len(blob) > 50_000, "the replay should be substantial"
    for kind, value in typed.items():
        for form in variants(value):
            assert form not in blob, f"typed {kind} readable in an API response"
    # ...nor anywhere in the data directory, spool and keys included.
    demo.stop()
    on_disk = b"".join(p.read_bytes() for p in demo.data_dir.rglob("*") if p.is_file())
    for kind, value in typed.items():
        for form in variants(value):
            assert form.encode() not in on_disk, f"typed {kind} readable on disk"
