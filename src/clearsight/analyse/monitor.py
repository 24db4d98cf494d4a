"""Friction's background work: incremental detection, a features backfill, anomaly checks.

- ``Friction.after_apply`` is the spool's after-apply hook. It only queues the
  sessions a stored micro-batch touched; a worker thread takes everything
  queued at once and runs detection for those sessions. The store writer never
  waits for detection. When batches arrive fast, runs start at most every
  ``detect_gap_s`` (2 s) and each covers every micro-batch stored meanwhile:
  a run's cost is mostly per run, not per session, and back-to-back runs took
  a third of a core from ingest on a 2-core machine.

- Shortly after start, if the event store holds sessions but no signal
  features (a store from before signals existed), every project's features
  and signals are rebuilt once.
- Every ``anomaly_interval_minutes``, each project's last complete hour is
  checked for anomalies (once per hour), and at a new day the last complete
  day. A missed hour is not caught up: an alert hours late would be noise.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

import msgspec

from clearsight.analyse.alerts import Alerter
from clearsight.analyse.anomalies import DAY_MS, HOUR_MS
from clearsight.analyse.signals import Detector
from clearsight.store.base import EventStore, Touched
from clearsight.store.control import ControlPlane
from clearsight.store.control.friction import Alert

log = logging.getLogger("clearsight.friction")
STATE_KEY = "alerts.state"


class MonitorState(msgspec.Struct):
    hour: int = 0
    """End of the last hour checked."""
    day: int = 0


@dataclass
class Friction:
    """Detection, alerts and their background jobs, as ``app.py`` wires them."""

    store: EventStore
    control: ControlPlane
    detector: Detector = field(init=False)
    alerter: Alerter = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _pending: queue.SimpleQueue[list[tuple[str, str]] | None] = field(
        default_factory=queue.SimpleQueue
    )
    _worker: threading.Thread | None = None
    _worker_lock: threading.Lock = field(default_factory=threading.Lock)
    detect_gap_s: float = 2.0
    """Least time between the starts of two detection runs."""

    def __post_init__(self) -> None:
        self.detector = Detector(self.store, self.control)
        self.alerter = Alerter(self.store, self.control)

    # -- incremental detection -----------------------------------------------------------------

    def after_apply(self, store: EventStore, touched: Touched) -> None:
        """The spool's hook: queue the touched sessions for the detection worker."""
        with self._worker_lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._detect, name="signals", daemon=True)
                self._worker.start()
        self._pending.put(list(touched))

    def drain(self, timeout: float = 60.0) -> None:
        """Finish what is queued and stop the worker (before the store closes)."""
        with self._worker_lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._pending.put(None)
            worker.join(timeout=timeout)

    def _detect(self) -> None:
        last = -self.detect_gap_s
        while True:
            item = self._pending.get()
            touched, stop = list(item or []), item is None
            # Under sustained load, gather until detect_gap_s after the last
            # run began: each run costs mostly per run, and back-to-back runs
            # would take a core from ingest.
            deadline = last + self.detect_gap_s
            while not stop:
                wait = deadline - time.monotonic()
                try:
                    more = self._pending.get(block=wait > 0, timeout=max(wait, 0.0))
                except queue.Empty:
                    break
                stop = more is None
                touched += more or []
            last = time.monotonic()
            if touched:
                try:
                    self.detector.after_apply(self.store, list(dict.fromkeys(touched)))
                except Exception:
                    log.exception("signals: detection failed for %d sessions", len(touched))
            if stop:
                return

    # -- scheduled jobs ------------------------------------------------------------------------

    def start(self, interval_s: float, first_run_s: float = 5.0) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, args=(interval_s, first_run_s), name="friction", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def backfill(self) -> bool:
        """Rebuild everything once when sessions exist but no features were ever found."""
        features = self.store.query("SELECT count(*) AS n FROM signal_features")
        sessions = self.store.query("SELECT count(*) AS n FROM sessions")
        if features.column("n")[0].as_py() or not sessions.column("n")[0].as_py():
            return False
        for run in self.detector.rebuild_all():
            log.info("signals: %s rebuilt in %.1f s", run.project, run.total)
        return True

    def check(self, now_ms: int | None = None) -> list[Alert]:
        """Each project's last complete hour (and day), if not checked yet."""
        now = int(time.time() * 1000) if now_ms is None else now_ms
        hour, day = now // HOUR_MS * HOUR_MS, now // DAY_MS * DAY_MS
        raised: list[Alert] = []
        for project in self.control.projects():
            state = self.control.settings.get(project.id, STATE_KEY, MonitorState, MonitorState())
            if state.hour < hour:
                raised += self.alerter.run(project.id, hour, ("hour",))
                state.hour = hour
            if state.day < day:
                raised += self.alerter.run(project.id, day, ("day",))
                state.day = day
            self.control.settings.set(project.id, STATE_KEY, state)
        return raised

    def _loop(self, interval_s: float, first_run_s: float) -> None:
        if self._stop.wait(first_run_s):
            return
        try:
            self.backfill()
        except Exception:
            log.exception(
                "signals: the backfill failed; run `clearsight signals recompute --rebuild`"
            )
        while interval_s > 0:
            try:
                for alert in self.check():
                    log.info("alerts: %s %s on %s", alert.project, alert.metric, alert.page)
            except Exception:
                log.exception("alerts: the scheduled check failed; it will be retried")
            if self._stop.wait(interval_s):
                return
