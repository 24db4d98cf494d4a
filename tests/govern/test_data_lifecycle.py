"""Erasure, export, retention, legal holds and key rotation, against a real server and CLI."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from clearsight.govern.keys import EncryptingSealer, Keyring, Shredded, load_kms
from clearsight.store.control import ControlPlane
from tests.support import Server, batch, create_project, create_token, encode

CUSTOMER = "C-0042-SYNTH"
OTHER = "C-9999-SYNTH"
DAY = 86_400_000


def identified(key: str, sid: str, vid: str, uid: str, ts: int) -> bytes:
    b = batch(key, sid=sid, ts=ts, vid=vid)
    b["events"].append(
        {"t": "identify", "ts": ts + 5, "pv": "pv1", "uid": uid, "traits": {"amount_tier": ">20k"}}
    )
    b["events"].append(
        {
            "t": "error",
            "ts": ts + 9,
            "pv": "pv1",
            "url": "https://apply.bank.test/",
            "msg": "TypeError: offer widget failed",
        }
    )
    return encode(b)


def wait_for(server: Server, sid: str) -> None:
    deadline = time.monotonic() + 15
    while server.get(f"/api/v1/sessions/{sid}").status_code != 200:
        assert time.monotonic() < deadline, f"{sid} not stored"
        time.sleep(0.05)


def all_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def run_cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clearsight", *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def world(tmp_path: Path):
    data_dir = tmp_path / "data"
    key = create_project(data_dir, "bank")
    token = create_token(data_dir, "admin")
    return data_dir, key, token


def test_erasure_crypto_shreds_and_leaves_no_identifier(world) -> None:
    data_dir, key, token = world
    now = int(time.time() * 1000)
    srv = Server(data_dir, token=token).start()
    try:
        for sid in ("erase-me-1", "erase-me-2"):
            assert (
                srv.post(
                    "/api/v1/ingest", identified(key, sid, "vid-erased-7", CUSTOMER, now)
                ).status_code
                == 200
            )
        assert (
            srv.post(
                "/api/v1/ingest", identified(key, "keep-me", "vid-kept-3", OTHER, now)
            ).status_code
            == 200
        )
        for sid in ("erase-me-1", "erase-me-2", "keep-me"):
            wait_for(srv, sid)
        found = srv.post(
            "/api/v1/subjects/find", encode({"project": "bank", "customer_id": CUSTOMER})
        ).json()
        assert sorted(s["sid"] for s in found["sessions"]) == ["erase-me-1", "erase-me-2"]
        timeline = srv.replay("erase-me-1", "timeline")
        assert timeline["errors"][0]["msg"] == "TypeError: offer widget failed"
    finally:
        srv.stop()
    assert CUSTOMER.encode() not in all_bytes(data_dir), "the raw customer id reached disk"
    assert b"erase-me-1" in all_bytes(data_dir)
    with duckdb.connect(str(data_dir / "events.duckdb"), read_only=True) as db:
        sealed = db.execute(
            "SELECT codec, data FROM replay_chunks WHERE sid = 'erase-me-1'"
        ).fetchall()
        token_value = db.execute("SELECT uid FROM identities WHERE sid = 'erase-me-1'").fetchone()[
            0
        ]
    assert sealed and all(codec == "zstd+aes256gcm" for codec, _ in sealed)
    assert token_value.startswith("tok_")

    srv = Server(data_dir, token=token).start()
    try:
        r = srv.post("/api/v1/subjects/erase", encode({"project": "bank", "customer_id": CUSTOMER}))
        assert r.status_code == 200, r.text
        receipt = r.json()
        assert receipt["sessions"] == 2 and receipt["held"] == 0
        assert receipt["removed"]["data_keys"] == 4  # replay + text key of each session
        for secret in (CUSTOMER, token_value, "erase-me-1", "vid-erased-7"):
            assert secret not in r.text
        assert srv.get("/api/v1/sessions/erase-me-1").status_code == 404
        assert srv.get("/api/v1/sessions/keep-me").status_code == 200
        assert srv.replay("keep-me", "events")
        again = srv.post(
            "/api/v1/subjects/find", encode({"project": "bank", "customer_id": CUSTOMER})
        ).json()
        assert again["sessions"] == []
        audit = srv.get("/api/v1/audit?action=subjects.erase").json()["entries"]
        assert audit and audit[0]["object"] == receipt["subject"]
    finally:
        srv.stop()

    control = ControlPlane(f"sqlite:///{data_dir / 'control.sqlite'}")
    sealer = EncryptingSealer(Keyring(control, load_kms("file", data_dir / "keys")))
    for codec, data in sealed:
        with pytest.raises(Shredded):
            sealer.open("bank", "erase-me-1", codec, data)
    control.close()
    leftovers = all_bytes(data_dir)
    for secret in ("erase-me-1", "erase-me-2", "vid-erased-7", token_value, CUSTOMER):
        assert secret.encode() not in leftovers, f"{secret} still in the data directory"


def test_export_gives_json_html_replays_and_a_receipt(world) -> None:
    data_dir, key, token = world
    srv = Server(data_dir, token=token).start()
    try:
        srv.post(
            "/api/v1/ingest", identified(key, "exp-1", "vid-x", CUSTOMER, int(time.time() * 1000))
        )
        wait_for(srv, "exp-1")
        r = srv.post(
            "/api/v1/subjects/export", encode({"project": "bank", "customer_id": CUSTOMER})
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(r.content))
        names = set(archive.namelist())
        assert {"export.json", "receipt.json", "replay-001.html"} <= names
        doc = archive.read("export.json").decode()
        assert "exp-1" in doc and '"identities"' in doc
        page = archive.read("replay-001.html").decode()
        assert "rrwebReplay" in page and '"timestamp"' in page and "<script src" not in page
        receipt = archive.read("receipt.json").decode()
        assert "exp-1" not in receipt and CUSTOMER not in receipt
        assert '"replay-001.html"' in receipt
        bad = srv.post(
            "/api/v1/subjects/export", encode({"project": "nope", "customer_id": CUSTOMER})
        )
        assert bad.status_code == 400 and "no project" in bad.json()["detail"]
    finally:
        srv.stop()


def test_retention_purges_replays_and_rows_on_schedule_and_honours_holds(world) -> None:
    data_dir, key, token = world
    now = int(time.time() * 1000)
    srv = Server(data_dir, token=token).start()
    try:
        for sid, age in (("old", 40), ("held", 40), ("ancient", 400), ("fresh", 0)):
            srv.post("/api/v1/ingest", encode(batch(key, sid=sid, ts=now - age * DAY)))
            wait_for(srv, sid)
        hold = srv.post("/api/v1/holds", encode({"sid": "held", "reason": "complaint #77"}))
        assert hold.status_code == 201
        before = srv.get("/api/v1/retention").json()["projects"][0]
        assert before["oldest_replay_days"] > 399
        assert before["compliant"] is False  # 400-day-old replay under a 30-day policy
        # The CLI reaches the running server that holds the event store.
        run = run_cli(data_dir, "retention", "run")
        assert run.returncode == 0, run.stderr
        assert "bank: 2 replays and 1 sessions purged, 1 held" in run.stdout
        srv.open_replay("old")
        gone = srv.get("/api/v1/sessions/old/events")
        assert gone.status_code == 410 and gone.json()["code"] == "replay-erased"
        assert srv.get("/api/v1/sessions/old").status_code == 200  # analysis rows stay
        assert srv.get("/api/v1/sessions/ancient").status_code == 404
        assert srv.replay("held", "events") and srv.replay("fresh", "events")
        after = srv.get("/api/v1/retention").json()["projects"][0]
        assert after["holds"] == 1 and after["last_run"] is not None
        audit = srv.get("/api/v1/audit?action=retention.run").json()["entries"]
        assert audit and audit[0]["actor"].startswith("cli:")
        policy = run_cli(
            data_dir, "retention", "set", "bank", "--replay-days", "7", "--analysis-days", "90"
        )
        assert policy.returncode == 0, policy.stderr
        assert srv.get("/api/v1/retention").json()["projects"][0]["replay_days"] == 7
        bad = run_cli(
            data_dir, "retention", "set", "bank", "--replay-days", "30", "--analysis-days", "7"
        )
        assert bad.returncode == 2 and "at least as long" in bad.stderr
    finally:
        srv.stop()


def test_key_rotation_while_serving_keeps_replays_readable(world) -> None:
    data_dir, key, token = world
    srv = Server(data_dir, token=token).start()
    try:
        srv.post("/api/v1/ingest", encode(batch(key, sid="rot", ts=int(time.time() * 1000))))
        wait_for(srv, "rot")
        first = srv.replay("rot", "events")
        before = srv.get("/api/v1/keys").json()["projects"][0]
        rotated = run_cli(data_dir, "keys", "rotate")
        assert rotated.returncode == 0, rotated.stderr
        assert "1 data keys re-wrapped" in rotated.stdout  # a replay key; no free text yet
        after = srv.get("/api/v1/keys").json()["projects"][0]
        assert after["kek"] != before["kek"]
        assert after["data_keys_by_kek"] == {after["kek"]: 1}
        assert srv.replay("rot", "events") == first
        # New sessions are sealed under the new key.
        srv.post("/api/v1/ingest", encode(batch(key, sid="rot-2", ts=int(time.time() * 1000))))
        wait_for(srv, "rot-2")
        assert srv.replay("rot-2", "events")
        assert srv.get("/api/v1/keys").json()["projects"][0]["data_keys_by_kek"] == {
            after["kek"]: 2
        }
    finally:
        srv.stop()
