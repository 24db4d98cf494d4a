"""Customer-keyed data that is not part of a session: server-side events and imported
attributes. Both are stored under the customer's token, and both go when the
customer is erased (``erasure_hook``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pyarrow as pa

from clearsight.privacy.tokenize import tokenize
from clearsight.store.base import EventStore
from clearsight.store.sql import json_key

DAY_MS = 86_400_000
MAX_EVENTS = 10_000
EARLIEST = 946_684_800_000  # 2000-01-01: older times are mistakes (seconds, not ms)
_lock = threading.Lock()


class ServerEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    customer_id: str
    """The customer id, as the site passes it to identify(). Tokenized before storage."""
    name: str
    """What happened: approved, disbursed..."""
    ts: int
    """When, in ms since the epoch."""
    id: str = ""
    """The sender's id for the event: a re-sent event with the same id is stored once."""


class ServerEventBatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    events: list[ServerEvent]
    project: str = ""


@dataclass
class Stored:
    stored: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _problem(e: ServerEvent, now: int) -> str:
    if not e.customer_id.strip() or len(e.customer_id) > 128:
        return "`customer_id` must be 1-128 characters"
    try:
        json_key(e.name)
    except ValueError:
        return "`name` must be 1-64 letters, digits or _.:-"
    if not EARLIEST <= e.ts <= now + DAY_MS:
        return "`ts` must be ms since the epoch, not in the future"
    if len(e.id) > 200:
        return "`id` is longer than 200 characters"
    return ""


def record(store: EventStore, secret: bytes, project: str, events: list[ServerEvent]) -> Stored:
    """Validate, tokenize and store server-side events; each bad one is reported by index."""
    now = int(time.time() * 1000)
    out = Stored()
    rows: dict[str, tuple[str, str, int]] = {}
    for n, e in enumerate(events):
        why = _problem(e, now)
        if why:
            out.rejected.append({"index": n, "reason": why})
            continue
        uid = tokenize(secret, e.customer_id.strip())
        which = e.id or f"{e.name}\x00{e.ts}"
        eid = hashlib.sha256(f"{uid}\x00{which}".encode()).hexdigest()[:32]
        if eid in rows:
            out.duplicates += 1
        rows[eid] = (uid, e.name, e.ts)
    with _lock:  # the check and the insert must not interleave with another post
        known = _known(store, project, list(rows))
        fresh = {k: v for k, v in rows.items() if k not in known}
        out.duplicates += len(rows) - len(fresh)
        if fresh:
            store.import_table("server_events", _table(project, fresh, now))
            out.stored = len(fresh)
    return out


def _known(store: EventStore, project: str, eids: list[str]) -> set[str]:
    if not eids:
        return set()
    found = store.query(
        "SELECT eid FROM server_events WHERE project = :p AND "
        f"{store.dialect.in_list('eid', 'eids')}",
        {"p": project, "eids": eids},
    )
    return {str(v) for v in found.column("eid").to_pylist()}


def _table(project: str, rows: dict[str, tuple[str, str, int]], now: int) -> pa.Table:
    values = list(rows.values())
    return pa.table(
        {
            "project": [project] * len(rows),
            "eid": list(rows),
            "uid": [v[0] for v in values],
            "name": [v[1] for v in values],
            "ts": pa.array([v[2] for v in values], pa.int64()),
            "day": pa.array([v[2] // DAY_MS for v in values], pa.int32()).cast(pa.date32()),
            "received_at": pa.array([now] * len(rows), pa.int64()),
        }
    )


def event_names(store: EventStore, project: str) -> list[tuple[str, int]]:
    rows = store.query(
        "SELECT name, count(*) AS n FROM server_events WHERE project = :p GROUP BY name "
        "ORDER BY n DESC, name LIMIT 50",
        {"p": project},
    ).to_pylist()
    return [(str(r["name"]), int(r["n"])) for r in rows]


class ErasureHook:
    """``Subjects.erasure_hooks`` entry: an erased customer's imported attributes and
    server-side events go with their sessions."""

    __name__ = "customer_data"

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def __call__(self, project: str, token: str) -> int:
        removed = 0
        for table in ("customer_attributes", "server_events"):
            found = self.store.query(
                f"SELECT count(*) AS n FROM {table} WHERE project = :p AND uid = :u",
                {"p": project, "u": token},
            )
            removed += int(found.column("n")[0].as_py())
            self.store.delete_rows(table, "project = :p AND uid = :u", {"p": project, "u": token})
        return removed
