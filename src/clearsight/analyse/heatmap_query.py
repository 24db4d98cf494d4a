"""What one heatmap asks for, and the WHERE clauses that say it in portable SQL.

Two tables of rules decide what a filter means; each is the extension point
for work that lands later:

- ``SESSION_FILTERS``: filters on whole sessions (new vs returning, converted,
  segment). Each turns a value into ``SELECT sid ...`` and rows are kept when
  their ``sid`` is in it. Segment attributes (the journeys issue) plug in here.
- ``CLICK_LAYERS``: which clicks a layer shows, as a predicate over heat_clicks
  columns (``sel``, ``fixed``, ``reg``, ``sid``, ``pv``, ``ts``). Frustration
  layers (rage, dead and error clicks, the friction issue) plug in here with
  ``register_layer``; see docs/heatmaps.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from clearsight.analyse.conversion import Goal, converted_sids_sql
from clearsight.errors import BadRequest
from clearsight.store.sql import Dialect

BUCKETS = ("mobile", "tablet", "desktop")
"""Viewport buckets by width: mobile < 768, tablet 768–1199, desktop >= 1200 CSS px."""

KINDS = ("click", "move", "scroll", "attention")


class HeatQuery(msgspec.Struct, frozen=True, kw_only=True):
    project: str
    pages: tuple[int, ...]
    bucket: int
    since: int | None = None
    until: int | None = None
    device: str | None = None
    visitor: str | None = None
    """``new`` or ``returning``."""
    converted: str | None = None
    """``yes`` or ``no``."""
    segment: str | None = None
    layer: str = "all"
    scope_sql: str | None = None
    """``SELECT sid ...`` of the sessions the caller may see; None when unlimited."""
    scope_params: dict[str, Any] = {}
    goal: Goal = Goal()
    regulatory_selectors: tuple[str, ...] = ()


Clause = tuple[str, dict[str, Any]]
SessionFilter = Callable[[HeatQuery, Dialect], Clause | None]


def _visitor(q: HeatQuery, d: Dialect) -> Clause | None:
    if q.visitor is None:
        return None
    # A visitor's first stored session is "new"; every later one is "returning".
    op = "=" if q.visitor == "new" else ">"
    return (
        "SELECT sid FROM (SELECT sid, row_number() OVER (PARTITION BY vid "
        "ORDER BY started_at, sid) AS nth FROM sessions WHERE project = :project) AS firsts "
        f"WHERE nth {op} 1",
        {},
    )


def _converted(q: HeatQuery, d: Dialect) -> Clause | None:
    if q.converted is None:
        return None
    sql, params = converted_sids_sql(q.goal, d)
    if q.converted == "yes":
        return sql, params
    return f"SELECT sid FROM sessions WHERE project = :project AND sid NOT IN ({sql})", params


def _member(table: str, column: str, field: str) -> SessionFilter:
    """Sessions with a row in ``table`` whose ``column`` is the query's ``field``."""

    def build(q: HeatQuery, d: Dialect) -> Clause | None:
        value = getattr(q, field)
        if value is None:
            return None
        sql = f"SELECT sid FROM {table} WHERE project = :project AND {column} = :{field}"
        return sql, {field: value}

    return build


def _scope(q: HeatQuery, d: Dialect) -> Clause | None:
    return None if q.scope_sql is None else (q.scope_sql, q.scope_params)


SESSION_FILTERS: dict[str, SessionFilter] = {
    "scope": _scope,
    # the session's device class, from its user agent (the bucket is the page's width)
    "device": _member("sessions", "device", "device"),
    "visitor": _visitor,
    "converted": _converted,
    # membership as the journeys work materialises it (migration 002): a segment
    # means the same sessions here as in every other view
    "segment": _member("segment_members", "segment", "segment"),
}

LayerPredicate = Callable[[HeatQuery, Dialect], Clause]


def _regulatory(q: HeatQuery, d: Dialect) -> Clause:
    if not q.regulatory_selectors:
        return "reg", {}
    regex = "|".join(f"(?:{_re_escape(s)})(?:>.*)?" for s in q.regulatory_selectors)
    return f"(reg OR {d.regex_full_match('sel', ':reg_rx')})", {"reg_rx": regex}


CLICK_LAYERS: dict[str, LayerPredicate] = {
    # everything clicked
    "all": lambda q, d: ("1 = 1", {}),
    # page content: what scrolls with the document
    "page": lambda q, d: ("NOT fixed", {}),
    # fixed and sticky containers (headers, floating buttons), placed on the viewport
    "sticky": lambda q, d: ("fixed", {}),
    # [data-cs-regulatory] and the project's regulatory selectors
    "regulatory": _regulatory,
}


def _signal(name: str) -> LayerPredicate:
    """Clicks on which the friction analysis found ``name`` (analyse/signals.py): a signal
    row points at the feature it was found on, which carries its click's session and time."""

    def build(q: HeatQuery, d: Dialect) -> Clause:
        return (
            "(sid, ts) IN (SELECT f.sid, f.ts FROM signal_features f JOIN signals s "
            "ON s.project = f.project AND s.fid = f.fid "
            "WHERE f.project = :project AND s.signal = :layer_signal)",
            {"layer_signal": name},
        )

    return build


# frustration layers: rage, dead and error clicks as the issues page counts them
CLICK_LAYERS |= {
    "rage": _signal("rage_click"),
    "dead": _signal("dead_click"),
    "error": _signal("error_click"),
}


def register_layer(name: str, predicate: LayerPredicate) -> None:
    """Add a click layer (e.g. ``rage``): ``predicate`` returns SQL over heat_clicks."""
    CLICK_LAYERS[name] = predicate


def _re_escape(text: str) -> str:
    return "".join("\\" + c if not (c.isalnum() or c in "_-") else c for c in text)


def rows_where(q: HeatQuery, d: Dialect, *, alias: str = "", sessions: bool = True) -> Clause:
    """Rows of one heat table (``alias.``-qualified) that this query covers, layer aside."""
    a = f"{alias}." if alias else ""
    # Page numbers are integers from heat_pages, written into the SQL as literals: a
    # constant comparison lets the engine skip the row groups of other pages.
    pages = ", ".join(str(int(p)) for p in q.pages) or "-1"
    parts = [f"{a}project = :project", f"{a}page IN ({pages})"]
    params: dict[str, Any] = {"project": q.project}
    if q.since is not None:
        parts.append(f"{a}ts >= {int(q.since)}")
    if q.until is not None:
        parts.append(f"{a}ts < {int(q.until)}")
    if sessions:
        for build in SESSION_FILTERS.values():
            found = build(q, d)
            if found is not None:
                parts.append(f"{a}sid IN ({found[0]})")
                params |= found[1]
    return " AND ".join(parts), params


def view_where(q: HeatQuery, d: Dialect, alias: str = "") -> Clause:
    """Rows of heat_views/heat_clicks/heat_moves (which carry the viewport bucket)."""
    a = f"{alias}." if alias else ""
    sql, params = rows_where(q, d, alias=alias)
    return f"{sql} AND {a}bucket = {int(q.bucket)}", params


def layer_where(q: HeatQuery, d: Dialect) -> Clause:
    try:
        return CLICK_LAYERS[q.layer](q, d)
    except KeyError:
        raise BadRequest(
            "invalid-parameter", f"`layer` must be one of: {', '.join(CLICK_LAYERS)}"
        ) from None


def bucket_of(name: str) -> int:
    try:
        return BUCKETS.index(name)
    except ValueError:
        raise BadRequest(
            "invalid-parameter", f"`bucket` must be one of: {', '.join(BUCKETS)}"
        ) from None
