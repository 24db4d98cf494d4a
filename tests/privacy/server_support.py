"""Helpers for the privacy tests that run against a real server."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from tests.support import Server, snapshot_events

T = TypeVar("T")
TS = 1_767_000_000_000
UA_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.127 Safari/537.36"
)


def eventually(check: Callable[[], T], what: str, timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def stored(server: Server, sid: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        r = server.get(f"/api/v1/sessions/{sid}")
        return r.json() if r.status_code == 200 else None

    return eventually(check, f"session {sid}")


def settle(server: Server) -> None:
    """Everything accepted so far is in the store."""
    eventually(lambda: server.get("/healthz").json()["spool_backlog_bytes"] == 0, "the writer")


def element(
    node_id: int, tag: str, attrs: dict[str, str], children: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "type": 2,
        "tagName": tag,
        "attributes": attrs,
        "childNodes": children,
        "id": node_id,
    }


def text(node_id: int, value: str) -> dict[str, Any]:
    return {"type": 3, "textContent": value, "id": node_id}


def page(body: list[dict[str, Any]], url: str, ts: int = TS) -> list[dict[str, Any]]:
    """rrweb meta + full snapshot of a page whose <body> (id 4) holds ``body``."""
    meta, snapshot, _ = snapshot_events(ts, "", url)
    html = snapshot["data"]["node"]["childNodes"][0]
    html["childNodes"][1]["childNodes"] = body
    return [meta, snapshot]


def mutation(ts: int, **data: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"source": 0, "texts": [], "attributes": [], "removes": [], "adds": []}
    return {"type": 3, "data": base | data, "timestamp": ts}
