"""In real Chromium: a page shows a customer's name, IBAN and card number in plain text
inside ``data-cs-unmask``, so the capture script records them as they are. The server is
the second line: nothing of them is readable in any API answer or in the data directory,
and the Privacy API says where the client should mask."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faker import Faker
from playwright.sync_api import Browser, Request, Route

from tests.support import Server, cli, create_project, create_token

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Your account</title></head>
<body>
<main data-cs-unmask>
  <h1>Welcome back, <span class="customer-name">{name}</span></h1>
  <p>Payouts go to <span id="payout-iban">{iban}</span>.</p>
  <p>Card on file: <span class="card-number">{card}</span></p>
  <button id="done">Done</button>
</main>
<script src="{server}/capture.js"></script>
<script>clearsight.init({{ projectKey: "{key}", consent: "granted" }});</script>
</body></html>
"""


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    data_dir = tmp_path / "data"
    key = create_project(data_dir, "bank")
    # The project masks names; this visitor's script never learnt the rule (below).
    cli("privacy", "rules", "bank", "--add", "mask_selectors", ".customer-name", data_dir=data_dir)
    srv = Server(data_dir, token=create_token(data_dir)).start()
    yield srv, key
    srv.stop()


def customer(fake: Faker) -> dict[str, str]:
    iban = fake.iban()
    card = fake.credit_card_number(card_type="visa16")
    return {
        "name": fake.name(),
        "iban": " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)),
        "card": " ".join(card[i : i + 4] for i in range(0, 16, 4)),
    }


def forms(value: str) -> set[str]:
    compact = value.replace(" ", "")
    return {value, value.upper(), value.lower(), compact, re.sub(r"\D", "", value) or compact}


def test_plain_text_pii_on_an_unmasked_page_is_scrubbed_by_the_server(
    bank: tuple[Server, str], browser: Browser
) -> None:
    srv, key = bank
    Faker.seed(3003)
    values = customer(Faker("en_GB"))
    html = PAGE.format(server=srv.url, key=key, **values)
    context = browser.new_context()
    page = context.new_page()
    # The bank's page, served (by the browser itself) from the server's origin.
    site = f"{srv.url}/bank"
    page.route(f"{site}/**", lambda route: route.fulfill(body=html, content_type="text/html"))

    def stale_config(route: Route) -> None:
        # A config cached before the project added its rule: the client masks nothing here.
        route.fulfill(body="{}", content_type="application/json")

    page.route("**/api/v1/capture-config*", stale_config)
    sent: list[str] = []

    def outgoing(request: Request) -> None:
        if request.url.endswith("/api/v1/ingest"):
            sent.append(request.post_data or "")

    page.on("request", outgoing)
    page.goto(f"{site}/account")
    page.click("#done")
    page.evaluate("() => window.clearsight.flush()")
    sid = page.evaluate("() => window.clearsight.sessionId()")
    context.close()

    left_the_browser = "\n".join(sent)
    for kind in ("name", "iban", "card"):
        assert values[kind] in left_the_browser, f"the client should have sent the {kind}"

    deadline = time.monotonic() + 30
    while srv.get(f"/api/v1/sessions/{sid}").status_code != 200:
        assert time.monotonic() < deadline, "the session did not arrive"
        time.sleep(0.2)
    found = srv.get("/api/v1/privacy/incidents").json()
    srv.open_replay(sid)
    replay = srv.get(f"/api/v1/sessions/{sid}/events").text
    answers = "\n".join(
        [
            replay,
            srv.get("/api/v1/sessions").text,
            srv.get(f"/api/v1/sessions/{sid}").text,
            srv.get(f"/api/v1/sessions/{sid}/timeline").text,
            json.dumps(found),
            srv.get("/privacy", headers={"Accept": "text/html"}).text,
        ]
    )
    assert "Welcome back" in replay and "Payouts go to" in replay, "the page itself replays"
    for kind, value in values.items():
        for form in forms(value):
            assert form not in answers, f"{kind} readable in an API answer"

    where = {(i["detector"], i["selector"]) for i in found["items"]}
    assert {("iban", "span#payout-iban"), ("card", "span.card-number")} <= where
    assert {i["url"] for i in found["items"]} == {f"{site}/account"}

    srv.stop()
    on_disk = b"".join(p.read_bytes() for p in srv.data_dir.rglob("*") if p.is_file())
    for kind, value in values.items():
        for form in forms(value):
            assert form.encode() not in on_disk, f"{kind} readable in the data directory"
