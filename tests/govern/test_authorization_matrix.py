"""For every endpoint and every role: allowed or refused exactly as the permission table says.

The expectations are generated from ``govern/permissions.py``; an endpoint whose
permission is not in that table fails here, and so does one this test did not reach.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import Route

from clearsight.app import build_runtime, routes
from clearsight.config import load_settings
from clearsight.govern.permissions import PERMISSIONS, ROLES, allowed, describe
from clearsight.http import PUBLIC, permission_of
from tests.support import Server, batch, create_project, create_token, encode

ROLE_NAMES = list(ROLES)


def app_routes(tmp: Path) -> list[Route]:
    rt = build_runtime(load_settings({"data_dir": tmp, "demo_site": True}))
    try:
        return [r for r in routes(rt) if isinstance(r, Route)]
    finally:
        rt.close()


def test_every_route_permission_is_in_the_table(tmp_path: Path) -> None:
    unknown = [
        (r.path, permission_of(r))
        for r in app_routes(tmp_path)
        if permission_of(r) not in PERMISSIONS
    ]
    assert not unknown, f"routes whose permission is not in govern/permissions.py: {unknown}"
    for role, perms in ROLES.items():
        assert perms <= PERMISSIONS.keys(), f"role {role} names unknown permissions"


def test_viewer_role_is_aggregates_only() -> None:
    viewer = ROLES["viewer"]
    for name in viewer:
        assert not describe(name).customer_data, f"viewer must not hold {name}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str], str]]:
    data_dir = tmp_path_factory.mktemp("authz") / "data"
    key = create_project(data_dir, "bank")
    tokens = {role: create_token(data_dir, role) for role in ROLE_NAMES}
    srv = Server(data_dir, token=tokens["admin"]).start()
    sid = "authz-session"
    assert srv.post("/api/v1/ingest", encode(batch(key, sid=sid))).status_code == 200
    deadline = time.monotonic() + 10
    while srv.get(f"/api/v1/sessions/{sid}").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield srv, tokens, sid
    srv.stop()


def _concrete(path: str, sid: str) -> str:
    values = {
        "sid": sid,
        "project": "bank",
        "hold_id": "999",
        "app_id": "12345",
        "step": "offer",
        "name": "site.css",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], "x"), path)


def _call(srv: Server, token: str | None, method: str, path: str, sid: str) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "POST" and path.endswith("/purpose"):
        body = encode({"purpose": "ux-research"})
    elif method in ("POST", "PUT"):
        body = b"{}"
    else:
        body = None
    import httpx

    r = httpx.request(
        method, srv.url + path, content=body, headers=headers, timeout=60, follow_redirects=False
    )
    return r.status_code


def test_every_endpoint_for_every_role(world, tmp_path: Path) -> None:
    srv, tokens, sid = world
    reached = set()
    failures = []
    for route in app_routes(tmp_path):
        permission = permission_of(route)
        assert permission is not None
        methods = sorted((route.methods or {"GET"}) - {"HEAD", "OPTIONS"})
        for method in methods:
            path = _concrete(route.path, sid)
            reached.add((route.path, method))
            if permission == PUBLIC:
                status = _call(srv, None, method, path, sid)
                if status in (401, 403) and route.path != "/api/v1/capture-config":
                    failures.append((method, route.path, "anonymous", status, "public"))
                continue
            anon = _call(srv, None, method, path, sid)
            if anon != 401:
                failures.append((method, route.path, "anonymous", anon, "expected 401"))
            for role in ROLE_NAMES:
                if describe(permission).needs_purpose and allowed(role, "replay.open"):
                    r = srv.request(
                        "POST",
                        f"/api/v1/sessions/{sid}/purpose",
                        headers={"Authorization": f"Bearer {tokens[role]}"},
                        content=encode({"purpose": "ux-research"}),
                    )
                    assert r.status_code == 200, r.text
                status = _call(srv, tokens[role], method, path, sid)
                if allowed(role, permission):
                    if status in (401, 403):
                        failures.append((method, route.path, role, status, "should be allowed"))
                elif status != 403:
                    failures.append((method, route.path, role, status, "should be refused"))
    assert not failures, "\n".join(map(str, failures))
    assert len(reached) >= 30


def test_refusals_are_audited(world) -> None:
    srv, tokens, _ = world
    r = srv.get("/api/v1/sessions", headers={"Authorization": f"Bearer {tokens['viewer']}"})
    assert r.status_code == 403 and r.json()["code"] == "not-permitted"
    entries = srv.get("/api/v1/audit?action=sessions.list").json()["entries"]
    assert any(e["result"] == "denied" and e["role"] == "viewer" for e in entries)
