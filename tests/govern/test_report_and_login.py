"""The compliance report (HTML and PDF) and log-in security: cookies, CSRF, rate limits."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import Server, batch, create_project, create_token, create_user, encode

PASSWORD = "correct-horse-42"


@pytest.fixture
def running(tmp_path: Path):
    data_dir = tmp_path / "data"
    key = create_project(data_dir, "bank")
    admin = create_token(data_dir, "admin")
    analyst = create_token(data_dir, "analyst")
    create_user(data_dir, "dana", "analyst", PASSWORD)
    srv = Server(data_dir, token=admin).start()
    srv.post("/api/v1/ingest", encode(batch(key, sid="r1", ts=int(time.time() * 1000))))
    for state in ("granted", "granted", "denied"):
        srv.post(
            "/api/v1/consent",
            encode(
                {
                    "v": 1,
                    "key": key,
                    "vid": f"v-{state}-{time.time()}",
                    "state": state,
                    "ts": 1,
                    "policy": "2026-01",
                }
            ),
        )
    deadline = time.monotonic() + 10
    while srv.get("/api/v1/sessions/r1").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    as_analyst = Server(data_dir, token=analyst, port=srv.port)
    as_analyst.open_replay("r1", "fraud", "case 88")
    yield srv, data_dir
    srv.stop()


def report(data_dir: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "clearsight",
            "report",
            "--from",
            "2020-01-01",
            "--out",
            str(out),
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_report_html_and_pdf_cover_every_section(running, tmp_path: Path) -> None:
    srv, data_dir = running
    r = report(data_dir, tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "rep.html").read_text()
    assert (tmp_path / "rep.pdf").read_bytes()[:5] == b"%PDF-"
    assert "Verified:" in page and "hash chain intact" in page
    assert "Data collection scope and masking rules" in page and "data-cs-unmask" in page
    assert re.search(r"<td>bank</td><td>2</td><td>1</td><td>0</td><td>66.7%</td>", page)
    assert "token:" in page and "fraud: 1" in page
    assert "within policy" in page
    assert "current key-encryption key" in page.lower() or "key-encryption key" in page
    made = srv.get("/api/v1/audit?action=reports.create").json()["entries"]
    assert made and made[0]["actor"].startswith("cli:")


def test_report_shows_a_broken_chain(running, tmp_path: Path) -> None:
    srv, data_dir = running
    with sqlite3.connect(data_dir / "control.sqlite") as db:
        db.execute("UPDATE audit_log SET purpose = 'ux-research' WHERE action = 'replay.open'")
    api = srv.get("/api/v1/report?format=json&from=2020-01-01").json()
    assert api["audit"]["ok"] is False and api["audit"]["problems"]
    r = report(data_dir, tmp_path / "bad", "--no-pdf")
    assert r.returncode == 0
    assert "VERIFICATION FAILED" in (tmp_path / "bad.html").read_text()


def _login(srv: Server, user: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=srv.url, follow_redirects=False, timeout=30)
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
    client.post(
        "/login", data={"username": user, "password": password, "csrf": csrf, "next": "/sessions"}
    )
    return client


def test_login_cookie_csrf_and_rate_limit(running) -> None:
    srv, _ = running
    client = httpx.Client(base_url=srv.url, follow_redirects=False, timeout=30)
    assert (
        client.get("/sessions", headers={"Accept": "text/html"})
        .headers["location"]
        .startswith("/login")
    )
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
    ok = client.post(
        "/login", data={"username": "dana", "password": PASSWORD, "csrf": csrf, "next": "/sessions"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/sessions"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/api/v1/me").json()["role"] == "analyst"
    # A cookie-authenticated change without the session's CSRF token is refused.
    no_token = client.post("/api/v1/sessions/r1/purpose", content=b'{"purpose":"ux-research"}')
    assert no_token.status_code == 403 and no_token.json()["code"] == "csrf-failed"
    token = client.get("/api/v1/me").json()["csrf"]
    with_token = client.post(
        "/api/v1/sessions/r1/purpose",
        content=b'{"purpose":"ux-research"}',
        headers={"X-CSRF-Token": token},
    )
    assert with_token.status_code == 200
    # A login form without its CSRF cookie value is refused.
    forged = httpx.post(srv.url + "/login", data={"username": "dana", "password": PASSWORD})
    assert forged.status_code == 400
    assert "https://evil" not in (
        client.post(
            "/login",
            data={
                "username": "dana",
                "password": PASSWORD,
                "csrf": token,
                "next": "https://evil.test/",
            },
        ).headers.get("location")
        or ""
    )
    # Five wrong passwords lock the account for a while, even with the right one after.
    for _ in range(5):
        assert _login(srv, "dana", "wrong-password-1").get("/api/v1/me").status_code == 401
    locked = httpx.Client(base_url=srv.url, timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', locked.get("/login").text)[1]
    refused = locked.post("/login", data={"username": "dana", "password": PASSWORD, "csrf": csrf})
    assert refused.status_code == 429 and "wait 15 minutes" in refused.text
    logins = srv.get("/api/v1/audit?action=auth.login").json()["entries"]
    assert sum(e["result"] == "denied" for e in logins) >= 5
