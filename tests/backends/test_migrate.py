"""`clearsight migrate`: an embedded installation moves to ClickHouse and PostgreSQL intact."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from clearsight.config import load_settings
from clearsight.store.base import SessionFilter
from clearsight.store.duckdb import DuckDBEventStore
from tests.support import Server, create_token


def frustration_scores(data_dir: Path) -> dict[str, float]:
    """Each session's frustration score in the embedded store (no server holds it now)."""
    store = DuckDBEventStore(load_settings({"data_dir": data_dir}).event_store_path)
    try:
        page = store.list_sessions(SessionFilter(per_page=500))
    finally:
        store.close()
    return {s.sid: s.frustration for s in page.items}


def served_scores(srv: Server) -> dict[str, float]:
    items = srv.get("/api/v1/sessions?per_page=500").json()["items"]
    return {s["sid"]: s["frustration"] for s in items}


def test_migrate_copies_everything_and_the_copy_serves(tmp_path: Path, postgres_url: str) -> None:
    data_dir = tmp_path / "data"
    loaded = subprocess.run(
        [
            sys.executable,
            "-m",
            "clearsight",
            "demo",
            "--sessions",
            "25",
            "--no-serve",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert loaded.returncode == 0, loaded.stderr
    scores = frustration_scores(data_dir)
    assert any(scores.values()), "the demo personas frustrate some sessions"
    token = create_token(data_dir, "admin")
    schema = f"m{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    control = f"{postgres_url}?options=-csearch_path%3D{schema}"
    chdb = f"chdb://{tmp_path / 'ch'}"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "clearsight",
            "migrate",
            "--to",
            chdb,
            "--control",
            control,
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "MISMATCH" not in r.stdout and "audit chain on the target: verified" in r.stdout
    assert "replay_chunks" in r.stdout and "sessions" in r.stdout

    env = {"CLEARSIGHT_EVENT_STORE": chdb, "CLEARSIGHT_CONTROL_STORE": control}
    srv = Server(data_dir, token=token, env=env).start()
    try:
        listing = srv.get("/api/v1/sessions?per_page=500").json()
        assert listing["total"] == 25
        sid = listing["items"][0]["sid"]
        events = srv.replay(sid, "events")  # sealed chunks opened with the migrated keys
        assert len(events) > 10 and events[0]["type"] == 4
        assert srv.get("/api/v1/audit/verify").json()["ok"] is True
        assert srv.get("/api/v1/keys").json()["projects"][0]["data_keys_by_kek"]
        # Signals are not copied (hash keys differ by engine): the server finds them again.
        deadline = time.monotonic() + 90
        while (found := served_scores(srv)) != scores and time.monotonic() < deadline:
            time.sleep(0.5)
        assert found == scores
    finally:
        srv.stop()
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "clearsight",
            "migrate",
            "--to",
            chdb,
            "--control",
            control,
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ,
    )
    assert again.returncode == 2 and "not empty" in again.stderr
