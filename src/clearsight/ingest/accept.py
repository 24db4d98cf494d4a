"""Admission of one batch: the checks, the privacy filters, the spool hand-off.

This is the whole ingest pipeline without HTTP. The endpoint, the demo loader
and the benchmark's baseline all go through it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from clearsight.errors import Forbidden, Unauthorized, Unavailable
from clearsight.events import Batch
from clearsight.ingest.decode import decode_batch
from clearsight.spool.service import Spool
from clearsight.store.accepted import AcceptedBatch
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane, Project


@dataclass(frozen=True)
class ClientInfo:
    """What is kept of the client: reduced before anything is stored."""

    ip: str = ""
    device: str = ""
    browser: str = ""
    os: str = ""


ClientReducer = Callable[[str, str], ClientInfo]
"""(client ip, user agent) → what may be stored."""


class BodyFilter(Protocol):
    """A privacy filter over the raw batch bytes; returns the bytes to keep."""

    def __call__(self, body: bytes, batch: Batch, project: Project) -> bytes: ...


def drop_client(ip: str, ua: str) -> ClientInfo:
    return ClientInfo()


@dataclass
class IngestStats:
    accepted: Counter[str]
    duplicates: Counter[str]
    refused_consent: Counter[str]


def origin_allowed(project: Project, origin: str | None, own_origin: str) -> bool:
    """Server-to-server posts carry no Origin. Browsers' must be the server's own or listed."""
    if origin is None:
        return True
    return origin == own_origin or origin in project.origins


class Ingestor:
    def __init__(
        self,
        control: ControlPlane,
        store: EventStore,
        spool: Spool,
        *,
        filters: Sequence[BodyFilter] = (),
        reduce_client: ClientReducer = drop_client,
        max_backlog_bytes: int = 1 << 30,
    ) -> None:
        self.control = control
        self.store = store
        self.spool = spool
        self.filters = list(filters)
        self.reduce_client = reduce_client
        self.max_backlog_bytes = max_backlog_bytes
        self.stats = IngestStats(Counter(), Counter(), Counter())

    def admit(self, body: bytes, origin: str | None, own_origin: str) -> tuple[Batch, Project]:
        """Decode and check a batch. Raises a ``Problem``; stores nothing."""
        batch = decode_batch(body)
        if not batch.key:
            raise Unauthorized("missing-project-key", "the batch has no project key (`key`)")
        project = self.control.project_by_key(batch.key)
        if project is None:
            raise Forbidden("unknown-project-key", "no project has this key; check projectKey")
        if not origin_allowed(project, origin, own_origin):
            raise Forbidden(
                "origin-not-allowed",
                f"origin {origin} may not send to project {project.id!r}; "
                f"add it with `clearsight projects origins {project.id} --add {origin}`",
            )
        if batch.consent.state != "granted":
            self.stats.refused_consent[project.id] += 1
            raise Forbidden(
                "consent-required",
                "the visitor has not granted consent to recording; nothing was stored",
            )
        return batch, project

    def prepare(
        self, body: bytes, batch: Batch, project: Project, ip: str, ua: str
    ) -> AcceptedBatch:
        for privacy_filter in self.filters:
            body = privacy_filter(body, batch, project)
        client = self.reduce_client(ip, ua or batch.ua)
        return AcceptedBatch(
            project=project.id,
            bid=batch.bid,
            sid=batch.sid,
            received_at=int(time.time() * 1000),
            ip=client.ip,
            device=client.device,
            browser=client.browser,
            os=client.os,
            body=body,
        )

    def is_duplicate(self, bid: str) -> bool:
        """Whether to answer ``duplicate``. Exactly-once storage does not rest on this:
        ``EventStore.apply`` skips known batch ids inside its write transaction."""
        return self.spool.seen_recently(bid)

    def check_capacity(self) -> None:
        if self.spool.backlog_bytes > self.max_backlog_bytes:
            raise Unavailable(
                "backlog-full",
                "the server is behind on storing batches; retry shortly",
                headers={"Retry-After": "5"},
            )

    async def ingest(
        self, body: bytes, *, origin: str | None, own_origin: str, ip: str, ua: str = ""
    ) -> bool:
        """Admit, filter and spool one batch. True when stored, False for a duplicate."""
        batch, project = self.admit(body, origin, own_origin)
        if self.is_duplicate(batch.bid):
            self.stats.duplicates[project.id] += 1
            return False
        self.check_capacity()
        accepted = self.prepare(body, batch, project, ip, ua)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def done(exc: BaseException | None) -> None:
            loop.call_soon_threadsafe(_settle, future, exc)

        self.spool.submit(accepted, done)
        try:
            await future
        except (OSError, RuntimeError) as exc:
            raise _spool_failed(exc) from None
        self.stats.accepted[project.id] += 1
        return True

    def bulk_load(self, bodies: Iterable[bytes], *, chunk: int = 512) -> int:
        """Admission and privacy filters as for live traffic, then straight into the store.

        For re-runnable loads (the demo): no spool, because nothing is acknowledged to
        anyone; an interrupted load is simply run again (batch ids make that safe).
        """
        stored = 0
        pending: list[AcceptedBatch] = []
        for body in bodies:
            batch, project = self.admit(body, None, "")
            pending.append(self.prepare(body, batch, project, "", batch.ua))
            if len(pending) >= chunk:
                stored += self.store.apply(pending)
                pending = []
        if pending:
            stored += self.store.apply(pending)
        return stored

    def ingest_many(self, bodies: Iterable[bytes], *, in_flight: int = 2048) -> int:
        """The same pipeline for callers without an event loop (demo loader, benchmark).

        Keeps up to ``in_flight`` batches queued so the spool can group-commit them.
        Returns how many were stored; raises the first admission or spool error.
        """
        slots = threading.Semaphore(in_flight)
        failures: list[BaseException] = []
        stored = 0

        def settle(exc: BaseException | None) -> None:
            if exc is not None:
                failures.append(exc)
            slots.release()

        for body in bodies:
            batch, project = self.admit(body, None, "")
            if self.is_duplicate(batch.bid):
                continue
            while self.spool.backlog_bytes > self.max_backlog_bytes:
                time.sleep(0.05)  # a bulk load waits for the writer instead of failing
            slots.acquire()
            if failures:
                break
            self.spool.submit(self.prepare(body, batch, project, "", batch.ua), settle)
            stored += 1
        for _ in range(in_flight):
            slots.acquire()
        if failures:
            raise _spool_failed(failures[0])
        return stored


def _settle(future: asyncio.Future[None], exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is None:
        future.set_result(None)
    else:
        future.set_exception(exc)


def _spool_failed(exc: BaseException) -> Unavailable:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return Unavailable(
        "spool-unavailable",
        f"the server could not write the batch durably ({reason}); "
        "it was not accepted, retry later",
        headers={"Retry-After": "10"},
    )
