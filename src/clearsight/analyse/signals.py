"""Frustration signals: find features, apply the rules, score sessions; fully or incrementally.

- ``Detector.after_apply`` runs for the sessions stored micro-batches touched
  (``monitor.Friction`` queues them from the spool's after-apply hook): it
  finds their features again from the raw rows and re-derives their signals
  and scores.
- ``Detector.recompute(project)`` re-derives every signal and score of a
  project from the stored features: what a change of rules or exclusions
  runs (about a second for a million sessions).
- ``Detector.rebuild(project)`` finds every feature from the raw rows first:
  for a backfill, or after an upgrade that changes what features are found.

Every step is the same SQL for one session or all of them; only ``Scope``
differs. One lock serialises them, so the hook never interleaves with a
recompute running for an API call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from clearsight.analyse import features_clicks as fc
from clearsight.analyse import features_moves as fm
from clearsight.analyse import features_pages as fp
from clearsight.analyse import signals_detect as sd
from clearsight.analyse import surveys
from clearsight.analyse.features import COLUMNS, TEXT_TAGS, Scope
from clearsight.analyse.signals_rules import Exclusion, exclusions_of, rules_of
from clearsight.store.base import EventStore, Touched
from clearsight.store.control import ControlPlane
from clearsight.urlglob import glob_to_regex

log = logging.getLogger("clearsight.signals")

SIGNALS: dict[str, str] = {
    "rage_click": "Rage click",
    "dead_click": "Dead click",
    "error_click": "Error click",
    "failed_submit": "Repeated failed submit",
    "form_abandon": "Form abandonment",
    "u_turn": "U-turn",
    "excessive_scroll": "Excessive scrolling",
    "thrashed_cursor": "Thrashed cursor",
    "hesitation": "Hesitation",
    "toggling": "Toggling",
}
"""Every signal, in the order the UI lists them."""

SCORE_CAP_PER_SIGNAL = 3
"""Occurrences of one signal that still add to a session's score (see docs/friction.md)."""

FEATURES: list[tuple[str, Callable[[Scope], str]]] = [
    ("quiet", fc.quiet),
    ("error", fc.errors),
    ("submit", fc.submits),
    ("form", fc.forms),
    ("uturn", fp.uturns),
    ("scroll", fp.scrolls),
    ("flip", fp.flips),
    ("rest", fm.rests),
    ("pause", fm.pauses),
    ("reversal", fm.reversals),
]

# Order matters: error clicks leave to failed submits the clicks that submitted them.
DETECTIONS: list[tuple[str, Callable[[Scope], str]]] = [
    ("failed_submit", sd.failed_submits),
    ("rage/dead_click", sd.rage_and_dead),
    ("error_click", sd.error_clicks),
    ("form_abandon", sd.form_abandons),
    ("u_turn", sd.u_turns),
    ("excessive_scroll", sd.excessive_scrolls),
    ("toggling", sd.toggles),
    ("hesitation", sd.hesitations),
    ("thrashed_cursor", sd.thrashes),
]


@dataclass
class Run:
    """What one detection run did: seconds per step."""

    project: str
    sessions: int | None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def part(self, prefix: str) -> float:
        return sum(v for k, v in self.seconds.items() if k.startswith(prefix))


def _mine(s: Scope) -> str:
    """Rows of signals or scores of the sessions in scope (by their features' ``sk``)."""
    if not s.incremental:
        return ""
    return f"AND sk IN (SELECT sk FROM signal_features WHERE {s.rows()})"


def score_sql(s: Scope) -> str:
    """Per session: min(100, sum over signals of weight x min(occurrences, 3))."""
    weights = " ".join(f"WHEN '{k}' THEN :weight_{k}" for k in SIGNALS)
    return f"""
    SELECT sk, least(100, sum(w * least(k, {SCORE_CAP_PER_SIGNAL}))) AS score,
        CAST(sum(k) AS INTEGER) AS signals
    FROM (
        SELECT sk, count(*) AS k, min(CASE signal {weights} ELSE 0 END) AS w
        FROM signals WHERE project = :project {_mine(s)}
        GROUP BY sk, signal
    ) g
    GROUP BY sk
    """


def excluded_sql(exclusions: Sequence[Exclusion], s: Scope) -> tuple[str, dict[str, Any]]:
    """A condition true for signals an analyst excluded (``page`` is a path glob)."""
    clauses, params = [], {}
    for i, ex in enumerate(exclusions):
        part = f"(signal = :ex{i}_signal AND sel = :ex{i}_sel"
        params[f"ex{i}_signal"], params[f"ex{i}_sel"] = ex.signal, ex.sel
        if ex.page:
            part += " AND " + s.d.regex_full_match("page", f":ex{i}_page")
            params[f"ex{i}_page"] = glob_to_regex(ex.page)
        clauses.append(part + ")")
    return (" OR ".join(clauses) or "1 = 0"), params


