"""Every ingest error path, through real HTTP against a real server."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support import Server, batch, encode

PROBLEM = "application/problem+json"


def sessions_total(server: Server) -> int:
    return int(server.get("/api/v1/sessions").json()["total"])


def wait_stored(server: Server, sid: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = server.get(f"/api/v1/sessions/{sid}")
        if r.status_code == 200:
            return dict(r.json())
        time.sleep(0.05)
    raise AssertionError(f"session {sid} was not stored")


def assert_problem(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = dict(r.json())
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


def test_accepts_and_stores_a_batch(server: Server, project_key: str) -> None:
    b = batch(project_key, n_clicks=3)
    r = server.post("/api/v1/ingest", encode(b))
    assert r.status_code == 200 and r.json() == {"ok": True, "duplicate": False}
    summary = wait_stored(server, b["sid"])
    assert summary["pages"] == 1 and summary["clicks"] == 3
    assert summary["entry_url"] == "https://apply.bank.test/"


def test_same_batch_id_is_stored_once(server: Server, project_key: str) -> None:
    b = batch(project_key, n_clicks=2)
    assert server.post("/api/v1/ingest", encode(b)).json()["duplicate"] is False
    wait_stored(server, b["sid"])
    again = server.post("/api/v1/ingest", encode(b))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    time.sleep(0.5)
    summary = server.get(f"/api/v1/sessions/{b['sid']}").json()
    assert summary["clicks"] == 2 and summary["pages"] == 1
    events = server.replay(b["sid"], "events")
    assert len(events) == 2


def test_oversized_body_is_413_declared_and_streamed(server: Server, project_key: str) -> None:
    big = b"x" * 5_000_001
    assert_problem(server.post("/api/v1/ingest", big), 413, "payload-too-large")

    def chunks():  # no Content-Length: the limit must hold while streaming
        for _ in range(6):
            yield b"y" * 1_000_000

    r = httpx.post(server.url + "/api/v1/ingest", content=chunks(), timeout=30)
    assert_problem(r, 413, "payload-too-large")


def test_body_limit_is_configurable(project_key: str, data_dir, admin_token: str) -> None:
    srv = Server(data_dir, token=admin_token, env={"CLEARSIGHT_MAX_BODY_BYTES": "2048"}).start()
    try:
        b = batch(project_key)
        b["events"][0]["title"] = "t" * 3000
        assert_problem(srv.post("/api/v1/ingest", encode(b)), 413, "payload-too-large")
        assert srv.post("/api/v1/ingest", encode(batch(project_key))).status_code == 200
    finally:
        srv.stop()


@pytest.mark.parametrize(
    ("mutate", "code", "field"),
    [
        (lambda b: b.update(seq="one"), "invalid-batch", "$.seq"),
        (lambda b: b.pop("sid"), "invalid-batch", "sid"),
        (lambda b: b.update(kez=1), "invalid-batch", "kez"),
        (lambda b: b["events"][1].update(rect=[1, 2]), "invalid-batch", "$.events[1].rect"),
        (lambda b: b["events"][0].update(t="teleport"), "invalid-batch", "$.events[0]"),
        (lambda b: b.update(rrweb={"not": "an array"}), "invalid-batch", "$.rrweb"),
        (lambda b: b.update(bid=""), "invalid-batch", "$.bid"),
        (lambda b: b.update(v=9), "unsupported-version", "wire version 9"),
    ],
)
def test_schema_errors_name_the_field(
    server: Server, project_key: str, mutate, code, field
) -> None:
    b = batch(project_key)
    mutate(b)
    body = assert_problem(server.post("/api/v1/ingest", encode(b)), 400, code)
    assert field in body["detail"]
    assert sessions_total(server) == 0


@pytest.mark.parametrize("raw", [b"", b"{", b"[1,2", b"\xff\xfe not json", b"null"])
def test_malformed_json_is_400(server: Server, raw: bytes) -> None:
    r = server.post("/api/v1/ingest", raw)
    assert r.status_code == 400 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] in {"malformed-json", "empty-body", "invalid-batch"}


def test_missing_key_is_401_unknown_key_403(server: Server) -> None:
    assert_problem(server.post("/api/v1/ingest", encode(batch(""))), 401, "missing-project-key")
    assert_problem(
        server.post("/api/v1/ingest", encode(batch("pk_nope"))), 403, "unknown-project-key"
    )


@pytest.mark.parametrize("state", ["denied", "withdrawn"])
def test_batch_without_consent_is_403_and_nothing_is_stored(
    server: Server, project_key: str, state: str
) -> None:
    b = batch(project_key, consent=state)
    assert_problem(server.post("/api/v1/ingest", encode(b)), 403, "consent-required")
    time.sleep(0.5)
    assert server.get(f"/api/v1/sessions/{b['sid']}").status_code == 404
    assert sessions_total(server) == 0


def test_cors_allows_configured_origins_only(server: Server, project_key: str) -> None:
    good, evil = "https://apply.bank.test", "https://evil.test"
    pre = httpx.options(
        server.url + "/api/v1/ingest",
        headers={"Origin": good, "Access-Control-Request-Method": "POST"},
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == good
    assert "POST" in pre.headers["access-control-allow-methods"]
    pre_evil = httpx.options(server.url + "/api/v1/ingest", headers={"Origin": evil})
    assert "access-control-allow-origin" not in pre_evil.headers

    ok = server.post("/api/v1/ingest", encode(batch(project_key)), headers={"Origin": good})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == good
    bad = server.post("/api/v1/ingest", encode(batch(project_key)), headers={"Origin": evil})
    assert_problem(bad, 403, "origin-not-allowed")
    assert "access-control-allow-origin" not in bad.headers


def test_own_origin_is_allowed_without_listing(server: Server, project_key: str) -> None:
    """A page served by clearsight itself (the demo site) posts from the server's own
    origin: scheme and Host, whatever the path."""
    mine = server.url
    ok = server.post("/api/v1/ingest", encode(batch(project_key)), headers={"Origin": mine})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == mine
    other_port = server.post(
        "/api/v1/ingest", encode(batch(project_key)), headers={"Origin": mine + "1"}
    )
    assert_problem(other_port, 403, "origin-not-allowed")


def test_access_log_is_off_unless_asked_for(
    server: Server, project_key: str, data_dir, admin_token: str
) -> None:
    assert server.post("/api/v1/ingest", encode(batch(project_key))).status_code == 200
    assert "POST /api/v1/ingest" not in server.log()
    server.stop()
    srv = Server(data_dir, token=admin_token, env={"CLEARSIGHT_ACCESS_LOG": "true"}).start()
    try:
        assert srv.post("/api/v1/ingest", encode(batch(project_key))).status_code == 200
        assert '"POST /api/v1/ingest HTTP/1.1" 200' in srv.log()
    finally:
        srv.stop()


def test_consent_decision_endpoint(server: Server, project_key: str) -> None:
    decision = {
        "v": 1,
        "key": project_key,
        "vid": "visitor-9",
        "state": "denied",
        "ts": 1_767_000_000_000,
        "policy": "2026-01",
        "banner": "ab" * 32,
    }
    assert server.post("/api/v1/consent", encode(decision)).status_code == 204
    assert_problem(server.post("/api/v1/consent", b"{}"), 400, "invalid-consent-decision")
    decision["key"] = "pk_nope"
    assert_problem(server.post("/api/v1/consent", encode(decision)), 403, "unknown-project-key")


def test_capture_config(server: Server, project_key: str) -> None:
    r = server.get(f"/api/v1/capture-config?key={project_key}")
    assert r.status_code == 200 and r.json()["sampleRate"] == 1.0
    assert_problem(server.get("/api/v1/capture-config"), 401, "missing-project-key")
    assert_problem(server.get("/api/v1/capture-config?key=x"), 403, "unknown-project-key")
