"""Acknowledged means durable: kill -9, a full disk and a torn spool tail lose nothing."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support import Server, batch, encode


def wait_sessions(server: Server, expected: int, timeout: float = 60) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    found: dict[str, dict] = {}
    while time.monotonic() < deadline:
        found = {}
        page = 1
        while True:
            resp = server.get(f"/api/v1/sessions?per_page=500&page={page}")
            assert resp.status_code == 200, resp.text
            r = resp.json()
            found |= {s["sid"]: s for s in r["items"]}
            if page * 500 >= r["total"]:
                break
            page += 1
        if len(found) >= expected:
            return found
        time.sleep(0.2)
    return found


def test_kill_9_while_acknowledging_loses_no_acknowledged_batch(
    data_dir: Path, project_key: str, admin_token: str
) -> None:
    server = Server(data_dir, token=admin_token).start()
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(worker: int) -> None:
        # One batch per session (sid == bid) so "exactly once" is visible in the summary.
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for i in range(10_000):
                if stop.is_set():
                    return
                bid = f"w{worker}-{i}"
                b = batch(project_key, sid=bid, bid=bid, n_clicks=2)
                try:
                    r = http.post("/api/v1/ingest", content=encode(b))
                except httpx.HTTPError:
                    return  # the server died under us: this batch was never acknowledged
                if r.status_code == 200:
                    with lock:
                        acked.append(bid)

    workers = [threading.Thread(target=client, args=(w,)) for w in range(6)]
    for w in workers:
        w.start()
    while len(acked) < 400:
        time.sleep(0.01)
    server.kill()  # SIGKILL while clients are mid-request
    stop.set()
    for w in workers:
        w.join()
    assert len(acked) >= 400

    restarted = Server(data_dir, token=admin_token).start()
    try:
        stored = wait_sessions(restarted, len(acked))
        missing = [bid for bid in acked if bid not in stored]
        assert not missing, f"{len(missing)} acknowledged batches lost, e.g. {missing[:5]}"
        doubled = [s for s in stored.values() if s["pages"] != 1 or s["clicks"] != 2]
        assert not doubled, f"batches stored more than once: {doubled[:3]}"
        # Replaying the same spool again must not duplicate anything either.
        sample = acked[0]
        events = restarted.replay(sample, "events")
        assert len(events) == 2
    finally:
        restarted.stop()
    again = Server(data_dir, token=admin_token).start()
    try:
        stored_again = wait_sessions(again, len(stored))
        assert len(stored_again) == len(stored)
        assert all(s["pages"] == 1 for s in stored_again.values())
    finally:
        again.stop()


def test_torn_spool_tail_is_truncated_and_earlier_batches_survive(
    data_dir: Path, project_key: str, admin_token: str
) -> None:
    server = Server(data_dir, token=admin_token).start()
    bids = [f"torn-{i}" for i in range(20)]
    for bid in bids:
        assert server.post(
            "/api/v1/ingest", encode(batch(project_key, sid=bid, bid=bid))
        ).is_success
    server.kill()
    segments = sorted((data_dir / "spool").glob("*.seg"))
    assert segments, "the spool should still hold segments after a kill"
    with segments[-1].open("ab") as fh:
        fh.write(b"\x40\x00\x00\x00\xde\xad\xbe\xefhalf a record")  # a torn write
    restarted = Server(data_dir, token=admin_token).start()
    try:
        stored = wait_sessions(restarted, len(bids))
        assert set(bids) <= set(stored)
        b = batch(project_key, sid="after", bid="after")
        assert restarted.post("/api/v1/ingest", encode(b)).status_code == 200
        assert "after" in wait_sessions(restarted, len(bids) + 1)
    finally:
        restarted.stop()


@pytest.fixture
def tiny_disk(tmp_path: Path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {r.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_refuses_with_503_and_keeps_what_was_accepted(
    data_dir: Path, project_key: str, admin_token: str, tiny_disk: Path
) -> None:
    server = Server(
        data_dir,
        token=admin_token,
        env={
            "CLEARSIGHT_SPOOL_DIR": str(tiny_disk / "spool"),
            "CLEARSIGHT_SPOOL_SEGMENT_BYTES": "65536",
        },
    ).start()
    filler = tiny_disk / "filler"
    try:
        free = _free_bytes(tiny_disk)
        filler.write_bytes(b"\0" * (free - 150_000))
        padding = [
            {
                "type": 3,
                "data": {
                    "source": 1,
                    "positions": [{"x": i, "y": i, "id": 1, "timeOffset": 0}] * 200,
                },
                "timestamp": 1_767_000_000_100 + i,
            }
            for i in range(10)
        ]
        accepted, refused = [], []
        for i in range(40):
            b = batch(project_key, sid=f"disk-{i}", bid=f"disk-{i}", rrweb=padding)
            r = server.post("/api/v1/ingest", encode(b))
            if r.status_code == 200:
                accepted.append(b["bid"])
            else:
                assert r.status_code == 503, r.text
                assert r.json()["code"] == "spool-unavailable"
                assert "Retry-After" in r.headers
                refused.append(b["bid"])
        assert accepted and refused, (len(accepted), len(refused))
        filler.unlink()  # space comes back: the same server accepts again, no restart
        late = batch(project_key, sid="disk-late", bid="disk-late")
        assert server.post("/api/v1/ingest", encode(late)).status_code == 200
        stored = wait_sessions(server, len(accepted) + 1)
        assert set(accepted) | {"disk-late"} <= set(stored)
        assert not set(refused) & set(stored), "a refused batch must not be stored"
    finally:
        server.stop()
    spool_env = {"CLEARSIGHT_SPOOL_DIR": str(tiny_disk / "spool")}
    restarted = Server(data_dir, token=admin_token, env=spool_env).start()
    try:
        stored = wait_sessions(restarted, len(accepted) + 1)
        assert all(s["pages"] == 1 for s in stored.values())
    finally:
        restarted.stop()


def _free_bytes(path: Path) -> int:
    import os

    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize
