"""Synthetic sessions that do one frustrating thing each, sent as the capture script would."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.support import Server, encode, snapshot_events

ORIGIN = "https://apply.bank.test"


@dataclass
class Visit:
    """One session's events, built in time order, posted as one or more batches."""

    key: str
    sid: str = field(default_factory=lambda: str(uuid.uuid4()))
    t: int = field(default_factory=lambda: int(time.time() * 1000) - 3_600_000)
    events: list[dict[str, Any]] = field(default_factory=list)
    pv: str = ""
    url: str = ""
    start: int = 0

    def __post_init__(self) -> None:
        self.start = self.t

    def page(self, path: str, wait: int = 500) -> Visit:
        self.t += wait
        self.pv, self.url = str(uuid.uuid4()), ORIGIN + path
        self._add("pageview", title="Page", vw=1440, vh=900, dh=3000)
        return self

    def click(self, sel: str, wait: int = 800, *, x: float = 500, y: float = 400,
              tag: str = "button", inter: bool = True, dis: bool = False, n: int = 1,
              **fx: bool) -> Visit:  # fmt: skip
        self.t += wait
        self._add(
            "click", sel=sel, tag=tag, rect=[x - 50, y - 20, 100, 40], rx=0.5, ry=0.5, x=x, y=y,
            vw=1440, vh=900, dh=3000, inter=inter, dis=dis, n=n, fx=fx,
        )  # fmt: skip
        return self

    def error(self, wait: int = 1) -> Visit:
        self.t += wait
        self._add("error", msg="TypeError: x is undefined", src="app.js", line=1, col=1)
        return self

    def submit(self, sel: str, wait: int = 2) -> Visit:
        self.t += wait
        self._add("submit", sel=sel)
        return self

    def field(self, sel: str, wait: int = 300, *, dur: int = 2000, edits: int = 8,
              dels: int = 0) -> Visit:  # fmt: skip
        self.t += wait
        self._add("field", sel=sel, ev="focus")
        self.t += dur
        self._add("field", sel=sel, ev="blur", dur=dur, edits=edits, dels=dels, filled=edits > 0)
        return self

    def move(self, sel: str, x: float, y: float, dwell: int, wait: int | None = None) -> Visit:
        self.t += dwell if wait is None else wait
        self._add("move", sel=sel, rx=0.5, ry=0.5, x=x, y=y, vw=1440, vh=900, dh=3000,
                  dwell=dwell)  # fmt: skip
        return self

    def scroll(self, sy: float, wait: int = 700) -> Visit:
        self.t += wait
        self._add("scroll", sy=sy, max=sy + 900, vh=900, dh=3000)
        return self

    def _add(self, t: str, **values: Any) -> None:
        self.events.append({"t": t, "ts": self.t, "pv": self.pv, "url": self.url} | values)

    def batches(self, parts: int = 1) -> list[dict[str, Any]]:
        size = -(-len(self.events) // parts)
        out = []
        for i in range(parts):
            chunk = self.events[i * size : (i + 1) * size]
            first = chunk[0]["ts"] if chunk else self.t
            out.append(
                {
                    "v": 1,
                    "key": self.key,
                    "sid": self.sid,
                    "vid": "visitor-" + self.sid[:8],
                    "seq": i,
                    "bid": str(uuid.uuid4()),
                    "sent": self.t + 100,
                    "consent": {"state": "granted", "policy": "2026-01"},
                    "rrweb": snapshot_events(first, "Apply", ORIGIN + "/") if i == 0 else [],
                    "events": chunk,
                }
            )
        return out

    def send(self, srv: Server, parts: int = 1, only: int | None = None) -> Visit:
        for i, b in enumerate(self.batches(parts)):
            if only is None or i == only:
                r = srv.post("/api/v1/ingest", encode(b))
                assert r.status_code == 200, r.text
        return self


def settle(srv: Server, key: str) -> None:
    """Wait until everything sent so far went through the after-apply hook: the hook runs
    in the store writer's order, so once a session sent now has its signal, so have they."""
    sentinel = Visit(key).page("/").click("#sentinel", 900).send(srv)
    wait_for(srv, sentinel.sid, signals=1)


def wait_for(
    srv: Server, sid: str, signals: int | None = None, timeout: float = 20
) -> dict[str, Any]:
    """The session's timeline once stored (and, with ``signals``, once it has that many)."""
    deadline = time.monotonic() + timeout
    while True:
        r = srv.get(f"/api/v1/sessions/{sid}")
        if r.status_code == 200:
            srv.open_replay(sid)
            tl: dict[str, Any] = srv.get(f"/api/v1/sessions/{sid}/timeline").json()
            if signals is None or len(tl["signals"]) >= signals:
                return tl
        assert time.monotonic() < deadline, f"session {sid} not stored with its signals in time"
        time.sleep(0.1)


def signal_names(tl: dict[str, Any]) -> list[str]:
    return sorted(s["signal"] for s in tl["signals"])
