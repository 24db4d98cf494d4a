"""Funnels: ordered steps, conversion and drop-off per step, in one portable query.

The unit is the session. Step 1 is the session's first match of step 1 within
the filter; step k is the first match of step k at or after the time of step
k-1 and at most ``window_minutes`` after step 1. A step matches

- ``url``: a page view whose path matches a glob (``/loan/*/income``);
- ``event``: a capture event of that name (``clearsight.track(name)``);
- ``server``: a server-side event of that name (``POST /api/v1/events``) for the
  customer the session was identified with, so a funnel can end where the
  customer never sees a page (approved, disbursed).

``funnel_sql`` builds the query (one pass over the matches, see there). Per
step it yields the sessions that reached it and the median time from the
previous step; a breakdown groups sessions by an attribute's value, or by
saved-segment membership (groups may then overlap).
"""

from __future__ import annotations

from typing import Any

import msgspec

from clearsight.analyse import funnel_sql, surveys
from clearsight.analyse.definitions import Saved
from clearsight.analyse.sqlbuild import Binder
from clearsight.errors import BadRequest
from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor
from clearsight.store.base import EventStore, SessionFilter, SubQuery
from clearsight.store.control import ControlPlane
from clearsight.store.filters import scoped_sessions_sql
from clearsight.store.sql import Dialect, json_key

MAX_STEPS = 10
SEGMENTS = funnel_sql.SEGMENTS
"""Breakdown by saved-segment membership: one group per segment (groups may overlap)."""


