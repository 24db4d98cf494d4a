"""Rules per project, exclusions, analysts' marks and live precision, recomputes and erasure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.friction.sessions import Visit, settle, signal_names, wait_for
from tests.support import Server, cli, create_project, create_token


@pytest.fixture
def world(data_dir: Path) -> Iterator[tuple[Server, str, dict[str, str]]]:
    key = create_project(data_dir, "bank", "https://apply.bank.test")
    tokens = {role: create_token(data_dir, role) for role in ("admin", "analyst", "viewer")}
    srv = Server(data_dir, token=tokens["admin"]).start()
    yield srv, key, tokens
    srv.stop()


def _as(srv: Server, token: str) -> Server:
    return Server(srv.data_dir, token=token, port=srv.port)


def _rage(key: str, clicks: int, sel: str = "#accept-offer") -> Visit:
    v = Visit(key).page("/loan/1/offer")
    for i in range(clicks):
        v.click(sel, 200 if i else 900, dis=True)
    return v


def test_rules_change_what_counts_and_are_audited(world) -> None:
    srv, key, tokens = world
    v = _rage(key, 4).send(srv)
    assert signal_names(wait_for(srv, v.sid, signals=1)) == ["rage_click"]
    analyst = _as(srv, tokens["analyst"])
    r = analyst.request("PUT", "/api/v1/signals/rules/bank", json={"rules": {"rage_min_clicks": 5}})
    assert r.status_code == 200, r.text
    assert r.json()["rules"] == {"rage_min_clicks": 5.0} and r.json()["seconds"] < 10
    assert wait_for(srv, v.sid)["signals"] == []  # four clicks are no longer enough
    catalogue = srv.get("/api/v1/signals?project=bank").json()
    rule = next(x for x in catalogue["rules"] if x["key"] == "rage_min_clicks")
    assert rule["value"] == 5 and rule["default"] == 3 and rule["why"]
    bad = analyst.request(
        "PUT", "/api/v1/signals/rules/bank", json={"rules": {"rage_min_clicks": 1}}
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid-rule"
    assert "between 2 and 20" in bad.json()["detail"]
    unknown = analyst.request("PUT", "/api/v1/signals/rules/bank", json={"rules": {"x": 1}})
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown-rule"
    viewer = _as(srv, tokens["viewer"])
    assert (
        viewer.request("PUT", "/api/v1/signals/rules/bank", json={"rules": {}}).status_code == 403
    )
    entries = srv.get("/api/v1/audit?action=signals.rules").json()["entries"]
    assert (
        entries and entries[0]["actor"].startswith("token:") and "rage_min_clicks" in str(entries)
    )
    out = cli("signals", "rules", "bank", data_dir=srv.data_dir).stdout
    assert "rage_min_clicks" in out and "(default 3)" in out


def test_excluding_an_element_from_a_signal(world) -> None:
    srv, key, tokens = world
    carousel = _rage(key, 5, "#carousel-next").send(srv)
    wait_for(srv, carousel.sid, signals=1)
    analyst = _as(srv, tokens["analyst"])
    body = {"project": "bank", "signal": "rage_click", "sel": "#carousel-next", "page": "/loan/**"}
    r = analyst.request("POST", "/api/v1/signals/exclusions", json=body)
    assert r.status_code == 201
    assert r.json()["exclusions"] == [{k: body[k] for k in ("signal", "sel", "page")}]
    assert wait_for(srv, carousel.sid)["signals"] == []
    later = _rage(key, 5, "#carousel-next").send(srv)  # new sessions too
    settle(srv, key)
    assert wait_for(srv, later.sid)["signals"] == []
    assert analyst.request("DELETE", "/api/v1/signals/exclusions", json=body).status_code == 200
    assert signal_names(wait_for(srv, carousel.sid, signals=1)) == ["rage_click"]
    assert len(srv.get("/api/v1/audit?action=signals.exclude").json()["entries"]) == 1


def test_marks_give_live_precision(world) -> None:
    srv, key, tokens = world
    sessions = [_rage(key, 4).send(srv) for _ in range(3)]
    for v in sessions:
        wait_for(srv, v.sid, signals=1)
    analyst = _as(srv, tokens["analyst"])
    for v, verdict in zip(sessions, ["confirmed", "confirmed", "not_a_problem"], strict=True):
        ts = wait_for(srv, v.sid)["signals"][0]["ts"]
        body = {"project": "bank", "signal": "rage_click", "page": "/loan/*/offer",
                "sel": "#accept-offer", "sid": v.sid, "ts": ts, "verdict": verdict}  # fmt: skip
        assert analyst.request("POST", "/api/v1/signals/marks", json=body).status_code == 201
    # Changing one's mind replaces the earlier mark of the same flag.
    body["verdict"] = "confirmed"
    r = analyst.request("POST", "/api/v1/signals/marks", json=body)
    assert r.json()["precision"] == {"confirmed": 3, "not_a_problem": 0, "precision": 1.0}
    issue = {"project": "bank", "signal": "dead_click", "page": "/", "sel": "#x",
             "verdict": "not_a_problem"}  # fmt: skip
    assert analyst.request("POST", "/api/v1/signals/marks", json=issue).status_code == 201
    precision = srv.get("/api/v1/signals/precision?project=bank").json()["signals"]
    assert precision["rage_click"]["precision"] == 1.0
    assert precision["dead_click"] == {"confirmed": 0, "not_a_problem": 1, "precision": 0.0}
    assert precision["hesitation"]["precision"] is None
    entries = srv.get("/api/v1/audit?action=signals.mark").json()["entries"]
    assert len(entries) == 5 and not any(v.sid in str(entries) for v in sessions)
    stranger = dict(body, sid="no-such-session")
    assert analyst.request("POST", "/api/v1/signals/marks", json=stranger).status_code == 404
    viewer = _as(srv, tokens["viewer"])
    assert viewer.request("POST", "/api/v1/signals/marks", json=issue).status_code == 403


def test_recompute_command_and_erasure(world) -> None:
    srv, key, _ = world
    v = _rage(key, 4)
    v.events.append(dict(v.events[-1], t="identify", uid="C-1234567", traits={}))
    v.send(srv)
    wait_for(srv, v.sid, signals=1)
    out = cli("signals", "recompute", "--project", "bank", "--rebuild", data_dir=srv.data_dir)
    assert "bank: signals recomputed in" in out.stdout  # through the running server
    assert signal_names(wait_for(srv, v.sid)) == ["rage_click"]
    body = {"project": "bank", "customer_id": "C-1234567"}
    assert srv.request("POST", "/api/v1/subjects/erase", json=body).status_code == 200
    srv.stop()
    con = duckdb.connect(str(srv.data_dir / "events.duckdb"), read_only=True)
    try:
        count = con.execute("SELECT count(*) FROM signal_features WHERE sid = ?", [v.sid])
        assert count.fetchone() == (0,)
        for table in ("signals", "session_frustration"):  # the only session with signals
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    finally:
        con.close()
