"""The friction jobs inside ``serve``: a features backfill, then hourly and daily anomaly checks.

- Shortly after start, if the event store holds sessions but no signal
  features (a store from before signals existed), every project's features
  and signals are rebuilt once.
- Every ``anomaly_interval_minutes``, each project's last complete hour is
  checked for anomalies (once per hour), and at a new day the last complete
  day. A missed hour is not caught up: an alert hours late would be noise.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import msgspec

from clearsight.analyse.alerts import Alerter
from clearsight.analyse.anomalies import DAY_MS, HOUR_MS
from clearsight.analyse.signals import Detector
from clearsight.store.base import EventStore
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

    def __post_init__(self) -> None:
        self.detector = Detector(self.store, self.control)
        self.alerter = Alerter(self.store, self.control)

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
