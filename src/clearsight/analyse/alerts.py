"""Raising anomaly alerts: cooldown, storage in the app, and delivery to a webhook.

Webhooks go only to the URL an administrator configured for the project
(``PUT /api/v1/alerts/config/{project}``, audited). The JSON is what Slack's
incoming webhooks take (``text`` and ``blocks``) or what Jira's create-issue
endpoint and automation webhooks take (``fields``). Payloads name pages and
metrics only: no session, visitor or customer data leaves the server.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from clearsight.analyse import anomalies
from clearsight.analyse.anomalies import ALERTS_KEY, METRIC_BY_NAME, AlertSettings
from clearsight.errors import BadRequest
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.store.control.friction import Alert, Deviation

log = logging.getLogger("clearsight.alerts")
TIMEOUT_S = 5.0
FORMATS = ("slack", "jira")


def settings_of(control: ControlPlane, project: str) -> AlertSettings:
    return control.settings.get(project, ALERTS_KEY, AlertSettings, AlertSettings())


def validate(cfg: AlertSettings) -> AlertSettings:
    if cfg.webhook_url:
        parts = urlsplit(cfg.webhook_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadRequest("invalid-webhook", "webhook_url must be an http(s) URL with a host")
    if cfg.format not in FORMATS:
        raise BadRequest("invalid-webhook", f"format must be one of {', '.join(FORMATS)}")
    if not (1.0 <= cfg.z <= 20 and 1 <= cfg.min_volume <= 10**7):
        raise BadRequest("invalid-alerts", "z must be 1-20 and min_volume at least 1")
    if not (0 <= cfg.cooldown_hours <= 24 * 30 and 1 <= cfg.baseline_weeks <= 52):
        raise BadRequest("invalid-alerts", "cooldown_hours must be 0-720, baseline_weeks 1-52")
    return cfg


def describe(a: Deviation) -> str:
    m = METRIC_BY_NAME[a.metric]
    when = datetime.fromtimestamp(a.bucket_start / 1000, UTC)
    span = when.strftime("%a %Y-%m-%d") + ("" if a.period == "day" else when.strftime(" %H:00"))
    direction = "rose" if a.value >= a.baseline else "fell"
    return (
        f"{m.label} on {a.page} {direction} to {a.value:.1f}{m.unit} "
        f"(usually {a.baseline:.1f}{m.unit} ± {a.spread:.1f}) in the {a.period} from "
        f"{span} UTC, over {a.volume} page views."
    )


def slack_payload(project: str, a: Alert) -> dict[str, Any]:
    text = f"clearsight anomaly in {project}: {describe(a)}"
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*clearsight* · {text}"}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"score {a.score:.1f} · alert #{a.id}"}],
            },
        ],
    }


def jira_payload(project: str, a: Alert, jira_project: str) -> dict[str, Any]:
    m = METRIC_BY_NAME[a.metric]
    return {
        "fields": {
            "project": {"key": jira_project or "CS"},
            "issuetype": {"name": "Bug"},
            "summary": f"[clearsight] {m.label} anomaly on {a.page} ({project})"[:250],
            "description": describe(a)
            + f"\n\nRobust score {a.score:.1f}. clearsight alert #{a.id}.",
            "labels": ["clearsight", "anomaly", a.metric],
        }
    }


def deliver(url: str, payload: dict[str, Any]) -> str:
    """POST the JSON; returns a short status for the alert's record."""
    body = json.dumps(payload).encode()
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            return f"delivered ({resp.status})"
    except urllib.error.HTTPError as exc:
        return f"failed: HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"failed: {type(exc).__name__}"


class Alerter:
    def __init__(self, store: EventStore, control: ControlPlane) -> None:
        self.store = store
        self.control = control

    def run(self, project: str, end: int, periods: tuple[str, ...] = ("hour",)) -> list[Alert]:
        """Evaluate the periods ending at ``end``; store, then deliver, each new alert."""
        cfg = settings_of(self.control, project)
        raised = []
        for period in periods:
            for f in anomalies.findings(self.store, project, end, period, cfg):
                if self._cooling(project, f, cfg):
                    continue
                delivery = "pending" if cfg.webhook_url else "in app"
                alert = self.control.friction.add_alert(project, f, delivery)
                if cfg.webhook_url:
                    status = deliver(cfg.webhook_url, self.payload(project, alert, cfg))
                    self.control.friction.set_delivery(alert.id, status)
                    if status.startswith("failed"):
                        log.warning("alerts: webhook for %s %s", project, status)
                raised.append(alert)
        return raised

    def payload(self, project: str, alert: Alert, cfg: AlertSettings) -> dict[str, Any]:
        if cfg.format == "jira":
            return jira_payload(project, alert, cfg.jira_project)
        return slack_payload(project, alert)

    def _cooling(self, project: str, f: Deviation, cfg: AlertSettings) -> bool:
        last = self.control.friction.last_alert(project, f.page, f.metric, f.period)
        if last is None:
            return False
        cooldown = cfg.cooldown_hours * 3_600_000
        return f.bucket_start <= last.bucket_start or f.bucket_start - last.bucket_start < cooldown
