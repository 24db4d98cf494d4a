"""Synthetic page views for heatmap tests: a page view with the clicks, moves and scrolls
a test wants, in the wire format the capture script sends."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.support import snapshot_events


@dataclass
class Click:
    sel: str
    rect: tuple[float, float, float, float]
    rx: float = 0.5
    ry: float = 0.5
    sy: float = 0.0
    fixed: bool = False
    reg: bool = False
    tag: str = "button"
    after_ms: int = 1000

    def event(self, ts: int, pv: str, url: str, vw: int) -> dict[str, Any]:
        x, y, w, h = self.rect
        # A fixed element's box is reported in page coordinates: it moves with scrollY.
        top = y + self.sy if self.fixed else y
        return {
            "t": "click",
            "ts": ts + self.after_ms,
            "pv": pv,
            "url": url,
            "sel": self.sel,
            "tag": self.tag,
            "rect": [x, top, w, h],
            "rx": self.rx,
            "ry": self.ry,
            "x": x + self.rx * w,
            "y": top + self.ry * h,
            "vw": vw,
            "vh": 800,
            "dh": 3000,
            "sy": self.sy,
            "fixed": self.fixed,
            "inter": True,
            "reg": self.reg,
            "fx": {"mut": True},
        }


@dataclass
class View:
    sid: str
    url: str
    ts: int
    vw: int = 1440
    vid: str = "visitor"
    clicks: list[Click] = field(default_factory=list)
    scrolls: list[tuple[int, float]] = field(default_factory=list)
    """(ms after the view, scrollY)."""
    moves: list[tuple[int, str, int]] = field(default_factory=list)
    """(ms after the view, selector, dwell)."""
    seq: int = 0
    snapshot: bool = True
    experiment: tuple[str, str] | None = None
    """(experiment, variant) the site reported on this page."""

    def batch(self, key: str) -> dict[str, Any]:
        pv = f"pv-{uuid.uuid4()}"
        events: list[dict[str, Any]] = [
            {
                "t": "pageview",
                "ts": self.ts,
                "pv": pv,
                "url": self.url,
                "title": "Offer",
                "vw": self.vw,
                "vh": 800,
                "dh": 3000,
            },
        ]
        events += [c.event(self.ts, pv, self.url, self.vw) for c in self.clicks]
        if self.experiment is not None:
            name, variant = self.experiment
            events.append(
                {"t": "experiment", "ts": self.ts + 1, "pv": pv, "exp": name, "variant": variant}
            )
        deepest = 800.0
        for after, sy in self.scrolls:
            deepest = max(deepest, sy + 800)
            events.append(
                {
                    "t": "scroll",
                    "ts": self.ts + after,
                    "pv": pv,
                    "url": self.url,
                    "sy": sy,
                    "max": deepest,
                    "vh": 800,
                    "dh": 3000,
                }
            )
        for after, sel, dwell in self.moves:
            events.append(
                {
                    "t": "move",
                    "ts": self.ts + after,
                    "pv": pv,
                    "url": self.url,
                    "sel": sel,
                    "rx": 0.5,
                    "ry": 0.5,
                    "x": 100,
                    "y": 100,
                    "vw": self.vw,
                    "vh": 800,
                    "dh": 3000,
                    "fixed": False,
                    "dwell": dwell,
                }
            )
        rrweb = snapshot_events(self.ts, "Your offer", self.url)[:2] if self.snapshot else []
        for ev in rrweb:
            if ev["type"] == 4:
                ev["data"]["width"] = self.vw
        return {
            "v": 1,
            "key": key,
            "sid": self.sid,
            "vid": self.vid,
            "seq": self.seq,
            "bid": str(uuid.uuid4()),
            "sent": self.ts + 60_000,
            "consent": {"state": "granted", "policy": "2026-01"},
            "rrweb": rrweb,
            "events": events,
        }
