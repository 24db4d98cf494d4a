"""The audit log: what is logged, and tampering with the table directly is caught and located."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.privacy.server_support import settle
from tests.support import Server, batch, create_project, create_token, encode


def verify(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "clearsight",
            "audit",
            "verify",
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    """A data directory whose audit log holds ~40 real entries from real requests."""
    data_dir = tmp_path / "data"
    key = create_project(data_dir, "bank")
    token = create_token(data_dir, "admin")
    srv = Server(data_dir, token=token, env={"CLEARSIGHT_AUDIT_CHECKPOINT_EVERY": "10"}).start()
    try:
        srv.post("/api/v1/ingest", encode(batch(key, sid="s-audit")))
        settle(srv)  # stored before anyone asks to replay it
        for _ in range(12):
            srv.get("/api/v1/sessions")
        srv.open_replay("s-audit", "complaint", "complaint #2026-0142")
        srv.get("/api/v1/sessions/s-audit/events")
        assert (
            srv.get("/api/v1/sessions", headers={"Authorization": "Bearer nope"}).status_code == 401
        )
    finally:
        srv.stop()
    return data_dir


def rows(data_dir: Path) -> list[tuple]:
    with sqlite3.connect(data_dir / "control.sqlite") as db:
        return db.execute(
            "SELECT seq, actor, action, object, purpose, reference, result "
            "FROM audit_log ORDER BY seq"
        ).fetchall()


def test_reads_are_logged_with_actor_purpose_and_no_session_id(logged: Path) -> None:
    entries = rows(logged)
    actions = [e[2] for e in entries]
    assert actions.count("sessions.list") >= 12
    opened = [e for e in entries if e[2] == "replay.open"]
    assert opened and opened[0][4] == "complaint" and opened[0][5] == "complaint #2026-0142"
    viewed = [e for e in entries if e[2] == "replay.view"]
    assert viewed and viewed[0][4] == "complaint"
    assert all(e[1].startswith(("token:", "cli:")) for e in entries)
    # Sessions are named by a keyed hash, never by their id.
    assert not any("s-audit" in str(e) for e in entries)
    with sqlite3.connect(logged / "control.sqlite") as db:
        detail = " ".join(r[0] for r in db.execute("SELECT detail FROM audit_log"))
    assert "s-audit" not in detail


def test_intact_log_verifies(logged: Path) -> None:
    r = verify(logged)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "audit log OK" in r.stdout


def test_public_key_alone_verifies_and_a_foreign_key_fails(logged: Path, tmp_path: Path) -> None:
    assert (
        verify(logged, "--public-key", str(logged / "keys" / "audit-signing.pub")).returncode == 0
    )
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = tmp_path / "other.pub"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    r = verify(logged, "--public-key", str(other))
    assert r.returncode == 1 and "signature is invalid" in r.stdout


def test_edited_entry_is_detected_and_named(logged: Path) -> None:
    with sqlite3.connect(logged / "control.sqlite") as db:
        db.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 7")
    r = verify(logged)
    assert r.returncode == 1
    assert "entry 7: content does not match its hash: edited" in r.stdout


def test_deleted_entry_is_detected_and_named(logged: Path) -> None:
    with sqlite3.connect(logged / "control.sqlite") as db:
        db.execute("DELETE FROM audit_log WHERE seq = 5")
    r = verify(logged)
    assert r.returncode == 1
    assert "entries 5..5 are missing: deleted" in r.stdout


def test_reordered_entries_are_detected(logged: Path) -> None:
    with sqlite3.connect(logged / "control.sqlite") as db:
        cols = (
            "ts, actor, role, action, object, project, purpose, reference, client_ip, "
            "result, detail, prev_hash, hash"
        )
        a = db.execute(f"SELECT {cols} FROM audit_log WHERE seq = 3").fetchone()
        b = db.execute(f"SELECT {cols} FROM audit_log WHERE seq = 4").fetchone()
        sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
        db.execute(f"UPDATE audit_log SET {sets} WHERE seq = 3", b)
        db.execute(f"UPDATE audit_log SET {sets} WHERE seq = 4", a)
    r = verify(logged)
    assert r.returncode == 1
    assert "entry 3:" in r.stdout and "entry 4:" in r.stdout


def test_truncated_tail_is_detected_by_the_signed_checkpoint(logged: Path) -> None:
    with sqlite3.connect(logged / "control.sqlite") as db:
        last = db.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        signed = db.execute("SELECT max(seq) FROM audit_checkpoints").fetchone()[0]
        assert signed and signed > 10
        db.execute("DELETE FROM audit_log WHERE seq > ?", (signed - 3,))
        # A careful forger also rewinds the head row.
        prev = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        db.execute("UPDATE audit_head SET seq = ?, hash = ?", prev)
    assert last >= signed
    r = verify(logged)
    assert r.returncode == 1
    assert f"entry {signed}: signed entry is missing: deleted" in r.stdout


def test_no_api_changes_or_deletes_entries(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    create_project(data_dir, "bank")
    srv = Server(data_dir, token=create_token(data_dir, "admin")).start()
    try:
        for method in ("PUT", "PATCH", "DELETE", "POST"):
            for path in ("/api/v1/audit", "/api/v1/audit/1", "/api/v1/audit/export"):
                assert srv.request(method, path).status_code in (404, 405), (method, path)
        exported = srv.get("/api/v1/audit/export?format=csv")
        assert exported.status_code == 200
        table = list(csv.DictReader(io.StringIO(exported.text)))
        assert (
            table
            and {"actor", "action", "purpose", "client_ip", "result", "hash"} <= table[0].keys()
        )
        as_json = srv.get("/api/v1/audit/export?format=json").json()
        assert any(e["action"] == "audit.export" for e in as_json)
    finally:
        srv.stop()
