"""Batches refused for missing consent, persisted per day.

``Ingestor.admit`` only bumps an in-memory counter per project: a refusal
must stay as cheap as a refusal. This thread adds what the counters gained
to the control plane every few seconds, under the day it was flushed in,
and once more on shutdown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from clearsight.store.control.consent import DAY_MS, ConsentFigures

log = logging.getLogger("clearsight.consent")


class RefusalRecorder:
    def __init__(
        self, counts: Counter[str], figures: ConsentFigures, interval_s: float = 5.0
    ) -> None:
        self.counts = counts
        self.figures = figures
        self.interval_s = interval_s
        self._flushed: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="consent-refusals", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def flush(self) -> None:
        """Persist what was counted since the last flush."""
        with self._lock:
            now = dict(self.counts)  # a C-level copy: safe against the event loop's increments
            delta = {p: n - self._flushed.get(p, 0) for p, n in now.items()}
            day = int(time.time() * 1000) // DAY_MS
            pending = {(p, day): n for p, n in delta.items() if n > 0}
            if not pending:
                return
            self.figures.add_refusals(pending)
            self._flushed = now

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.flush()
            except Exception:
                log.exception("could not persist refused-batch counts; retrying")
