"""The page a heatmap is drawn on: one stored rrweb full snapshot of that page at that bucket.

It is one customer's (masked) page, so what leaves here names no session:
timestamps are rebased to zero and the meta event's URL is the normalised
page, not the one that customer visited. The caller audits the rendering.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import msgspec

from clearsight.analyse.heatmap_query import HeatQuery, view_where
from clearsight.analyse.heatmap_urls import normalise
from clearsight.errors import NotFound
from clearsight.events import RRWEB_FULL_SNAPSHOT, RRWEB_META
from clearsight.store import chunks
from clearsight.store.base import EventStore

CANDIDATES = 25
"""Recent page views tried, newest first, until one has a readable full snapshot."""
WINDOW_MS = 120_000
"""How far around the page view's time the full snapshot is looked for."""


class Snapshot(msgspec.Struct, frozen=True):
    sid: str
    """For the audit log only: never sent to the viewer."""
    events: list[Any]
    width: int
    height: int


def find_snapshot(
    store: EventStore,
    sealer: chunks.ChunkSealer,
    q: HeatQuery,
    page_key: str,
    rules: list[tuple[str, str]],
) -> Snapshot:
    where, params = view_where(q, store.dialect)
    rows = store.query(
        f"SELECT sid, ts, vw FROM heat_views WHERE {where} "
        "AND sid IN (SELECT sid FROM replay_chunks WHERE project = :project) "
        f"ORDER BY ts DESC LIMIT {CANDIDATES}",
        params,
    ).to_pylist()
    for row in rows:
        found = _snapshot_of(store, sealer, q.project, str(row["sid"]), int(row["ts"]))
        # A single-page app navigates without a new full snapshot: the nearest one may
        # show another page. Only a snapshot of this very page will do.
        if found is not None and _key_of(found[0], rules) != page_key:
            found = None
        if found is not None:
            return _anonymous(found, str(row["sid"]), page_key)
    raise NotFound(
        "no-snapshot",
        "no stored recording of this page at this viewport size can be shown (replays expire "
        "sooner than analysis data): pick another bucket or a more recent date range",
    )


def _snapshot_of(
    store: EventStore, sealer: chunks.ChunkSealer, project: str, sid: str, ts: int
) -> list[dict[str, Any]] | None:
    stored = [
        c
        for c in store.replay_chunks(project, sid)
        if c.ts_last >= ts - WINDOW_MS and c.ts_first <= ts + WINDOW_MS
    ]
    best: list[dict[str, Any]] | None = None
    for chunk in stored:
        try:
            raw = chunks.open_chunk(sealer, project, sid, chunk.codec, chunk.data)
        except (KeyError, ValueError):
            return None  # erased or expired: its key is gone
        events = msgspec.json.decode(raw)
        for i, ev in enumerate(events):
            if ev.get("type") != RRWEB_FULL_SNAPSHOT or i == 0:
                continue
            meta = events[i - 1]
            if meta.get("type") != RRWEB_META:
                continue
            if best is None or abs(ev["timestamp"] - ts) < abs(best[1]["timestamp"] - ts):
                best = [meta, ev]
    return best


def _key_of(meta: dict[str, Any], rules: list[tuple[str, str]]) -> str:
    href = str((meta.get("data") or {}).get("href", ""))
    try:
        return normalise(urlsplit(href).path or "/", rules)
    except ValueError:
        return ""


def _anonymous(pair: list[dict[str, Any]], sid: str, page_key: str) -> Snapshot:
    meta, full = pair
    data = meta.get("data") or {}
    try:
        parts = urlsplit(str(data.get("href", "")))
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    except ValueError:
        origin = ""
    width, height = int(data.get("width") or 0), int(data.get("height") or 0)
    events = [
        {
            "type": RRWEB_META,
            "data": {"href": origin + page_key, "width": width, "height": height},
            "timestamp": 0,
        },
        {"type": RRWEB_FULL_SNAPSHOT, "data": full["data"], "timestamp": 0},
    ]
    return Snapshot(sid=sid, events=events, width=width, height=height)
