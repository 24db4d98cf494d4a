"""Sessions for journey tests, built event by event."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.support import Server, encode

MIN = 60_000
DAY = 86_400_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
ORIGIN = "https://apply.bank.test"


def session(
    key: str, sid: str, start: int, steps: list[tuple[int, str, Any]], vid: str = ""
) -> dict[str, Any]:
    """One batch: ``steps`` are (ms after start, kind, value) with kind ``page`` (a path),
    ``event`` (a name), ``identify`` ((customer id, traits)), ``experiment`` ((name,
    variant)) or ``error_click``."""
    events: list[dict[str, Any]] = []
    pv = "pv0"
    for n, (offset, kind, value) in enumerate(steps):
        ts = start + offset
        if kind == "page":
            pv = f"pv{n}"
            events.append(
                {"t": "pageview", "ts": ts, "pv": pv, "url": ORIGIN + value, "vw": 1280, "vh": 800}
            )
        elif kind == "event":
            events.append({"t": "custom", "ts": ts, "pv": pv, "name": value, "props": {}})
        elif kind == "identify":
            events.append(
                {"t": "identify", "ts": ts, "pv": pv, "uid": value[0], "traits": value[1]}
            )
        elif kind == "experiment":
            events.append(
                {"t": "experiment", "ts": ts, "pv": pv, "exp": value[0], "variant": value[1]}
            )
        elif kind == "error_click":
            events.append({"t": "click", "ts": ts, "pv": pv, "sel": "#verify", "fx": {"err": True}})
    return {
        "v": 1,
        "key": key,
        "sid": sid,
        "vid": vid or f"v-{sid}",
        "seq": 0,
        "bid": str(uuid.uuid4()),
        "sent": start + steps[-1][0] + 1000,
        "consent": {"state": "granted", "policy": "2026-01"},
        "rrweb": [
            {"type": 4, "data": {"href": ORIGIN, "width": 1280, "height": 800}, "timestamp": start}
        ],
        "events": events,
    }


def ingest(server: Server, batches: list[dict[str, Any]]) -> None:
    for b in batches:
        r = server.post("/api/v1/ingest", encode(b))
        assert r.status_code == 200, r.text
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.get("/api/v1/sessions?per_page=1").json()["total"] >= len(batches):
            return
        time.sleep(0.05)
    raise AssertionError("sessions were not stored in time")


def put(server: Server, path: str, body: dict[str, Any]) -> Any:
    r = server.request("PUT", path, content=encode(body))
    assert r.status_code == 200, r.text
    return r.json()


def server_events(server: Server, token: str, body: dict[str, Any]) -> Any:
    r = server.request(
        "POST", "/api/v1/events", content=encode(body), headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    return r.json()
