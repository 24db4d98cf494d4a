"""Shipped recordings → thousands of plausible sessions over the last N days.

Each new session is a recorded persona session shifted to a new start time,
with fresh session, visitor and batch ids and a few pixels of jitter on
pointer positions. rrweb timestamps are shifted in the raw bytes so the replay
and the analysis rows keep agreeing on time.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import msgspec
import zstandard

from clearsight import events as ev

RECORDINGS = "sessions.jsonl.zst"
DAY_MS = 86_400_000

# How common each persona is in the expanded traffic; unknown personas get 5.
PERSONA_WEIGHTS = {
    "fast_completer": 30,
    "hesitant": 14,
    "abandon_income": 16,
    "rage_clicker": 7,
    "dead_clicker": 6,
    "error_clicker": 6,
    "failed_submit": 6,
    "form_abandoner": 10,
    "u_turn": 5,
    "toggler": 5,
    "sticky_clicker": 6,
}
Reshape = Callable[[str, list[ev.Batch]], list[ev.Batch]]
"""(persona, a session's batches) → the batches to load (see ``demo/journeys.py``)."""
_TIMESTAMP = re.compile(rb'"timestamp":(\d+)')
_batch = msgspec.json.Decoder(ev.Batch)
_encode = msgspec.json.Encoder().encode


class Recording(msgspec.Struct, frozen=True):
    persona: str
    viewport: tuple[int, int]
    batches: list[str]
    split: str = "tune"
    labels: list[dict[str, Any]] = []


@dataclass
class _Template:
    recording: Recording
    batches: list[ev.Batch] = field(default_factory=list)
    t0: int = 0


def load_recordings(data: bytes | None = None) -> list[Recording]:
    if data is None:
        data = (resources.files("clearsight.demo") / "recordings" / RECORDINGS).read_bytes()
    text = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    decoder = msgspec.json.Decoder(Recording)
    return [decoder.decode(line) for line in text.splitlines() if line.strip()]


def _template(rec: Recording) -> _Template:
    batches = [_batch.decode(b) for b in rec.batches]
    stamps = [e.ts for b in batches for e in b.events] or [b.sent for b in batches]
    return _Template(rec, batches, min(stamps))


def _start_time(rng: random.Random, now_ms: int, days: int) -> int:
    """Business-hours-heavy, fewer on weekends, traffic growing slightly over the month."""
    while True:
        age = rng.random() ** 1.15 * days
        moment = now_ms - int(age * DAY_MS)
        hour = (moment // 3_600_000) % 24
        weekday = (moment // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday
        weight = (0.45 if weekday >= 5 else 1.0) * (1.0 if 8 <= hour <= 21 else 0.25)
        if rng.random() < weight:
            return moment - 3_600_000  # leave room for the session to finish before now


def _jitter(e: ev.InteractionEvent, delta: int, rng: random.Random) -> ev.InteractionEvent:
    if isinstance(e, ev.Click | ev.Move):
        dx, dy = rng.uniform(-3, 3), rng.uniform(-3, 3)
        w = e.rect[2] if isinstance(e, ev.Click) else 0.0
        h = e.rect[3] if isinstance(e, ev.Click) else 0.0
        rx = min(1.0, max(0.0, e.rx + dx / w)) if w else e.rx
        ry = min(1.0, max(0.0, e.ry + dy / h)) if h else e.ry
        return msgspec.structs.replace(e, ts=e.ts + delta, x=e.x + dx, y=e.y + dy, rx=rx, ry=ry)
    if isinstance(e, ev.Identify):
        return msgspec.structs.replace(e, ts=e.ts + delta, uid=f"C-{rng.randrange(10**7):07d}")
    return msgspec.structs.replace(e, ts=e.ts + delta)


def _shift_rrweb(raw: bytes, delta: int) -> bytes:
    return _TIMESTAMP.sub(lambda m: b'"timestamp":%d' % (int(m[1]) + delta), raw)


def _respawn(
    t: _Template, rng: random.Random, start: int, sid: str, vid: str
) -> Iterator[ev.Batch]:
    delta = start - t.t0
    for b in t.batches:
        yield msgspec.structs.replace(
            b,
            sid=sid,
            vid=vid,
            bid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            sent=b.sent + delta,
            events=[_jitter(e, delta, rng) for e in b.events],
            rrweb=msgspec.Raw(_shift_rrweb(bytes(b.rrweb), delta)),
        )


def expand(
    recordings: list[Recording],
    count: int,
    *,
    now_ms: int,
    days: int = 30,
    seed: int = 7,
    reshape: Reshape | None = None,
) -> Iterator[list[bytes]]:
    """Yield ``count`` sessions, each as its list of batch bodies."""
    usable = [r for r in recordings if r.batches]
    if not usable:
        raise ValueError("the demo recordings hold no sessions")
    rng = random.Random(seed)
    templates = [_template(r) for r in usable]
    weights = [PERSONA_WEIGHTS.get(r.persona, 5) for r in usable]
    visitors: list[str] = []
    for _ in range(count):
        t = rng.choices(templates, weights)[0]
        if visitors and rng.random() < 0.22:
            vid = rng.choice(visitors)  # a returning visitor
        else:
            vid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            visitors.append(vid)
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        batches = list(_respawn(t, rng, _start_time(rng, now_ms, days), sid, vid))
        if reshape is not None:
            batches = reshape(t.recording.persona, batches)
        yield [_encode(b) for b in batches]
