"""Real servers on ClickHouse (chDB engine) with a real PostgreSQL control plane."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.support import Server, batch, encode


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clearsight", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def pg_schema(postgres_url: str) -> str:
    """A fresh database schema on the shared PostgreSQL server."""
    name = f"s{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    engine.dispose()
    return f"{postgres_url}?options=-csearch_path%3D{name}"


def environment(data_dir: Path, control: str, chdb: Path) -> dict[str, str]:
    return os.environ | {
        "CLEARSIGHT_DATA_DIR": str(data_dir),
        "CLEARSIGHT_CONTROL_STORE": control,
        "CLEARSIGHT_EVENT_STORE": f"chdb://{chdb}",
    }


def setup(env: dict[str, str]) -> tuple[str, str]:
    made = cli(env, "projects", "create", "bank")
    assert made.returncode == 0, made.stderr
    key = next(x.split(": ")[1] for x in made.stdout.splitlines() if x.startswith("key: "))
    token = cli(env, "tokens", "create", "--role", "admin").stdout.strip().splitlines()[-1]
    return key, token


def wait_for(srv: Server, sid: str) -> None:
    deadline = time.monotonic() + 30
    while srv.get(f"/api/v1/sessions/{sid}").status_code != 200:
        assert time.monotonic() < deadline, f"{sid} not stored"
        time.sleep(0.1)


def test_full_product_path_on_clickhouse_and_postgres(tmp_path: Path, pg_schema: str) -> None:
    env = environment(tmp_path / "data", pg_schema, tmp_path / "chdb")
    key, token = setup(env)
    srv = Server(tmp_path / "data", token=token, env=env).start()
    try:
        now = int(time.time() * 1000)
        b = batch(key, sid="ch-1", ts=now, n_clicks=2)
        b["events"].append({"t": "identify", "ts": now + 1, "pv": "pv1", "uid": "C-77-SYNTH"})
        assert srv.post("/api/v1/ingest", encode(b)).status_code == 200
        assert srv.post("/api/v1/ingest", encode(b)).json()["duplicate"] is True
        old = batch(key, sid="ch-old", ts=now - 40 * 86_400_000)
        assert srv.post("/api/v1/ingest", encode(old)).status_code == 200
        wait_for(srv, "ch-1")
        wait_for(srv, "ch-old")
        s = srv.get("/api/v1/sessions/ch-1").json()
        assert s["clicks"] == 2 and s["pages"] == 1
        assert srv.get("/api/v1/sessions?url=/").json()["total"] == 2
        assert len(srv.replay("ch-1", "events")) == 2
        # The CLI reaches the server that holds the in-process engine.
        run = cli(env, "retention", "run")
        assert run.returncode == 0 and "1 replays" in run.stdout, run.stderr
        srv.open_replay("ch-old")
        assert srv.get("/api/v1/sessions/ch-old/events").status_code == 410
        erased = srv.post(
            "/api/v1/subjects/erase", encode({"project": "bank", "customer_id": "C-77-SYNTH"})
        )
        assert erased.status_code == 200 and erased.json()["sessions"] == 1
        assert srv.get("/api/v1/sessions/ch-1").status_code == 404
        assert srv.get("/api/v1/audit/verify").json()["ok"] is True
    finally:
        srv.stop()


def test_batch_ids_are_stored_once_across_servers(tmp_path: Path, pg_schema: str) -> None:
    """Two servers (as two workers or hosts would be) share the control plane's claims.

    Each has its own chDB engine here because chDB cannot be shared between
    processes; against one ClickHouse server the claims are the same code.
    """
    env_a = environment(tmp_path / "a", pg_schema, tmp_path / "chdb-a")
    env_b = environment(tmp_path / "b", pg_schema, tmp_path / "chdb-b")
    key, token = setup(env_a)
    servers = [
        Server(tmp_path / "a", token=token, env=env_a).start(),
        Server(tmp_path / "b", token=token, env=env_b).start(),
    ]
    try:
        bodies = [encode(batch(key, sid=f"x{i}", bid=f"bid-{i}")) for i in range(40)]

        def send(srv: Server) -> None:
            with httpx.Client(base_url=srv.url, timeout=30) as http:
                for body in bodies:  # every batch to both servers, as a retry would
                    assert http.post("/api/v1/ingest", content=body).status_code == 200

        threads = [threading.Thread(target=send, args=(s,)) for s in servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deadline = time.monotonic() + 30
        while True:
            stored = [
                set(x["sid"] for x in s.get("/api/v1/sessions?per_page=500").json()["items"])
                for s in servers
            ]
            if len(stored[0] | stored[1]) == 40 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(stored[0] | stored[1]) == 40, "every batch stored somewhere"
        assert not stored[0] & stored[1], "no batch stored by both"
    finally:
        for s in servers:
            s.stop()


def test_several_workers_need_a_shared_event_store(tmp_path: Path) -> None:
    env = os.environ | {"CLEARSIGHT_DATA_DIR": str(tmp_path / "d")}
    r = cli(env, "serve", "--workers", "2")
    assert r.returncode == 2
    assert "ClickHouse server" in r.stderr and "Traceback" not in r.stderr
