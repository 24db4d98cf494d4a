"""Issues ranked by impact with their replays and form analytics; anomaly alerts to a webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from clearsight.analyse.conversion import GOAL_KEY, Goal
from clearsight.store.control import ControlPlane
from tests.friction.sessions import Visit, settle
from tests.support import Server, create_project, create_token, encode

HOUR, DAY, WEEK = 3_600_000, 86_400_000, 7 * 86_400_000


def _as(srv: Server, token: str) -> Server:
    return Server(srv.data_dir, token=token, port=srv.port)


@pytest.fixture
def world(data_dir: Path) -> Iterator[tuple[Server, str, dict[str, str]]]:
    key = create_project(data_dir, "bank", "https://apply.bank.test")
    control = ControlPlane(f"sqlite:///{data_dir / 'control.sqlite'}")
    control.settings.set("bank", GOAL_KEY, Goal("/loan/*/complete", "Loan completed"))
    control.close()
    tokens = {role: create_token(data_dir, role) for role in ("admin", "analyst", "viewer")}
    # No scheduled checks: the test runs them itself (the scheduler could take its alert first).
    env = {"CLEARSIGHT_ANOMALY_INTERVAL_MINUTES": "0"}
    srv = Server(data_dir, token=tokens["admin"], env=env).start()
    yield srv, key, tokens
    srv.stop()


def _offer(key: str, at: int, rage: bool, completes: bool, loan: str = "123456") -> Visit:
    v = Visit(key, t=at).page("/").page(f"/loan/{loan}/offer", 3000)
    if rage:
        for i in range(5):
            v.click("#accept-offer", 180 if i else 2000, dis=True)
    if completes:
        v.click("#accept-offer", 1500, nav=True).page(f"/loan/{loan}/complete", 200)
    return v


def test_issues_ranked_by_lost_conversions(world) -> None:
    srv, key, tokens = world
    now = int(time.time() * 1000)
    for i in range(30):  # hammered the disabled button and gave up
        _offer(key, now - (i + 1) * 4 * HOUR, rage=True, completes=False).send(srv)
    for i in range(40):
        _offer(key, now - (i + 1) * 3 * HOUR, rage=False, completes=True).send(srv)
    for _ in range(5):  # too few sessions to show
        Visit(key, t=now - DAY).page("/faq").click("#nothing", 900).send(srv)
    abandon = Visit(key, t=now - 2 * DAY).page("/apply/details").field("#full-name")
    abandon.field("#email").field("#phone", dels=2).send(srv)
    settle(srv, key)
    analyst = _as(srv, tokens["analyst"])
    data = analyst.get("/api/v1/issues?project=bank").json()
    top = data["issues"][0]
    assert (top["signal"], top["page"], top["sel"]) == (
        "rage_click",
        "/loan/*/offer",
        "#accept-offer",
    )
    assert top["sessions"] == 30 and top["page_sessions"] == 70
    assert top["conversion_affected"] == 0.0 and top["conversion_unaffected"] == 1.0
    assert top["lost_conversions"] == pytest.approx(30.0) and top["confidence"] > 0.999
    assert top["share"] == pytest.approx(30 / 70) and top["gap_low"] > 0.8
    assert len(top["trend"]) >= 30 and sum(top["trend"]) == 30 and top["funnel_step"] is None
    assert data["hidden_small_sample"] >= 2  # the faq dead clicks and the single abandon
    assert all(i["sessions"] >= 20 for i in data["issues"])
    assert _as(srv, tokens["viewer"]).get("/api/v1/issues?project=bank").status_code == 403
    # The heatmap's frustration layer shows the rage clicks the issue counts, on the button.
    rage = analyst.get(
        "/api/v1/heatmaps/elements",
        params={"project": "bank", "url": "/loan/*/offer", "layer": "rage", "bucket": "desktop"},
    ).json()["elements"]
    assert [(e["sel"], e["sessions"]) for e in rage] == [("#accept-offer", 30)]
    dead = analyst.get(
        "/api/v1/heatmaps/elements",
        params={"project": "bank", "url": "/loan/*/offer", "layer": "dead", "bucket": "desktop"},
    ).json()["elements"]
    assert dead == []
    # A saved segment narrows issues as it does every other view.
    faq = {
        "project": "bank",
        "name": "Entered at the FAQ",
        "conditions": [{"attribute": "entry_page", "op": "is", "value": "/faq"}],
    }
    put = analyst.request("PUT", "/api/v1/segments/faq-first", content=encode(faq))
    assert put.status_code == 200, put.text
    assert analyst.get("/api/v1/issues?project=bank&segment=faq-first").json()["issues"] == []
    page = analyst.get(
        "/issues?project=bank&segment=faq-first", headers={"Accept": "text/html"}
    ).text
    assert '<option value="faq-first" selected>' in page

    q = "project=bank&signal=rage_click&page=/loan/*/offer&sel=%23accept-offer"
    replays = analyst.get(f"/api/v1/issues/replays?{q}").json()["replays"]
    assert len(replays) == 5
    for r in replays:
        assert r["url"] == f"/sessions/{r['sid']}?t={int(r['offset_ms'])}"
        assert r["offset_ms"] == r["ts"] - r["started_at"] - 2000  # opens just before it
    audited = srv.get("/api/v1/audit?action=sessions.list").json()["entries"]
    assert any("/api/v1/issues/replays" in json.dumps(e["detail"]) for e in audited)

    fields = analyst.get("/api/v1/forms?project=bank&page=/apply/details").json()["fields"]
    assert [f["sel"] for f in fields] == ["#full-name", "#email", "#phone"]
    phone = fields[-1]
    assert phone["abandoned"] == 1 and phone["abandon_rate"] == 1.0 and phone["corrected"] == 1.0
    assert fields[0]["median_ms"] == 2000


class Receiver:
    """A webhook endpoint on 127.0.0.1 that keeps what it is sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                outer.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/T000/B000/secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_anomaly_alerts_go_to_the_app_and_the_webhook(world, receiver: Receiver) -> None:
    srv, key, tokens = world
    cfg = {"webhook_url": receiver.url, "format": "slack", "min_volume": 10, "cooldown_hours": 6}
    analyst = _as(srv, tokens["analyst"])
    assert analyst.request("PUT", "/api/v1/alerts/config/bank", json=cfg).status_code == 403
    bad = srv.request("PUT", "/api/v1/alerts/config/bank", json=cfg | {"webhook_url": "ftp://x"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid-webhook"
    assert srv.request("PUT", "/api/v1/alerts/config/bank", json=cfg).status_code == 200
    logged = srv.get("/api/v1/audit?action=alerts.config").json()["entries"][0]["detail"]
    assert "http://127.0.0.1" in json.dumps(logged) and "secret" not in json.dumps(logged)

    end = int(time.time() * 1000) // HOUR * HOUR - 2 * HOUR  # a complete hour, two hours ago
    for week in range(1, 5):  # the same hour of the same weekday: calm
        for i in range(12):
            _offer(key, end - week * WEEK - HOUR + i * 60_000, False, False, "555").send(srv)
    for i in range(12):  # this week: everyone hammers the button
        _offer(key, end - HOUR + i * 60_000, True, False, "555").send(srv)
    for i in range(3):  # another page: as bad, but too few views to say
        _offer(key, end - HOUR + i * 60_000, True, False, "777").page("/other", 100).send(srv)
    settle(srv, key)

    run = {"project": "bank", "at": end, "periods": ["hour"]}
    raised = analyst.request("POST", "/api/v1/alerts/run", json=run).json()["alerts"]
    assert [(a["metric"], a["page"], a["period"]) for a in raised] == [
        ("rage_rate", "/loan/*/offer", "hour")
    ]
    assert raised[0]["value"] == pytest.approx(100.0) and raised[0]["baseline"] == 0.0
    assert raised[0]["delivery"] == "pending"
    assert (
        len(receiver.bodies) == 1 and "Rage clicks per 100 page views" in receiver.bodies[0]["text"]
    )
    assert receiver.bodies[0]["blocks"][0]["type"] == "section"
    again = analyst.request("POST", "/api/v1/alerts/run", json=run).json()["alerts"]
    assert again == [] and len(receiver.bodies) == 1  # cooldown: no second alert

    jira = cfg | {"format": "jira", "jira_project": "LOANS"}
    assert srv.request("PUT", "/api/v1/alerts/config/bank", json=jira).status_code == 200
    day_end = (end - 1) // DAY * DAY + DAY
    raised = analyst.request(
        "POST", "/api/v1/alerts/run", json={"project": "bank", "at": day_end, "periods": ["day"]}
    ).json()["alerts"]
    assert [(a["metric"], a["period"]) for a in raised] == [("rage_rate", "day")]
    fields = receiver.bodies[-1]["fields"]
    assert fields["project"] == {"key": "LOANS"} and fields["issuetype"] == {"name": "Bug"}
    assert "anomaly on /loan/*/offer" in fields["summary"]
    listed = analyst.get("/api/v1/alerts?project=bank").json()["alerts"]
    assert [a["delivery"] for a in listed] == ["delivered (200)", "delivered (200)"]
    assert "rose to 100.0" in listed[0]["text"]
