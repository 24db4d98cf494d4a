"""The spool's two threads: group commit in, store writer out.

Ingest calls ``submit`` with a callback. The committer thread takes everything
queued since its last fsync, appends it as one group, fsyncs once, then calls
each callback: that is the acknowledgement. Committed records go to the writer
thread, which applies them to the event store in micro-batches and deletes
spool segments once everything in them is stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clearsight.errors import StoreError
from clearsight.spool.segments import Position, SegmentLog
from clearsight.store.accepted import AcceptedBatch, decode_accepted, encode_accepted
from clearsight.store.base import AfterApply, EventStore

log = logging.getLogger("clearsight.spool")

Done = Callable[[BaseException | None], None]
_STOP = object()
_RECENT = 200_000
"""Batch ids remembered after storage, for the ingest response's duplicate flag."""


@dataclass(frozen=True)
class _Roll:
    """Seal the current segment; ``done`` is set once every older segment is deleted."""

    done: threading.Event


_MAX_GROUP = 4096


@dataclass(frozen=True)
class _Committed:
    position: Position
    record: AcceptedBatch
    size: int


class Spool:
    def __init__(
        self,
        directory: Path,
        store: EventStore,
        *,
        segment_bytes: int,
        writer_max_batches: int,
        writer_interval_ms: int,
        after_apply: Sequence[AfterApply] = (),
    ) -> None:
        self._log = SegmentLog(directory, segment_bytes)
        self._quarantine = directory / "quarantine"
        self._store = store
        self._after_apply = list(after_apply)
        self._max_batches = writer_max_batches
        self._interval = writer_interval_ms / 1000
        self._incoming: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._to_store: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending: dict[str, int] = {}
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._backlog = 0
        self._idle = threading.Condition(self._lock)
        self._accepting = False
        self._threads: list[threading.Thread] = []
        self.applied_total = 0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> int:
        """Replay what the spool holds into the writer queue, then start both threads."""
        recovered = 0
        for position, payload in self._log.recover():
            record = decode_accepted(payload)
            self._track(record.bid, len(payload))
            self._to_store.put(_Committed(position, record, len(payload)))
            recovered += 1
        self._log.open_for_append()
        self._accepting = True
        for target, name in (
            (self._commit_loop, "spool-commit"),
            (self._write_loop, "spool-write"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        if recovered:
            log.info("spool: replaying %d batches that were not yet stored", recovered)
        return recovered

    def stop(self) -> None:
        """Refuse new batches, commit what is queued, store everything, close."""
        if not self._threads:
            return
        self._accepting = False
        self._incoming.put(_STOP)
        self._threads[0].join()
        self._to_store.put(_STOP)
        self._threads[1].join()
        self._threads.clear()
        self._log.close()

    # -- ingest side -------------------------------------------------------------------------

    def submit(self, record: AcceptedBatch, done: Done) -> None:
        if not self._accepting:
            done(RuntimeError("the spool is shutting down"))
            return
        self._incoming.put((record, done))

    def roll(self, timeout: float = 60.0) -> bool:
        """Seal the current segment and wait until older segments are stored and deleted.

        Erasure uses this so no spool file keeps an erased session's raw batches.
        """
        if not self._accepting:
            return False
        marker = _Roll(threading.Event())
        self._incoming.put(marker)
        return marker.done.wait(timeout)

    def is_pending(self, bid: str) -> bool:
        with self._lock:
            return bid in self._pending

    def seen_recently(self, bid: str) -> bool:
        """Spooled, or stored since start (the last 200,000). Cheap; the store still
        de-duplicates authoritatively, so a miss here never stores a batch twice."""
        with self._lock:
            return bid in self._pending or bid in self._recent

    @property
    def backlog_bytes(self) -> int:
        return self._backlog

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every committed batch is in the store (tests, demo loading)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def _track(self, bid: str, size: int) -> None:
        with self._lock:
            self._pending[bid] = self._pending.get(bid, 0) + 1
            self._backlog += size

    def _untrack(self, items: list[_Committed]) -> None:
        with self._lock:
            for item in items:
                left = self._pending.get(item.record.bid, 1) - 1
                if left:
                    self._pending[item.record.bid] = left
                else:
                    self._pending.pop(item.record.bid, None)
                self._recent[item.record.bid] = None
                self._backlog -= item.size
            while len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
            self._idle.notify_all()

    # -- committer thread ----------------------------------------------------------------------

    def _commit_loop(self) -> None:
        stopping = False
        while not stopping:
            first = self._incoming.get()
            if first is _STOP:
                break
            if isinstance(first, _Roll):
                self._to_store.put((self._log.roll(), first))
                continue
            group = [first]
            roll = None
            while len(group) < _MAX_GROUP:
                try:
                    item = self._incoming.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                if isinstance(item, _Roll):
                    roll = item
                    break
                group.append(item)
            self._commit(group)  # type: ignore[arg-type]
            if roll is not None:
                self._to_store.put((self._log.roll(), roll))

    def _commit(self, group: list[tuple[AcceptedBatch, Done]]) -> None:
        payloads = [encode_accepted(record) for record, _ in group]
        try:
            positions = self._log.append(payloads)
        except OSError as exc:
            log.error("spool: cannot write %d batches: %s", len(group), exc.strerror or exc)
            for _, done in group:
                done(exc)
            return
        for (record, done), position, payload in zip(group, positions, payloads, strict=True):
            self._track(record.bid, len(payload))
            self._to_store.put(_Committed(position, record, len(payload)))
            done(None)

    # -- writer thread ---------------------------------------------------------------------------

    def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            items: list[_Committed] = []
            deadline = time.monotonic() + self._interval
            while len(items) < self._max_batches:
                try:
                    item = self._to_store.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                if isinstance(item, tuple):
                    self._finish_roll(items, *item)
                    items = []
                    continue
                items.append(item)  # type: ignore[arg-type]
            if items:
                self._apply(items)
                self._run_hooks(items)
                self._log.release_before(items[-1].position)
                self._untrack(items)

    def _apply(self, items: list[_Committed]) -> None:
        """Store the items; wait out store outages, set aside batches that cannot be stored.

        A ``StoreError`` is the store's fault (disk full, file locked): retry until
        it recovers, the batches stay in the spool meanwhile. Any other error comes
        from a batch itself; it is isolated and quarantined so the rest flows on.
        """
        delay = 0.2
        while True:
            try:
                self.applied_total += self._store.apply([i.record for i in items])
                return
            except StoreError as exc:
                log.error("spool: the event store refused a write (%s); retrying", exc)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
            except Exception:
                if len(items) == 1:
                    log.exception("spool: a batch cannot be stored")
                    self._quarantine_item(items[0])
                    return
                for item in items:
                    self._apply([item])
                return

    def _finish_roll(self, items: list[_Committed], start: Position, roll: _Roll) -> None:
        if items:
            self._apply(items)
            self._run_hooks(items)
            self._untrack(items)
        self._log.release_before(start)
        roll.done.set()

    def _run_hooks(self, items: list[_Committed]) -> None:
        """Incremental analyses; a failing one is logged and must not stop storage."""
        touched = list(dict.fromkeys((i.record.project, i.record.sid) for i in items))
        for hook in self._after_apply:
            try:
                hook(self._store, touched)
            except Exception:
                log.exception("spool: after-apply hook %s failed", getattr(hook, "__name__", hook))

    def _quarantine_item(self, item: _Committed) -> None:
        self._quarantine.mkdir(exist_ok=True)
        path = self._quarantine / f"{item.record.bid}.spool"
        path.write_bytes(encode_accepted(item.record))
        log.error("spool: batch could not be stored; kept in %s for inspection", path)
