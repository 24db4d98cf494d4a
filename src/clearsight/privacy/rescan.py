"""Re-scan stored replay chunks with the current detectors, and mask in place.

Run after adding or improving a detector: recordings stored before it are
masked as new ones would be. Each chunk is opened with the store's sealer
(decrypted, decompressed), scrubbed, and only if something was masked,
compressed, sealed again and written back with its incidents, a page of
chunks per transaction. Scrubbing is idempotent, so a second run changes
nothing and an interrupted run can simply be started again. Chunks whose
key was shredded (expired or erased sessions) cannot be read and are
counted, not touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clearsight.privacy.scrub import scrub
from clearsight.store import chunks
from clearsight.store.accepted import Incident
from clearsight.store.base import ChunkRewrite, EventStore

_OPEN = b'{"rrweb":'
Progress = Callable[[int, int], None]
"""(chunks done, chunks in all)."""


@dataclass
class ScanResult:
    chunks: int = 0
    rewritten: int = 0
    unreadable: int = 0
    incidents: int = 0
    detectors: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return self.__dict__ | {"detectors": dict(self.detectors)}


def mask_chunk(raw: bytes, allow: frozenset[str] = frozenset()) -> tuple[bytes, list[Incident]]:
    """A chunk (an rrweb JSON array) masked, with what was caught. Wrapped as a
    batch so catches are located like live ones; masking keeps every length."""
    result = scrub(_OPEN + raw + b"}", allow)
    if not result.catches:
        return raw, []
    found = [Incident(c.detector, c.where, c.selector, c.url, c.count) for c in result.catches]
    return result.body[len(_OPEN) : -1], found


def rescan(
    store: EventStore,
    sealer: chunks.ChunkSealer,
    project: str | None = None,
    progress: Progress | None = None,
    page: int = 200,
    allow_of: Callable[[str], frozenset[str]] | None = None,
) -> ScanResult:
    """``allow_of(project)``: the project's allowed values (``PrivacyRules.allow_values``)."""
    where = "project = :project AND " if project else ""
    params: dict[str, Any] = {"project": project} if project else {}
    total = store.query(f"SELECT count(*) AS n FROM replay_chunks WHERE {where}1 = 1", params)
    n_total = int(total.column("n")[0].as_py())
    result = ScanResult()
    after = ""
    while True:
        rows = store.query(
            "SELECT project, sid, bid, ts_first, codec, data FROM replay_chunks "
            f"WHERE {where}bid > :after ORDER BY bid LIMIT :page",
            params | {"after": after, "page": page},
        ).to_pylist()
        if not rows:
            break
        allowed = allow_of or (lambda project: frozenset())
        rewrites = [
            r
            for r in (_rescan_one(row, sealer, result, allowed(row["project"])) for row in rows)
            if r
        ]
        store.rewrite_chunks(rewrites)
        result.chunks += len(rows)
        after = rows[-1]["bid"]
        if progress is not None:
            progress(result.chunks, max(n_total, result.chunks))
    return result


def _rescan_one(
    row: dict[str, Any], sealer: chunks.ChunkSealer, result: ScanResult, allow: frozenset[str]
) -> ChunkRewrite | None:
    project, sid = row["project"], row["sid"]
    try:
        raw = chunks.open_chunk(sealer, project, sid, row["codec"], row["data"])
    except (KeyError, ValueError):
        result.unreadable += 1
        return None
    masked, incidents = mask_chunk(raw, allow)
    if not incidents:
        return None
    result.rewritten += 1
    for i in incidents:
        result.incidents += i.count
        result.detectors[i.detector] += i.count
    data = sealer.seal(project, sid, chunks.compress(masked))
    return ChunkRewrite(project, sid, row["bid"], row["ts_first"], sealer.codec, data, incidents)
