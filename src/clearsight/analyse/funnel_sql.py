"""The funnel as one portable query, fast on the common case and exact on every case.

Semantics (per session): t1 is the first match of step 1; tk is the first match
of step k at or after t(k-1), and at most the window after t1. The obvious
query, a chain of joins (sk = s(k-1) ⨝ matches of step k, grouped per
session), costs a hash join and a group-by per step, over every session.

This query instead reads the matches of all steps once (``m``: one row per
matching event, one boolean column per step) and pivots them in a single
group-by into each session's first match of every step, f1 … fN (``p``). When
those firsts are in order (f(k-1) ≤ fk), the chain's answer is exactly
tk = fk: the first match of step k overall is also the first one after
t(k-1). Only sessions whose firsts are out of order (say, a session that saw
the offer before the income page and again after it) need the chain, and it
runs over those sessions alone (``c1`` … ``cN``). Both kinds meet in ``w``: one
row per session (and breakdown group) with t1 … tN, NULL past where it
stopped.

ClickHouse note: ``w`` uses LEFT JOIN for the irregular sessions; the steps they
did not reach are NULL there because the ClickHouse store sets ``join_use_nulls``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.analyse import attributes
from clearsight.analyse.sqlbuild import Binder, glob_like
from clearsight.store.sql import Dialect
from clearsight.urlglob import glob_to_regex, is_glob

if TYPE_CHECKING:
    from clearsight.analyse.funnels import Bounds, Funnel, Step

SEGMENTS = "segments"


def url_match(glob: str, d: Dialect, bind: Binder) -> str:
    """True for a ``path`` the glob matches. Plain LIKE where that is exact (a third of the
    cost of a regular expression); otherwise the regex, only on rows the LIKE lets by."""
    if not is_glob(glob):
        return f"path = {bind(glob)}"
    exact = like_exact(glob)
    if exact is None:
        regex = d.regex_full_match("path", bind(glob_to_regex(glob)))
        return f"CASE WHEN path LIKE {bind(glob_like(glob))} THEN {regex} ELSE false END"
    like, unlike = exact
    if unlike is None:
        return f"path LIKE {bind(like)}"
    return f"(path LIKE {bind(like)} AND path NOT LIKE {bind(unlike)})"


def like_exact(glob: str) -> tuple[str, str | None] | None:
    """(LIKE, NOT LIKE) patterns that match exactly what the glob matches, when there are
    such: literal parts free of LIKE's own wildcards, and either only ``**`` (any
    characters) or one single ``*`` (no ``/``, which the NOT LIKE rules out)."""
    if any(c in glob for c in "%_?\\"):
        return None
    parts = glob.split("**")
    if all("*" not in p for p in parts):
        return "%".join(parts), None
    if len(parts) == 1 and glob.count("*") == 1:
        head, tail = glob.split("*")
        return f"{head}%{tail}", f"{head}%/%{tail}"
    return None


def matches_sql(
    funnel: Funnel, p: str, d: Dialect, bind: Binder, bounds: Bounds, only: str = ""
) -> str:
    """``SELECT sid, ts, m1 … mN``: every event that matches some step, flagged per step
    (of the sessions ``only`` selects, if given)."""
    steps = funnel.steps

    def flags(conds: dict[int, str]) -> str:
        return ", ".join(f"{conds.get(k, 'false')} AS m{k}" for k in range(1, len(steps) + 1))

    parts = []
    urls = {k: url_match(s.url, d, bind) for k, s in enumerate(steps, 1) if s.url}
    if urls:
        pre = " OR ".join(f"path LIKE {bind(glob_like(steps[k - 1].url))}" for k in urls)
        parts.append(
            f"SELECT sid, ts, {flags(urls)} FROM pageviews WHERE project = {p} "
            f"AND ({pre}){bounds.sql('ts', bind)}{_only('sid', only)}"
        )
    for column, table, alias in (("event", "custom_events", ""), ("server", "server_events", "e.")):
        named = {k: getattr(s, column) for k, s in enumerate(steps, 1) if getattr(s, column)}
        if not named:
            continue
        conds = {k: f"{alias}name = {bind(name)}" for k, name in named.items()}
        names = d.in_list(f"{alias}name", bind(sorted(set(named.values())))[1:])
        source = (
            f"FROM custom_events WHERE project = {p}"
            if table == "custom_events"
            else f"FROM server_events e JOIN ({attributes.identified_sql(p)}) c "
            f"ON c.uid = e.uid WHERE e.project = {p}"
        )
        sid, ts = ("sid", "ts") if not alias else ("c.sid", "e.ts")
        parts.append(
            f"SELECT {sid} AS sid, {ts} AS ts, {flags(conds)} {source} AND {names}"
            f"{bounds.sql(ts, bind)}{_only(sid, only)}"
        )
    return " UNION ALL ".join(parts)


def _only(column: str, only: str) -> str:
    return f" AND {column} IN ({only})" if only else ""


def group_sql(breakdown: str | None, project: str, d: Dialect, bind: Binder) -> tuple[str, str]:
    """(LEFT JOIN clause on alias ``p``, group expression)."""
    if breakdown is None:
        return "", "''"
    if breakdown == SEGMENTS:
        values = (
            f"SELECT sid, segment AS value FROM segment_members WHERE project = {bind(project)}"
        )
    else:
        values = attributes.attribute_sql(breakdown, project, d, bind)
    expr = f"CASE WHEN a.value IS NULL OR a.value = '' THEN '{attributes.NONE}' ELSE a.value END"
    return f" LEFT JOIN ({values}) a ON a.sid = p.sid", expr


def _in_order(n: int, window: str) -> list[str]:
    """r1 … rN: the session reached step k with every first match in order."""
    reached = ["f1 IS NOT NULL"]
    for k in range(2, n + 1):
        reached.append(
            f"{reached[-1]} AND f{k} IS NOT NULL AND f{k} >= f{k - 1} AND f{k} <= f1 + {window}"
        )
    return reached


def session_steps_sql(
    funnel: Funnel,
    project: str,
    scoped: str,
    d: Dialect,
    bind: Binder,
    bounds: Bounds,
    breakdown: str | None = None,
) -> str:
    """``WITH …, w AS (…)``: per session (and group) t1 … tN of the funnel, for the
    sessions ``scoped`` selects (empty: all of the project's)."""
    n = len(funnel.steps)
    p = bind(project)
    window = bind(funnel.window_minutes * 60_000)
    join, g = group_sql(breakdown, project, d, bind)
    firsts = ", ".join(f"min(CASE WHEN m{k} THEN ts END) AS f{k}" for k in range(1, n + 1))
    reached = _in_order(n, window)
    irregular = " OR ".join(
        f"({reached[k - 2]} AND f{k} IS NOT NULL AND f{k} < f{k - 1})" for k in range(2, n + 1)
    )
    fs = ", ".join(f"p.f{k} AS f{k}" for k in range(1, n + 1))
    ctes = [
        f"m AS ({matches_sql(funnel, p, d, bind, bounds)})",
        f"p AS (SELECT sid, {firsts} FROM m GROUP BY sid)",
        f"q AS (SELECT p.sid AS sid, {g} AS g, {fs}, CASE WHEN {irregular} THEN 1 ELSE 0 END "
        f"AS irr FROM p{join} WHERE p.f1 IS NOT NULL{_only('p.sid', scoped)})",
        "r AS (SELECT sid, g, f1 AS t1, "
        + ", ".join(f"CASE WHEN {reached[k - 1]} THEN f{k} END AS t{k}" for k in range(2, n + 1))
        + " FROM q WHERE irr = 0)",
        # The out-of-order sessions' matches, read again rather than kept from `m`: a second
        # reference would make the engine store every match of every session.
        "mi AS ("
        + matches_sql(funnel, p, d, bind, bounds, "SELECT sid FROM q WHERE irr = 1")
        + ")",
        *_chain(n, window),
        "w AS (SELECT * FROM r UNION ALL SELECT c1.sid AS sid, c1.g AS g, c1.t1 AS t1, "
        + ", ".join(f"c{k}.t AS t{k}" for k in range(2, n + 1))
        + " FROM c1"
        + "".join(
            f" LEFT JOIN c{k} ON c{k}.sid = c1.sid AND c{k}.g = c1.g" for k in range(2, n + 1)
        )
        + ")",
    ]
    return "WITH " + ", ".join(ctes)


def _chain(n: int, window: str) -> list[str]:
    """The exact chain, for the sessions whose first matches are out of order."""
    ctes = ["c1 AS (SELECT sid, g, f1 AS t1, f1 AS t FROM q WHERE irr = 1)"]
    for k in range(2, n + 1):
        ctes.append(
            f"c{k} AS (SELECT x.sid AS sid, x.g AS g, x.t1 AS t1, min(m.ts) AS t FROM c{k - 1} x "
            f"JOIN mi m ON m.sid = x.sid WHERE m.m{k} AND m.ts >= x.t "
            f"AND m.ts <= x.t1 + {window} GROUP BY x.sid, x.g, x.t1)"
        )
    return ctes


def counts_sql(n: int, d: Dialect) -> str:
    """Per group: n1 … nN sessions that reached each step, d2 … dN median ms from the
    previous step (to be appended to ``session_steps_sql``)."""
    counts = ", ".join(f"count(t{k}) AS n{k}" for k in range(1, n + 1))
    medians = "".join(f", {d.quantile(f't{k} - t{k - 1}', 0.5)} AS d{k}" for k in range(2, n + 1))
    return f"SELECT g, {counts}{medians} FROM w GROUP BY g"


def step_match_sql(step: Step, p: str, d: Dialect, bind: Binder) -> str:
    """``SELECT sid, ts`` of one step's matches (the dashboard's "started" sessions)."""
    if step.url:
        return (
            f"SELECT sid, ts FROM pageviews WHERE project = {p} AND {url_match(step.url, d, bind)}"
        )
    if step.event:
        return (
            f"SELECT sid, ts FROM custom_events WHERE project = {p} AND name = {bind(step.event)}"
        )
    return (
        f"SELECT c.sid AS sid, e.ts AS ts FROM server_events e JOIN "
        f"({attributes.identified_sql(p)}) c ON c.uid = e.uid WHERE e.project = {p} "
        f"AND e.name = {bind(step.server)}"
    )
