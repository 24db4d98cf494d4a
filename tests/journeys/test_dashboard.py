"""The dashboard (home page and /api/v1/kpis): KPIs per role, trends, links, and no
customer-level data for viewers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.journeys.support import DAY, MIN, ingest, put, session
from tests.privacy.server_support import settle
from tests.support import Server, create_project, create_token, encode


def _recent(key: str) -> list[dict]:
    """Today: 4 sessions start, 3 reach income, 1 completes, 1 clicks into an error.
    Eight days ago: 2 start, 2 complete."""
    now = int(time.time() * 1000) - 10 * MIN
    old = now - 8 * DAY
    income = "/loan/77/income"
    out = [
        session(key, "n1", now, [(0, "page", "/apply/start"), (MIN, "page", income),
                                 (2 * MIN, "page", "/done")]),
        session(key, "n2", now + 1000, [(0, "page", "/apply/start"), (MIN, "page", income),
                                        (70_000, "error_click", None)]),
        session(key, "n3", now + 2000, [(0, "page", "/apply/start"), (3 * MIN, "page", income)]),
        session(key, "n4", now + 3000, [(0, "page", "/apply/start")]),
        session(key, "o1", old, [(0, "page", "/apply/start"), (MIN, "page", income),
                                 (2 * MIN, "page", "/done")]),
        session(key, "o2", old + 1000, [(0, "page", "/apply/start"), (MIN, "page", income),
                                        (2 * MIN, "page", "/done")]),
    ]  # fmt: skip
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("dash") / "data"
    key = create_project(data_dir, "bank", "https://apply.bank.test")
    create_project(data_dir, "leaky", "https://apply.bank.test")
    tokens = {r: create_token(data_dir, r) for r in ("admin", "viewer", "compliance", "analyst")}
    srv = Server(data_dir, token=tokens["admin"]).start()
    ingest(srv, _recent(key))
    put(srv, "/api/v1/funnels/apply", {"project": "bank", "name": "Apply", "steps": [
        {"label": "Start", "url": "/apply/start"}, {"label": "Income", "url": "/loan/*/income"},
        {"label": "Done", "url": "/done"}]})  # fmt: skip
    yield srv, tokens, data_dir
    srv.stop()


def _kpis(srv: Server, token: str, query: str = "") -> dict:
    r = srv.get("/api/v1/kpis" + query, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_journey_kpis_with_trends(world) -> None:
    srv, tokens, _ = world
    d = _kpis(srv, tokens["viewer"], "?days=7")
    by_key = {k["key"]: k for k in d["journeys"]}
    assert by_key["sessions"]["value"] == 4 and by_key["sessions"]["previous"] == 2
    assert by_key["error_clicks"]["value"] == 0.25 and by_key["error_clicks"]["previous"] == 0
    # No goal configured: completion cannot be measured, and the card says so.
    assert by_key["completion"]["available"] is False
    assert len(by_key["sessions"]["series"]) == 7 and by_key["sessions"]["series"][-1] == 4
    assert by_key["time_on_page"]["value"] is not None
    steps = d["funnel"]["steps"]
    assert [s["sessions"] for s in steps] == [4, 3, 1]
    assert [s["previous_conversion"] for s in steps] == [1.0, 1.0, 1.0]
    assert [s["replays"] for s in steps] == [1, 2, None]
    assert all(s["replays_link"] == "" for s in steps)  # a viewer gets no way to replays
    assert d["compliance"] == []  # nor compliance figures

    put(srv, "/api/v1/segments/phones", {"project": "bank", "conditions": [
        {"attribute": "device", "op": "is", "value": "mobile"}]})  # fmt: skip
    phones = _kpis(srv, tokens["viewer"], "?segment=phones")
    assert {k["key"]: k["value"] for k in phones["journeys"]}["sessions"] == 0
    assert phones["segments"] == [["phones", "phones"]]


def test_roles_see_their_sections(world) -> None:
    srv, tokens, _ = world
    analyst = _kpis(srv, tokens["analyst"])
    link = analyst["funnel"]["steps"][1]["replays_link"]
    assert link.startswith("/sessions?") and "dropped_at=2" in link
    listed = srv.get("/api/v1" + link, headers={"Authorization": f"Bearer {tokens['analyst']}"})
    assert sorted(s["sid"] for s in listed.json()["items"]) == ["n2", "n3"]

    compliance = _kpis(srv, tokens["compliance"])
    assert compliance["journeys"] == [] and compliance["funnel"] is None
    found = {k["key"]: k for k in compliance["compliance"]}
    assert set(found) == {"audit", "consent", "masking_coverage", "pii_incidents"}
    assert found["audit"]["value"] == 0 and found["audit"]["link"] == "/audit"
    # Nothing in these sessions needed the server's scrubber.
    assert found["masking_coverage"]["value"] == 1.0
    assert found["masking_coverage"]["link"] == "/privacy"
    assert found["pii_incidents"]["value"] == 0
    assert found["consent"]["value"] is None


def test_consent_rate_and_audit_problems(world) -> None:
    srv, tokens, data_dir = world
    key = srv.get("/api/v1/sessions?per_page=1").json()  # any read, to touch the audit log
    assert key["total"] >= 6
    now = int(time.time() * 1000)
    for n, state in enumerate(["granted", "granted", "granted", "denied"]):
        body = {"v": 1, "key": _key(data_dir), "vid": f"v{n}", "state": state, "ts": now}
        assert srv.post("/api/v1/consent", encode(body)).status_code == 204
    consent = {k["key"]: k for k in _kpis(srv, tokens["admin"])["compliance"]}["consent"]
    assert consent["value"] == 0.75 and consent["series"][-1] == 0.75


def _key(data_dir: Path, project: str = "bank") -> str:
    from tests.support import cli

    out = cli("projects", "list", data_dir=data_dir).stdout
    return next(line.split("\t")[1] for line in out.splitlines() if line.startswith(project))


def test_home_page_renders_per_role(world) -> None:
    srv, tokens, _ = world
    html = {"Accept": "text/html"}
    viewer = srv.get("/", headers=html | {"Authorization": f"Bearer {tokens['viewer']}"}).text
    assert "Application completion rate" in viewer and "Drop-off by step" in viewer
    assert "replays</a>" not in viewer and "Compliance" not in viewer
    admin = srv.get("/", headers=html).text
    assert "replays</a>" in admin and "Audit log integrity" in admin
    assert "Not available" in admin


def test_privacy_kpis_count_what_the_server_masked(world) -> None:
    srv, tokens, data_dir = world
    key = _key(data_dir, "leaky")
    now = int(time.time() * 1000) - 10 * MIN
    clean = session(key, "c1", now, [(0, "page", "/apply/start")])
    leak = session(key, "l1", now + 1000, [(0, "page", "/apply/start")])
    # A page URL the site built from a form field: the capture script records URLs as
    # they are, so only the server catches the address.
    leak["events"][0]["url"] += "?contact=ada.example@example.org"
    ingest(srv, [clean, leak])
    settle(srv)
    found = {k["key"]: k for k in _kpis(srv, tokens["compliance"], "?project=leaky")["compliance"]}
    assert found["masking_coverage"]["value"] == 0.5
    assert found["masking_coverage"]["series"][-1] == 0.5
    assert found["pii_incidents"]["value"] >= 1 and found["pii_incidents"]["previous"] == 0
