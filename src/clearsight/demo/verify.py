"""Checks on recorded sessions: complete, in order, and free of what was typed.

Pure functions over the recorded bodies; the generator prints what they find.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Leak:
    session: int
    persona: str
    kind: str
    value: str
    batch: int
    where: str
    """'rrweb' or 'events' (or 'envelope'), and an excerpt around the hit."""


def order_batches(bodies: Iterable[bytes]) -> tuple[list[bytes], int]:
    """Bodies sorted by batch sequence, each batch id once. Returns (bodies, duplicates).

    The capture script may hand a batch to a pagehide beacon while a fetch of the
    same batch is still in flight; the server stores it once, and so do we.
    """
    seen: set[str] = set()
    keyed: list[tuple[int, int, bytes]] = []
    duplicates = 0
    for i, body in enumerate(bodies):
        envelope = json.loads(body)
        if envelope["bid"] in seen:
            duplicates += 1
            continue
        seen.add(envelope["bid"])
        keyed.append((int(envelope["seq"]), i, body))
    keyed.sort()
    return [b for _, _, b in keyed], duplicates


def problems(bodies: list[bytes]) -> list[str]:
    """What is wrong with one session's batches: gaps, several sessions, no page views."""
    if not bodies:
        return ["no batches"]
    envelopes = [json.loads(b) for b in bodies]
    out: list[str] = []
    sids = {e["sid"] for e in envelopes}
    if len(sids) != 1:
        out.append(f"{len(sids)} session ids in one browser session")
    seqs = [e["seq"] for e in envelopes]
    if seqs != list(range(len(seqs))):
        out.append(f"batch sequence has gaps: {seqs}")
    kinds = {ev.get("t") for e in envelopes for ev in e.get("events", [])}
    for needed in ("pageview", "click"):
        if needed not in kinds:
            out.append(f"no {needed} events")
    if not any(e.get("rrweb") for e in envelopes):
        out.append("no rrweb events")
    return out


def _variants(kind: str, value: str) -> set[str]:
    """The forms a typed value could take in recorded JSON."""
    forms = {value, json.dumps(value)[1:-1]}
    digits = re.sub(r"\D", "", value)
    if kind in ("card", "phone", "account", "routing", "iban") and len(digits) >= 6:
        forms.add(digits)
    if kind == "iban":
        forms.add(value.replace(" ", ""))
    if kind == "card":
        forms.add(" ".join(digits[i : i + 4] for i in range(0, len(digits), 4)))
    # Too short to tell apart from timestamps and coordinates.
    return {f for f in forms if len(f) >= 6}


def checkable(kind: str, value: str) -> bool:
    return bool(_variants(kind, value))


def leaks(
    session: int, persona: str, bodies: list[bytes], typed: Iterable[tuple[str, str]]
) -> list[Leak]:
    """Every place a typed value appears in the recorded bytes."""
    found: list[Leak] = []
    texts = [b.decode("utf-8", "replace") for b in bodies]
    lowered = [t.lower() for t in texts]
    for kind, value in set(typed):
        for form in _variants(kind, value):
            needle = form.lower()
            for i, text in enumerate(lowered):
                at = text.find(needle)
                if at < 0:
                    continue
                found.append(
                    Leak(session, persona, kind, value, i, _where(texts[i], at, len(needle)))
                )
    return found


def _where(text: str, at: int, n: int) -> str:
    rr = text.find('"rrweb"')
    ev = text.find('"events"')
    part = "envelope"
    # Whichever member starts last before the hit is the one holding it.
    starts = sorted((p, name) for p, name in ((rr, "rrweb"), (ev, "events")) if 0 <= p <= at)
    if starts:
        part = starts[-1][1]
    return f"{part}: …{text[max(0, at - 80) : at + n + 40]}…"


def event_counts(bodies: list[bytes]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for body in bodies:
        envelope: dict[str, Any] = json.loads(body)
        for ev in envelope.get("events", []):
            counts[ev.get("t", "?")] = counts.get(ev.get("t", "?"), 0) + 1
    return counts
