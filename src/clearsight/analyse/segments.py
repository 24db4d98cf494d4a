"""Saved segments: conditions on session attributes, and their materialised membership.

A segment means the same set of sessions in every view because every view
reads the same table, ``segment_members`` (migration 002), which this module
keeps in step with the definitions and the data:

- saving a segment recomputes its members (``refresh``);
- an import of customer attributes recomputes every segment of the project;
- newly stored batches recompute the touched sessions only
  (``membership.Membership``, an after-apply hook of the spool).

Views apply a saved segment with ``SessionFilter(segment=<id>)`` (the sessions
list, funnels, experiments, the dashboard; see ``store/filters.py``), or, in
SQL of their own, with ``members_sql``. Access scopes
(``Access.segments``) read the same table.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Literal

import msgspec

from clearsight.analyse import attributes
from clearsight.analyse.definitions import Saved
from clearsight.analyse.sqlbuild import Binder
from clearsight.errors import BadRequest
from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.store.sql import Dialect

log = logging.getLogger("clearsight.segments")

Op = Literal["is", "is_not", "in", "not_in", "gte", "lte", "exists", "missing"]


class Condition(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    attribute: str
    op: Op = "is"
    value: str | float | list[str] | None = None


class Segment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: str = ""
    description: str = ""
    conditions: list[Condition] = []
    """All must hold (AND). No conditions: every session."""


def saved(control: ControlPlane) -> Saved[Segment]:
    return Saved(control, "segment", Segment)


def save(
    store: EventStore,
    control: ControlPlane,
    auditor: Auditor,
    access: Access,
    project: str,
    segment: Segment,
) -> int:
    """Validate, store, compute the members of, and audit a segment. Returns its size."""
    saved(control).put(project, segment.id, validate(segment))
    members = refresh(store, project, segment)
    detail = {"conditions": len(segment.conditions), "members": members}
    auditor.record(access, "segments.save", f"segment:{segment.id}", project=project, detail=detail)
    return members


def validate(segment: Segment) -> Segment:
    if len(segment.conditions) > 20:
        raise BadRequest("too-many-conditions", "a segment has at most 20 conditions")
    for c in segment.conditions:
        attributes.check(c.attribute)
        wants_list = c.op in ("in", "not_in")
        if c.op in ("exists", "missing"):
            continue
        if wants_list != isinstance(c.value, list) or c.value is None:
            shape = "a list of strings" if wants_list else "a single value"
            raise BadRequest(
                "invalid-condition", f"`{c.attribute}` {c.op} needs {shape} as `value`"
            )
        if c.op in ("gte", "lte") and not isinstance(c.value, int | float):
            raise BadRequest("invalid-condition", f"`{c.op}` compares with a number")
    return segment


def _predicate(c: Condition, d: Dialect, bind: Binder) -> str:
    if c.op in ("is", "is_not"):
        return f"value {'=' if c.op == 'is' else '<>'} {bind(str(c.value))}"
    if c.op in ("in", "not_in"):
        values = [str(v) for v in c.value] if isinstance(c.value, list) else []
        inside = d.in_list("value", bind(values)[1:])
        return inside if c.op == "in" else f"NOT {inside}"
    if c.op in ("gte", "lte"):
        return f"{d.to_number('value')} {'>=' if c.op == 'gte' else '<='} {bind(c.value)}"
    return "1 = 1"


def segment_sql(
    segment: Segment,
    project: str,
    d: Dialect,
    bind: Binder,
    where: attributes.Where = attributes._no_restriction,
) -> str:
    """``SELECT sid`` of the sessions the definition selects now (not the stored members)."""
    p = bind(project)
    clauses = [f"project = {p}", where("s")]
    for c in segment.conditions:
        values = attributes.attribute_sql(c.attribute, project, d, bind, where)
        members = f"SELECT sid FROM ({values}) a WHERE {_predicate(c, d, bind)}"
        clauses.append(f"sid {'NOT IN' if c.op == 'missing' else 'IN'} ({members})")
    return f"SELECT sid FROM sessions s WHERE {' AND '.join(clauses)}"


def members_sql(segment_id: str, bind: Binder) -> str:
    """``SELECT sid`` of a saved segment's stored members: what views filter with."""
    return f"SELECT sid FROM segment_members WHERE segment = {bind(segment_id)}"


_write = threading.Lock()


def refresh(store: EventStore, project: str, segment: Segment) -> int:
    """Recompute a segment's members from scratch. Returns how many there are."""
    bind = Binder("sg")
    sql = segment_sql(segment, project, store.dialect, bind)
    keys = {"mp": project, "ms": segment.id}
    with _write:
        store.delete_rows("segment_members", "project = :mp AND segment = :ms", keys)
        store.execute(
            f"INSERT INTO segment_members (project, segment, sid) SELECT :mp, :ms, sid "
            f"FROM ({sql}) m",
            keys | bind.params,
        )
    return count(store, project, segment.id)


def forget(store: EventStore, project: str, segment_id: str) -> None:
    with _write:
        store.delete_rows(
            "segment_members", "project = :mp AND segment = :ms", {"mp": project, "ms": segment_id}
        )


def count(store: EventStore, project: str, segment_id: str) -> int:
    found = store.query(
        "SELECT count(*) AS n FROM segment_members WHERE project = :p AND segment = :s",
        {"p": project, "s": segment_id},
    )
    return int(found.column("n")[0].as_py())


def listing(store: EventStore, control: ControlPlane, project: str) -> list[dict[str, Any]]:
    """Saved segments with their member counts."""
    out = []
    for s in saved(control).list(project):
        item: dict[str, Any] = msgspec.to_builtins(s)
        out.append(item | {"members": count(store, project, s.id)})
    return out


def refresh_project(store: EventStore, control: ControlPlane, project: str) -> dict[str, int]:
    return {s.id: refresh(store, project, s) for s in saved(control).list(project)}


def update_sessions(
    store: EventStore, project: str, segments: list[Segment], sids: list[str]
) -> None:
    d = store.dialect
    keys = {"mp": project, "msids": sids}
    only = d.in_list("{alias}.sid", "msids")

    def where(alias: str) -> str:
        return only.replace("{alias}", alias)

    with _write:
        store.delete_rows("segment_members", f"project = :mp AND {d.in_list('sid', 'msids')}", keys)
        for segment in segments:
            bind = Binder("su")
            sql = segment_sql(segment, project, d, bind, where)
            store.execute(
                "INSERT INTO segment_members (project, segment, sid) "
                f"SELECT :mp, {bind(segment.id)}, sid FROM ({sql}) m",
                keys | bind.params,
            )
