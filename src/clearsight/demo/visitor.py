"""A simulated visitor: human-paced pointer, keyboard and scroll input on one page.

Personas are written in terms of this class, so they read as what a person
does ("click Accept", "read the disclosures") while the pacing, pointer paths
and ground-truth labels are handled here in one place.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from faker import Faker
from playwright.async_api import Page

Signal = Literal[
    "rage_click",
    "dead_click",
    "error_click",
    "failed_submit",
    "form_abandon",
    "u_turn",
    "toggling",
    "hesitation",
    "sticky_click",
]

# Space covered by the sticky header and by fixed elements at the bottom (advisor
# button, consent banner); a target under them would be clicked "through" them.
_TOP_OCCLUDED = 96
_BOTTOM_OCCLUDED = 110


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    mobile: bool


VIEWPORTS: dict[str, Viewport] = {
    "mobile": Viewport("mobile", 390, 844, True),
    "tablet": Viewport("tablet", 820, 1180, False),
    "desktop": Viewport("desktop", 1440, 900, False),
}


class FlowError(RuntimeError):
    """The site did not behave as the persona expected (a bug in the site or the persona)."""


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Visitor:
    page: Page
    viewport: Viewport
    rng: random.Random
    fake: Faker
    speed: float = 1.0
    """Multiplier on every pause: <1 hurried, >1 deliberate."""
    labels: list[dict[str, Any]] = field(default_factory=list)
    typed: list[tuple[str, str]] = field(default_factory=list)
    """(kind, value) of everything personal typed into the site, for the leak check."""
    mouse: tuple[float, float] = (0.0, 0.0)
    sids: set[str] = field(default_factory=set)
    """Capture session ids seen on the page, to claim beacons sent while it unloads."""

    # ---------- ground truth ----------

    def label(self, signal: Signal, sel: str, t: int | None = None) -> None:
        self.labels.append(
            {
                "signal": signal,
                "sel": sel,
                "url_path": urlsplit(self.page.url).path,
                "t": now_ms() if t is None else t,
            }
        )

    # ---------- pacing ----------

    async def pause(self, lo: float, hi: float) -> None:
        """Sleep a human-ish while: log-uniform between lo and hi seconds, scaled by speed."""
        seconds = math.exp(self.rng.uniform(math.log(lo), math.log(hi))) * self.speed
        await asyncio.sleep(seconds)

    async def think(self) -> None:
        await self.pause(0.25, 0.9)

    # ---------- geometry ----------

    async def _rect(self, sel: str) -> dict[str, float]:
        box: dict[str, float] | None = await self.page.evaluate(
            """(sel) => {
                const el = document.querySelector(sel);
                if (!el) return null;
                // An inline element wrapped over two lines: aim at its widest line box,
                // not at the union rectangle, which covers neighbouring text.
                let r = el.getBoundingClientRect();
                const lines = [...el.getClientRects()];
                if (lines.length > 1) r = lines.reduce((a, b) => (b.width > a.width ? b : a));
                return {x: r.left, y: r.top, w: r.width, h: r.height};
            }""",
            sel,
        )
        if box is None:
            raise FlowError(f"{sel} is not on {self.page.url}")
        return box

    async def _hits(self, sel: str, x: float, y: float) -> bool:
        """Whether a pointer at (x, y) lands on sel and not on something covering it."""
        hit: bool = await self.page.evaluate(
            """([sel, x, y]) => {
                const el = document.querySelector(sel);
                const top = document.elementFromPoint(x, y);
                return !!el && !!top && (el === top || el.contains(top) ||
                    (top.tagName === 'LABEL' && top.control === el));
            }""",
            [sel, x, y],
        )
        return hit

    async def scroll_into_view(self, sel: str, fixed: bool = False) -> dict[str, float]:
        """Wheel-scroll until sel sits comfortably in the viewport; returns its rect."""
        vh = self.viewport.height
        for _ in range(30):
            r = await self._rect(sel)
            if fixed:
                return r
            top_ok = r["y"] >= _TOP_OCCLUDED
            bottom_ok = r["y"] + min(r["h"], vh / 2) <= vh - _BOTTOM_OCCLUDED
            if top_ok and bottom_ok:
                return r
            before = await self._scroll_y()
            await self.scroll(r["y"] - vh * self.rng.uniform(0.3, 0.5))
            if await self._scroll_y() == before and r["y"] >= 0 and r["y"] + r["h"] <= vh:
                return r  # at the end of the page: as good as it gets
        raise FlowError(f"could not scroll {sel} into view")

    async def _scroll_y(self) -> float:
        y: float = await self.page.evaluate("() => window.scrollY")
        return y

    async def _point_on(self, sel: str, r: dict[str, float]) -> tuple[float, float]:
        for _ in range(12):
            x = r["x"] + r["w"] * min(0.92, max(0.08, self.rng.gauss(0.5, 0.16)))
            y = r["y"] + r["h"] * min(0.9, max(0.1, self.rng.gauss(0.5, 0.15)))
            if await self._hits(sel, x, y):
                return x, y
        raise FlowError(f"{sel} is covered by another element")

    # ---------- pointer ----------

    async def move_to_xy(self, x: float, y: float) -> None:
        if self.viewport.mobile:
            # Touch screens have no hovering pointer: the finger just lands.
            self.mouse = (x, y)
            return
        x0, y0 = self.mouse
        dist = math.hypot(x - x0, y - y0)
        # A slight arc through an offset midpoint, then a slower approach.
        mx = (x0 + x) / 2 + self.rng.uniform(-0.12, 0.12) * dist
        my = (y0 + y) / 2 + self.rng.uniform(-0.12, 0.12) * dist
        await self.page.mouse.move(mx, my, steps=max(4, min(25, int(dist / 40))))
        await self.page.mouse.move(x, y, steps=max(4, min(20, int(dist / 50))))
        self.mouse = (x, y)

    async def move_to(self, sel: str, fixed: bool = False) -> tuple[float, float]:
        r = await self.scroll_into_view(sel, fixed)
        try:
            x, y = await self._point_on(sel, r)
        except FlowError:
            if fixed:
                raise
            # Something floating (the advisor button) sits on it: scroll it clear.
            await self.scroll(-self.rng.uniform(120, 200))
            x, y = await self._point_on(sel, await self._rect(sel))
        await self.move_to_xy(x, y)
        return x, y

    async def _to_visual(self, x: float, y: float) -> tuple[float, float]:
        """Layout-viewport coordinates (what getBoundingClientRect gives) to input coordinates.

        On a phone the visual viewport can sit inside a larger layout viewport (a page
        wider than the screen); taps are aimed at the visual one.
        """
        off: list[float] = await self.page.evaluate(
            "() => window.visualViewport ? [visualViewport.offsetLeft, visualViewport.offsetTop]"
            " : [0, 0]"
        )
        return x - off[0], y - off[1]

    async def press(self, x: float, y: float) -> None:
        vx, vy = await self._to_visual(x, y)
        if self.viewport.mobile:
            await self.page.touchscreen.tap(vx, vy)
        else:
            await self.page.mouse.click(vx, vy, delay=self.rng.randint(40, 120))

    async def click(self, sel: str, fixed: bool = False) -> int:
        """Point at sel, hesitate a moment, click. Returns the click time (epoch ms)."""
        x, y = await self.move_to(sel, fixed)
        await self.pause(0.08, 0.35)
        t = now_ms()
        await self.press(x, y)
        return t

    async def hover(self, sel: str, seconds: float) -> int:
        """Rest the pointer on sel, drifting a little, for about ``seconds``. Returns start ms."""
        x, y = await self.move_to(sel)
        start = now_ms()
        end = time.monotonic() + seconds * self.speed
        r = await self._rect(sel)
        while time.monotonic() < end:
            await asyncio.sleep(self.rng.uniform(0.4, 1.1))
            if self.viewport.mobile:
                continue
            nx = min(r["x"] + r["w"] - 2, max(r["x"] + 2, x + self.rng.uniform(-14, 14)))
            ny = min(r["y"] + r["h"] - 2, max(r["y"] + 2, y + self.rng.uniform(-6, 6)))
            await self.page.mouse.move(nx, ny, steps=self.rng.randint(3, 8))
            self.mouse = (nx, ny)
        return start

    # ---------- scrolling ----------

    async def scroll(self, dy: float) -> None:
        """Scroll by about dy pixels in wheel-sized steps."""
        remaining = dy
        while abs(remaining) > 30:
            step = math.copysign(min(abs(remaining), self.rng.uniform(90, 260)), remaining)
            if self.viewport.mobile:
                await self.page.mouse.wheel(0, step)
            else:
                await self.page.mouse.wheel(self.rng.uniform(-2, 2), step)
            remaining -= step
            await asyncio.sleep(self.rng.uniform(0.03, 0.11))
        await self._scroll_settled()

    async def _scroll_settled(self) -> None:
        """Wait out smooth-scroll animation, so positions read next are where things stay."""
        last = await self._scroll_y()
        for _ in range(30):
            await asyncio.sleep(0.1)
            y = await self._scroll_y()
            if y == last:
                return
            last = y

    async def scroll_to_fraction(self, fraction: float) -> None:
        height: float = await self.page.evaluate(
            "() => document.documentElement.scrollHeight - window.innerHeight"
        )
        current: float = await self.page.evaluate("() => window.scrollY")
        await self.scroll(height * fraction - current)

    # ---------- keyboard ----------

    async def type_text(self, text: str, slow: bool = False) -> None:
        lo, hi = (0.09, 0.26) if slow else (0.035, 0.12)
        for ch in text:
            await self.page.keyboard.type(ch)
            await asyncio.sleep(self.rng.uniform(lo, hi) * min(self.speed, 1.5))

    async def fill(self, sel: str, text: str, kind: str | None = None, slow: bool = False) -> None:
        """Click into a field, clear it, type text. kind marks personal data for the leak check."""
        await self.click(sel)
        await self.page.keyboard.press("ControlOrMeta+A")
        await self.page.keyboard.press("Backspace")
        await self.type_text(text, slow)
        if kind:
            self.typed.append((kind, text))
        await self.pause(0.15, 0.5)

    async def choose(self, sel: str, value: str) -> None:
        """Pick an option: native select popups can't be driven, so focus then select."""
        await self.move_to(sel)
        await self.pause(0.1, 0.3)
        await self.page.focus(sel)
        await self.page.select_option(sel, value)
        await self.pause(0.2, 0.6)

    async def set_date(self, sel: str, iso: str, kind: str | None = None) -> None:
        await self.click(sel)
        await self.page.fill(sel, iso)
        if kind:
            self.typed.append((kind, iso))
        await self.pause(0.2, 0.5)

    # ---------- navigation ----------

    async def wait_path(self, pattern: str, timeout_s: float = 15.0) -> None:
        await self.page.wait_for_url(f"**{pattern}", timeout=timeout_s * 1000)
        await self.page.wait_for_load_state("load")
        await self.pause(0.4, 1.0)