class Step(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    label: str
    url: str = ""
    """A page-path glob: ``*`` within a segment, ``**`` across."""
    event: str = ""
    """A capture event's name."""
    server: str = ""
    """A server-side event's name."""

    @property
    def kind(self) -> str:
        return "url" if self.url else "event" if self.event else "server"

    @property
    def match(self) -> str:
        return self.url or self.event or self.server


class Funnel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: str
    steps: list[Step]
    window_minutes: int = 7 * 24 * 60
    """Every step must happen within this long after step 1."""
    description: str = ""


def saved(control: ControlPlane) -> Saved[Funnel]:
    return Saved(control, "funnel", Funnel)


def save(
    control: ControlPlane, auditor: Auditor, access: Access, project: str, funnel: Funnel
) -> Funnel:
    """Validate, store and audit a funnel definition."""
    saved(control).put(project, funnel.id, validate(funnel))
    detail = {"steps": len(funnel.steps)}
    auditor.record(access, "funnels.save", f"funnel:{funnel.id}", project=project, detail=detail)
    return funnel


def validate(funnel: Funnel) -> Funnel:
    if not 2 <= len(funnel.steps) <= MAX_STEPS:
        raise BadRequest("invalid-funnel", f"a funnel has 2 to {MAX_STEPS} steps")
    if not 1 <= funnel.window_minutes <= 366 * 24 * 60:
        raise BadRequest("invalid-funnel", "`window_minutes` is 1 to 527040 (a year)")
    for n, step in enumerate(funnel.steps, 1):
        if sum(bool(v) for v in (step.url, step.event, step.server)) != 1:
            raise BadRequest(
                "invalid-step", f"step {n} needs exactly one of `url`, `event` or `server`"
            )
        if step.url and not step.url.startswith("/"):
            raise BadRequest("invalid-step", f"step {n}: `url` is a path glob starting with /")
        try:
            if not step.url:
                json_key(step.match)
        except ValueError:
            raise BadRequest(
                "invalid-step", f"step {n}: event names use letters, digits and _.:-"
            ) from None
    return funnel


class Bounds(msgspec.Struct, frozen=True):
    """Event-time bounds that let the engine skip old and future rows."""

    lo: int | None = None
    hi: int | None = None

    @classmethod
    def of(cls, f: SessionFilter, funnel: Funnel) -> Bounds:
        hi = None if f.until is None else f.until + funnel.window_minutes * 60_000
        return cls(f.since, hi)

    def sql(self, column: str, bind: Binder) -> str:
        out = ""
        if self.lo is not None:
            out += f" AND {column} >= {bind(self.lo)}"
        if self.hi is not None:
            out += f" AND {column} < {bind(self.hi)}"
        return out


def stage_sql(
    funnel: Funnel, project: str, step: int, outcome: str, d: Dialect, bind: Binder
) -> str:
    """``SELECT sid`` of the sessions that reached ``step`` (``reached``) or reached it and
    went no further (``dropped``), over all of the project's sessions."""
    if not 1 <= step <= len(funnel.steps):
        raise BadRequest("invalid-step", f"the funnel has steps 1 to {len(funnel.steps)}")
    steps = funnel_sql.session_steps_sql(funnel, project, "", d, bind, Bounds())
    if outcome == "reached" or step == len(funnel.steps):
        return f"{steps} SELECT sid FROM w WHERE t{step} IS NOT NULL"
    return f"{steps} SELECT sid FROM w WHERE t{step} IS NOT NULL AND t{step + 1} IS NULL"


def stage_filter(funnel: Funnel, project: str, step: int, outcome: str, d: Dialect) -> SubQuery:
    bind = Binder("fs")
    return SubQuery(stage_sql(funnel, project, step, outcome, d, bind), bind.params)


def run(
    store: EventStore,
    funnel: Funnel,
    project: str,
    f: SessionFilter,
    breakdown: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per group: the steps with sessions, conversion, drop-off and median time to next."""
    d = store.dialect
    scoped, params = scoped_sessions_sql(f, d)
    if _whole_project(f, project):
        scoped, params = "", {}  # every match is of the project's sessions already
    bind = Binder("fn")
    bounds = Bounds.of(f, funnel)
    sql = funnel_sql.session_steps_sql(funnel, project, scoped, d, bind, bounds, breakdown)
    rows = store.query(
        sql + " " + funnel_sql.counts_sql(len(funnel.steps), d), params | bind.params
    )
    out = {}
    for r in rows.to_pylist():
        found = {k: (int(r[f"n{k}"]), r.get(f"d{k}")) for k in range(1, len(funnel.steps) + 1)}
        out[str(r["g"])] = shape(funnel, found)
    return dict(sorted(out.items()))


def _whole_project(f: SessionFilter, project: str) -> bool:
    plain = SessionFilter(projects=(project,), page=f.page, per_page=f.per_page)
    return f == plain


def shape(funnel: Funnel, found: dict[int, tuple[int, float | None]]) -> list[dict[str, Any]]:
    n = [found.get(k, (0, None))[0] for k in range(1, len(funnel.steps) + 1)]
    out = []
    for i, step in enumerate(funnel.steps):
        nxt = n[i + 1] if i + 1 < len(n) else None
        med = found.get(i + 2, (0, None))[1] if nxt is not None else None
        out.append(
            {
                "index": i + 1,
                "label": step.label,
                "kind": step.kind,
                "match": step.match,
                "sessions": n[i],
                "conversion": _ratio(n[i], n[0]),
                "from_previous": _ratio(n[i], n[i - 1]) if i else 1.0 if n[0] else None,
                "dropped": None if nxt is None else n[i] - nxt,
                "drop_off": None if nxt is None else _ratio(n[i] - nxt, n[i]),
                "median_ms_to_next": None if med is None else round(med),
            }
        )
    return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def furthest_steps(
    store: EventStore, control: ControlPlane, project: str, sids: list[str]
) -> dict[str, Any]:
    """sid → the furthest step of the project's primary funnel (its first by id) that the
    session reached, as "k. label": the survey results show it beside each response."""
    found = saved(control).list(project)
    if not found or not sids:
        return {}
    funnel, d, bind = found[0], store.dialect, Binder("fx")
    only = f"SELECT sid FROM sessions WHERE {d.in_list('sid', bind(sids)[1:])}"
    steps = funnel_sql.session_steps_sql(funnel, project, only, d, bind, Bounds())
    n = len(funnel.steps)
    reached = " ".join(f"WHEN t{k} IS NOT NULL THEN {k}" for k in range(n, 0, -1))
    rows = store.query(f"{steps} SELECT sid, CASE {reached} END AS k FROM w", bind.params)
    return {
        str(r["sid"]): f"{r['k']}. {funnel.steps[int(r['k']) - 1].label}"
        for r in rows.to_pylist()
        if r["k"]
    }


surveys.register_context("funnel_step", "Furthest funnel step", furthest_steps)
