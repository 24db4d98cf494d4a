"""`clearsight migrate`: an embedded installation moves to ClickHouse and PostgreSQL intact."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

from tests.support import Server, create_token


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
