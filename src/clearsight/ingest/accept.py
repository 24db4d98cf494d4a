"""Admission of one batch: the checks, the privacy filters, the spool hand-off.

This is the whole ingest pipeline without HTTP. The endpoint, the demo loader
and the benchmark's baseline all go through it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from clearsight.errors import Forbidden, Unauthorized, Unavailable
from clearsight.events import Batch
from clearsight.ingest.decode import decode_batch
from clearsight.privacy.filters import Filtered
from clearsight.privacy.network import IpMode, reduce_user_agent, truncate_ip
from clearsight.spool.service import Spool
from clearsight.store.accepted import AcceptedBatch, Incident
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


INLINE_FILTER_BYTES = 256 * 1024
"""Batches up to this size are filtered on the event loop (see ``Ingestor.ingest``)."""


class BodyFilter(Protocol):
    """A privacy filter over the raw batch bytes; returns the bytes to keep, or
    ``Filtered`` to also report incidents or drop the batch."""

    def __call__(self, body: bytes, batch: Batch, project: Project) -> bytes | Filtered: ...


def drop_client(ip: str, ua: str) -> ClientInfo:
    return ClientInfo()


def network_reducer(ip_mode: IpMode) -> ClientReducer:
    """Keep the IP's /24 or /48 network (or nothing), and the user agent's
    browser and major version, OS family and device class."""

    def reduce(ip: str, ua: str) -> ClientInfo:
        kept_ip = truncate_ip(ip, ip_mode) or ""
        if not ua:
            return ClientInfo(ip=kept_ip)
        agent = reduce_user_agent(ua[:512])
        browser = f"{agent.browser} {agent.browser_major}".strip()
        return ClientInfo(kept_ip, agent.device_class, browser, agent.os)

    return reduce


@dataclass
class IngestStats:
    accepted: Counter[str]
    duplicates: Counter[str]
    refused_consent: Counter[str]
    dropped: Counter[str]
    """Answered but not stored: outside the sample or only excluded pages."""


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
        self.stats = IngestStats(Counter(), Counter(), Counter(), Counter())
        self._withdrawn: OrderedDict[str, None] = OrderedDict()

    def consented(self, sid: str, granted: bool, limit: int = 200_000) -> None:
        """A consent decision named this session: after a denial or withdrawal its
        batches are refused, until a new grant."""
        if granted:
            self._withdrawn.pop(sid, None)
            return
        self._withdrawn[sid] = None
        if len(self._withdrawn) > limit:
            self._withdrawn.popitem(last=False)

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
        if batch.consent.state != "granted" or batch.sid in self._withdrawn:
            self.stats.refused_consent[project.id] += 1
            raise Forbidden(
                "consent-required",
                "the visitor has not granted consent to recording; nothing was stored",
            )
        return batch, project

    def prepare(
        self, body: bytes, batch: Batch, project: Project, ip: str, ua: str
    ) -> AcceptedBatch | None:
        """The batch as it is stored, or None when a filter keeps nothing of it."""
        incidents: list[Incident] = []
        for privacy_filter in self.filters:
            out = privacy_filter(body, batch, project)
            if isinstance(out, Filtered):
                if out.drop:
                    self.stats.dropped[project.id] += 1
                    return None
                body, incidents = out.body, incidents + out.incidents
            else:
                body = out
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
            catches=incidents,
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
        loop = asyncio.get_running_loop()
        # The privacy filters are CPU work: about half a millisecond for a typical batch,
        # milliseconds for a large full snapshot. A worker thread would let the event
        # loop go on meanwhile, but under one interpreter lock the hand-over costs more
        # than it frees (ingest measured 30% slower that way), so typical batches are
        # filtered here and only large ones go to a thread.
        if len(body) <= INLINE_FILTER_BYTES:
            accepted = self.prepare(body, batch, project, ip, ua)
        else:
            accepted = await loop.run_in_executor(None, self.prepare, body, batch, project, ip, ua)
        if accepted is None:
            return True  # kept nothing by the project's rules: nothing to make durable
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
            accepted = self.prepare(body, batch, project, "", batch.ua)
            if accepted is not None:
                pending.append(accepted)
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
            accepted = self.prepare(body, batch, project, "", batch.ua)
            if accepted is None:
                continue
            slots.acquire()
            if failures:
                break
            self.spool.submit(accepted, settle)
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
