"""The event store's interface and the values it returns.

Nothing outside ``store/`` knows which backend sits behind an ``EventStore``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import msgspec
import pyarrow as pa

from clearsight.store.accepted import AcceptedBatch, Incident
from clearsight.store.sql import Dialect

Touched = Sequence[tuple[str, str]]
"""(project, sid) pairs a store write touched."""

AfterApply = Callable[["EventStore", Touched], None]
"""Runs in the writer thread after each stored micro-batch (incremental analyses)."""


class SubQuery(msgspec.Struct, frozen=True):
    """Portable ``SELECT sid ...`` (see ``store.sql``) that a session must be in, with its
    parameters. Analyses build these with the store's dialect (funnel drop-offs, experiment
    variants); parameter names must not start with ``f_``."""

    sql: str
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class SessionFilter(msgspec.Struct, frozen=True, kw_only=True):
    projects: tuple[str, ...] | None = None
    """None means every project."""
    since: int | None = None
    """Sessions that started at or after this ms timestamp."""
    until: int | None = None
    """Sessions that started before this ms timestamp."""
    url: str | None = None
    """A visited page: a full URL, a path, or a path glob (``*`` one segment, ``**`` any)."""
    min_duration_ms: int | None = None
    max_duration_ms: int | None = None
    sids: tuple[str, ...] | None = None
    """Restrict to these sessions."""
    scope_urls: tuple[str, ...] | None = None
    """Access scope: only sessions that visited one of these path globs."""
    scope_segments: tuple[str, ...] | None = None
    """Access scope: only sessions that are members of one of these saved segments."""
    signal: str | None = None
    """Only sessions with this frustration signal (``analyse.signals.SIGNALS``)."""
    sort: str = "recent"
    """``recent`` (newest first) or ``frustration`` (highest frustration score first)."""
    segment: str | None = None
    """Only members of this saved segment (``segment_members``, see ``analyse/segments.py``)."""
    within: tuple[SubQuery, ...] = ()
    """Only sessions each of these sub-queries selects."""
    page: int = 1
    per_page: int = 50


class SessionSummary(msgspec.Struct, frozen=True):
    project: str
    sid: str
    vid: str
    started_at: int
    ended_at: int
    duration_ms: int
    pages: int
    clicks: int
    errors: int
    events: int
    entry_url: str
    exit_url: str
    device: str
    browser: str
    os: str
    vw: int
    vh: int
    ip: str = ""
    """The client's network (/24 or /48) when ``ip_mode`` is truncate, else ""."""
    frustration: float = 0.0
    """The session's frustration score, 0-100 (docs/friction.md)."""


class SessionPage(msgspec.Struct, frozen=True):
    items: list[SessionSummary]
    total: int
    page: int
    per_page: int


class StoredChunk(msgspec.Struct, frozen=True):
    seq: int
    ts_first: int
    ts_last: int
    codec: str
    data: bytes


class ChunkRewrite(msgspec.Struct, frozen=True):
    """A stored replay chunk's new bytes (a privacy re-scan masked it)."""

    project: str
    sid: str
    bid: str
    ts: int
    """When the chunk was recorded: the time of its incidents."""
    codec: str
    data: bytes
    incidents: list[Incident] = []


class EventStore(Protocol):
    name: str
    dialect: Dialect

    def apply(self, batches: Sequence[AcceptedBatch]) -> int:
        """Store batches atomically, skipping batch ids already stored. Returns how many were new.

        Raises ``StoreError`` when the backend fails (the caller retries) and
        other exceptions when a batch itself is unusable.
        """
        ...

    def has_batch(self, bid: str) -> bool: ...

    def list_sessions(self, filters: SessionFilter) -> SessionPage: ...

    def get_session(
        self, sid: str, projects: tuple[str, ...] | None = None
    ) -> SessionSummary | None: ...

    def replay_chunks(self, project: str, sid: str) -> list[StoredChunk]: ...

    def timeline(self, project: str, sid: str) -> dict[str, pa.Table]:
        """Page views, clicks, errors, submits and frustration signals of one session, by time."""
        ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run portable analysis SQL (see ``store.sql``) and return the rows."""
        ...

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run portable SQL that writes derived tables."""
        ...

    def import_table(self, table: str, rows: pa.Table) -> None:
        """Bulk rows straight into a table, columns matched by name, no de-duplication:
        migrations, benchmarks, and tables ingest does not feed (server-side events,
        imported attributes)."""
        ...

    def delete_rows(
        self, table: str, where: str, params: Mapping[str, Any], *, often: bool = False
    ) -> None:
        """Delete the rows of a derived table that the portable condition ``where`` selects
        (segment membership, imported attributes, server-side events, signals).

        ``often``: the caller deletes rows of this table again and again (signals, per
        stored micro-batch), and the rows need not leave storage until ``compact``. The
        store may then mark them deleted rather than rewrite storage at once.
        """
        ...

    def sessions_ended_before(
        self, project: str, before_ms: int, *, with_replay: bool, limit: int = 10_000
    ) -> list[str]:
        """Sessions that ended before ``before_ms`` (only those still holding replay chunks
        when ``with_replay``)."""
        ...

    def oldest_replay(self, project: str, exclude: Sequence[str] = ()) -> int | None:
        """Start time of the oldest session that still has replay chunks, ``exclude`` aside."""
        ...

    def delete_sessions(self, project: str, sids: Sequence[str], *, replay_only: bool) -> int:
        """Delete replay chunks (and, unless ``replay_only``, every row) of these sessions."""
        ...

    def sessions_of_user(self, project: str, uid: str) -> list[str]:
        """Sessions in which ``identify()`` named this (tokenized) user id."""
        ...

    def session_rows(self, project: str, sid: str) -> dict[str, pa.Table]:
        """Every analysis row of one session, per table (data-subject export)."""
        ...

    def rewrite_chunks(self, rewrites: Sequence[ChunkRewrite]) -> int:
        """Replace replay chunks' bytes and store their incidents, in one transaction."""
        ...

    def compact(self) -> None:
        """Rewrite storage so deleted rows leave no bytes behind (after an erasure)."""
        ...

    def close(self) -> None: ...
