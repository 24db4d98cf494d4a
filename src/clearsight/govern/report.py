"""The compliance report: the seeds' "audit-ready documentation", produced instead of written.

It covers a period and states, from the running system rather than from
memory: the collection scope and masking rules in force, consent statistics
and PII incidents, who viewed how many replays and why, retention status, the
audit chain's verification, and key rotation. HTML always; PDF through
Chromium's print-to-PDF.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa

from clearsight import __version__
from clearsight.govern.audit import Auditor
from clearsight.govern.retention import Retention
from clearsight.store.control import ControlPlane
from clearsight.store.control import schema as t

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
)
_env.filters["when"] = lambda ms: (
    "—" if ms is None else datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
)

Section = Callable[[int, int], dict[str, Any]]
"""(from ms, to ms) → a named block of facts, contributed by other parts (privacy, ...)."""


@dataclass
class ReportInputs:
    control: ControlPlane
    auditor: Auditor
    retention: Retention
    collection: Callable[[], list[dict[str, Any]]]
    """Per project: origins, capture and masking rules in force."""
    sections: dict[str, Section]


def _consent(control: ControlPlane, since: int, until: int) -> dict[str, Any]:
    c = t.consent_decisions.c
    q = (
        sa.select(c.project, c.state, sa.func.count())
        .where((c.received_at >= since) & (c.received_at < until))
        .group_by(c.project, c.state)
    )
    per: dict[str, Counter[str]] = defaultdict(Counter)
    with control.engine.connect() as conn:
        for project, state, n in conn.execute(q):
            per[project][state] += int(n)
    out = {}
    for project, counts in per.items():
        decided = counts["granted"] + counts["denied"]
        out[project] = dict(counts) | {
            "opt_in_rate": round(counts["granted"] / decided, 4) if decided else None
        }
    return out


def _access(auditor: Auditor, since: int, until: int) -> dict[str, Any]:
    viewers: dict[str, Counter[str]] = defaultdict(Counter)
    denied = 0
    lists = 0
    for e in auditor.log.entries(since=since, until=until):
        if e.action == "replay.open" and e.result == "allowed":
            viewers[e.actor][e.purpose or "(none)"] += 1
        elif e.action == "sessions.list" and e.result == "allowed":
            lists += 1
        if e.result == "denied":
            denied += 1
    return {
        "replay_views": [
            {"actor": a, "total": sum(p.values()), "purposes": dict(p)}
            for a, p in sorted(viewers.items())
        ],
        "session_list_reads": lists,
        "denied_attempts": denied,
    }


def _keys(control: ControlPlane) -> list[dict[str, Any]]:
    out = []
    for project in control.projects():
        current = control.keys.current_kek(project.id)
        out.append(
            {
                "project": project.id,
                "kek": current[0] if current else None,
                "rotated_at": current[1] if current else None,
                "data_keys_by_kek": control.keys.count_by_kek(project.id),
            }
        )
    return out


def build(inputs: ReportInputs, since: int, until: int) -> dict[str, Any]:
    verify = inputs.auditor.verify()
    return {
        "generated_at": int(time.time() * 1000),
        "since": since,
        "until": until,
        "version": __version__,
        "collection": inputs.collection(),
        "consent": _consent(inputs.control, since, until),
        "sections": {name: fn(since, until) for name, fn in inputs.sections.items()},
        "access": _access(inputs.auditor, since, until),
        "retention": [s.__dict__ for s in inputs.retention.status()],
        "holds": len(inputs.control.governance.holds()),
        "audit": {
            "ok": verify.ok,
            "entries": verify.entries,
            "checkpoints": verify.checkpoints,
            "head_seq": verify.head_seq,
            "key_id": inputs.auditor.signer.key_id,
            "problems": [{"seq": p.seq, "what": p.what} for p in verify.problems],
        },
        "keys": _keys(inputs.control),
    }


def render_html(facts: dict[str, Any]) -> str:
    return _env.get_template("report.html").render(**facts)
