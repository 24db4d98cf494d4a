"""Keeping saved-segment membership in step with newly stored sessions.

The spool calls ``Membership`` after every stored micro-batch with the
sessions it touched. Recomputing membership costs a scan per segment whatever
the number of sessions, so doing it per micro-batch in the writer thread would
slow storage down as the store grows. Instead the hook only notes the touched
sessions, and a thread of its own recomputes them, at most every ``interval``
seconds, for all of them at once. Membership lags storage by about that much.
``close`` (called when the server stops) recomputes what is still pending.
"""

from __future__ import annotations

import logging
import threading
import time

from clearsight.analyse import segments
from clearsight.store.base import EventStore, Touched
from clearsight.store.control import ControlPlane

log = logging.getLogger("clearsight.segments")


class Membership:
    __name__ = "segment_membership"

    def __init__(self, control: ControlPlane, interval: float = 1.0) -> None:
        self.control = control
        self.interval = interval
        self._pending: dict[str, set[str]] = {}
        self._store: EventStore | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def __call__(self, store: EventStore, touched: Touched) -> None:
        with self._lock:
            self._store = store
            for project, sid in touched:
                self._pending.setdefault(project, set()).add(sid)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="segment-membership", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait()
            time.sleep(self.interval)  # let more batches arrive: one pass serves them all
            self._wake.clear()
            self.flush()

    def flush(self) -> None:
        with self._lock:
            work, self._pending = self._pending, {}
            store = self._store
        if store is None:
            return
        for project, sids in work.items():
            try:
                saved = segments.saved(self.control).list(project)
                if saved:
                    segments.update_sessions(store, project, saved, sorted(sids))
            except Exception:
                log.exception("segment membership of %d sessions failed", len(sids))

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 30)
        self.flush()
