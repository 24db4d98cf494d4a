"""Template filters for the journey pages and the dashboard: percentages, durations,
changes and sparklines, registered on the shared template environment by ``register``."""

from __future__ import annotations

from typing import Any


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    seconds = value / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m {int(seconds % 60):02d}s"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h {int(seconds % 3600 // 60):02d}m"
    return f"{seconds / 86400:.1f} days"


def num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def show(value: float | None, unit: str) -> str:
    return pct(value) if unit == "pct" else ms(value) if unit == "ms" else num(value)


def change(now: float | None, before: float | None, unit: str) -> str:
    """``+2.1 pts``, ``-3.0s``, ``+12``; empty when either side is missing."""
    if now is None or before is None:
        return ""
    diff = now - before
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    if unit == "pct":
        return f"{sign}{abs(diff) * 100:.1f} pts"
    if unit == "ms":
        return f"{sign}{ms(abs(diff))}"
    return f"{sign}{abs(diff):,.0f}"


def tone(now: float | None, before: float | None, better: str) -> str:
    """CSS class for a change: good, bad or flat."""
    if now is None or before is None or better == "none" or now == before:
        return "flat"
    return "good" if (now > before) == (better == "up") else "bad"


def spark(series: list[float | None], width: int = 120, height: int = 28) -> str:
    """SVG polyline points for a daily series (gaps skipped)."""
    known = [v for v in series if v is not None]
    if len(series) < 2 or not known:
        return ""
    lo, hi = min(known), max(known)
    span = (hi - lo) or 1.0
    step = width / (len(series) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}"
        for i, v in enumerate(series)
        if v is not None
    )


def bar(value: float | None) -> str:
    """A width for a horizontal bar: ``37.5%``."""
    return f"{max(0.0, min(1.0, value or 0.0)) * 100:.1f}%"


FILTERS: dict[str, Any] = {
    "pct": pct,
    "ms": ms,
    "num": num,
    "show": show,
    "change": change,
    "tone": tone,
    "spark": spark,
    "bar": bar,
}


def register() -> None:
    # Imported here: the pages module imports the journey filters, which import this one.
    from clearsight.web.pages import TEMPLATES

    TEMPLATES.env.filters.update(FILTERS)
