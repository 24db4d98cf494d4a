"""The retention job inside ``serve``: runs shortly after start, then every interval."""

from __future__ import annotations

import logging
import threading

from clearsight.govern.access import Access
from clearsight.govern.retention import Retention

log = logging.getLogger("clearsight.retention")
SCHEDULER = Access(actor="scheduler", role="admin")


class RetentionScheduler:
    def __init__(self, retention: Retention, interval_s: float, first_run_s: float = 60.0) -> None:
        self.retention = retention
        self.interval_s = interval_s
        self.first_run_s = first_run_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        wait = self.first_run_s
        while not self._stop.wait(wait):
            try:
                for run in self.retention.run(SCHEDULER):
                    if run.replays_purged or run.sessions_purged:
                        log.info(
                            "retention: %s: %d replays, %d sessions purged, %d held",
                            run.project,
                            run.replays_purged,
                            run.sessions_purged,
                            run.held,
                        )
            except Exception:
                log.exception("retention: the scheduled run failed; it will be retried")
            wait = self.interval_s