class Detector:
    def __init__(self, store: EventStore, control: ControlPlane) -> None:
        self.store = store
        self.control = control
        self._lock = threading.Lock()

    def rebuild(self, project: str) -> Run:
        """Every feature from the raw rows, then every signal and score."""
        return self._run(project, None, features=True)

    def recompute(self, project: str) -> Run:
        """Every signal and score from the stored features (after a change of rules)."""
        return self._run(project, None, features=False)

    def sessions(self, project: str, sids: Sequence[str]) -> Run:
        """Features, signals and scores of these sessions only."""
        return self._run(project, list(sids), features=True)

    def rebuild_all(self) -> list[Run]:
        return [self.rebuild(p.id) for p in self.control.projects()]

    def after_apply(self, store: EventStore, touched: Touched) -> None:
        """The spool's hook: redo the sessions this micro-batch touched."""
        by_project: dict[str, list[str]] = {}
        for project, sid in touched:
            by_project.setdefault(project, []).append(sid)
        for project, sids in by_project.items():
            self.sessions(project, sids)

    # -- steps -------------------------------------------------------------------------------

    def _run(self, project: str, sids: list[str] | None, *, features: bool) -> Run:
        params: dict[str, Any] = {
            **rules_of(self.control, project),
            "project": project,
            "text_tags": TEXT_TAGS,
        }
        scope = Scope(self.store.dialect, incremental=sids is not None)
        run = Run(project, None if sids is None else len(sids))
        with self._lock:
            if sids is not None:
                since = self._since(project, sids)
                if since is None:
                    return run
                params |= {"sids": sids, "since": since}
            self._step(run, "signals: clear", self._clear_signals, scope, params)
            if features:
                clear = ("signal_features", scope.rows(), params)
                self._step(run, "features: clear", self._delete, *clear)
                for name, select in FEATURES:
                    sql = self._insert_features(select(scope))
                    self._step(run, f"features: {name}", self.store.execute, sql, params)
            where, ex_params = excluded_sql(exclusions_of(self.control, project), scope)
            for name, select in DETECTIONS:
                sql = self._insert(select(scope), where)
                self._step(run, f"signals: {name}", self.store.execute, sql, params | ex_params)
            self._step(run, "signals: scores", self._scores, scope, params)
        return run

    @staticmethod
    def _step(run: Run, name: str, fn: Callable[..., None], *args: Any) -> None:
        began = time.perf_counter()
        fn(*args)
        run.seconds[name] = run.seconds.get(name, 0.0) + time.perf_counter() - began

    def _since(self, project: str, sids: list[str]) -> int | None:
        rows = self.store.query(
            "SELECT min(started_at) AS t FROM sessions WHERE project = :project AND "
            + self.store.dialect.in_list("sid", "sids"),
            {"project": project, "sids": sids},
        )
        value = rows.column("t")[0].as_py()
        return None if value is None else int(value)

    def _clear_signals(self, s: Scope, params: dict[str, Any]) -> None:
        """Signals and scores carry the session's hash (``sk``), found on its features."""
        for table in ("signals", "session_frustration"):
            self._delete(table, f"project = :project {_mine(s)}", params)

    def _delete(self, table: str, where: str, params: dict[str, Any]) -> None:
        # Every stored micro-batch rewrites its sessions' rows: a frequent delete.
        self.store.delete_rows(table, where, params, often=True)

    def _insert_features(self, select: str) -> str:
        d = self.store.dialect
        fid = d.hash64("sid", "pv", "kind", "ts", "sel")
        keys = f"{fid} AS fid, {d.hash64('sid', 'pv')} AS pvk, {d.hash64('sid')} AS sk"
        extra = f"{keys}, {fp.page_of(d, 'path')} AS page"
        return (
            f"INSERT INTO signal_features (project, fid, pvk, sk, page, {COLUMNS}) "
            f"SELECT :project, {extra}, {COLUMNS} FROM ({select}) f"
        )

    @staticmethod
    def _insert(select: str, excluded: str) -> str:
        return (
            "INSERT INTO signals (project, fid, sk, signal, n) "
            f"SELECT :project, fid, sk, signal, n FROM ({select}) x WHERE NOT ({excluded})"
        )

    def _scores(self, s: Scope, params: dict[str, Any]) -> None:
        self.store.execute(
            "INSERT INTO session_frustration (project, sk, score, signals) "
            f"SELECT :project, sk, score, signals FROM ({score_sql(s)}) z",
            params,
        )


def session_issues(
    store: EventStore, control: ControlPlane, project: str, sids: list[str]
) -> dict[str, Any]:
    """sid → the frustration signals found in that session, as the Issues page names them
    ("Rage click on #accept-offer, /loan/*/offer"): the survey results show them beside
    each response."""
    if not sids:
        return {}
    rows = store.query(
        "SELECT f.sid AS sid, s.signal AS signal, f.sel AS sel, f.page AS page, "
        "count(*) AS n FROM signals s JOIN signal_features f "
        "ON f.project = s.project AND f.fid = s.fid "
        f"WHERE s.project = :p AND {store.dialect.in_list('f.sid', 'sids')} "
        "GROUP BY f.sid, s.signal, f.sel, f.page ORDER BY f.sid, s.signal, f.page, f.sel",
        {"p": project, "sids": list(sids)},
    ).to_pylist()
    found: dict[str, list[str]] = {}
    for r in rows:
        where = f"{r['sel']}, {r['page']}" if r["sel"] else str(r["page"])
        times = f" ×{r['n']}" if int(r["n"]) > 1 else ""
        found.setdefault(str(r["sid"]), []).append(f"{SIGNALS[r['signal']]}{times} on {where}")
    return {sid: "; ".join(items) for sid, items in found.items()}


surveys.register_context("issues", "Issues", session_issues)
