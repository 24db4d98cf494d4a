"""The session filter as portable SQL, shared by every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from clearsight.store.base import SessionFilter, SessionPage, SessionSummary
from clearsight.store.signal_tables import with_score
from clearsight.store.sql import Dialect
from clearsight.urlglob import glob_to_regex, is_glob


def session_where(
    f: SessionFilter, d: Dialect, table: str = "sessions"
) -> tuple[str, dict[str, Any]]:
    """A WHERE clause over the sessions table, with its parameters."""
    clauses: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    if f.projects is not None:
        clauses.append(d.in_list(f"{table}.project", "f_projects"))
        params["f_projects"] = list(f.projects)
    if f.since is not None:
        clauses.append(f"{table}.started_at >= :f_since")
        params["f_since"] = f.since
    if f.until is not None:
        clauses.append(f"{table}.started_at < :f_until")
        params["f_until"] = f.until
    if f.min_duration_ms is not None:
        clauses.append(f"{table}.ended_at - {table}.started_at >= :f_min_dur")
        params["f_min_dur"] = f.min_duration_ms
    if f.max_duration_ms is not None:
        clauses.append(f"{table}.ended_at - {table}.started_at <= :f_max_dur")
        params["f_max_dur"] = f.max_duration_ms
    if f.sids is not None:
        clauses.append(d.in_list(f"{table}.sid", "f_sids"))
        params["f_sids"] = list(f.sids)
    if f.url:
        if is_glob(f.url):
            match = d.regex_full_match("path", ":f_url")
            params["f_url"] = glob_to_regex(f.url)
        elif "://" in f.url:
            match, params["f_url"] = "url = :f_url", f.url
        else:
            match, params["f_url"] = "path = :f_url", f.url
        clauses.append(f"{table}.sid IN (SELECT sid FROM pageviews WHERE {match})")
    if f.scope_urls is not None:
        if f.scope_urls:
            regex = "|".join(f"(?:{glob_to_regex(p)})" for p in f.scope_urls)
            params["f_scope_urls"] = regex
            match = d.regex_full_match("path", ":f_scope_urls")
            clauses.append(f"{table}.sid IN (SELECT sid FROM pageviews WHERE {match})")
        else:
            clauses.append("1 = 0")
    if f.signal:
        params["f_signal"] = f.signal
        clauses.append(
            f"{table}.sid IN (SELECT x.sid FROM signal_features x JOIN signals g "
            "ON g.fid = x.fid WHERE g.signal = :f_signal)"
        )
    if f.scope_segments is not None:
        params["f_scope_segments"] = list(f.scope_segments)
        member = d.in_list("segment", "f_scope_segments")
        clauses.append(f"{table}.sid IN (SELECT sid FROM segment_members WHERE {member})")
    _journeys(f, table, clauses, params)
    return " AND ".join(clauses), params


def _journeys(f: SessionFilter, table: str, clauses: list[str], params: dict[str, Any]) -> None:
    """Saved-segment membership and analyses' sub-queries (funnel stages, variants)."""
    if f.segment is not None:
        params["f_segment"] = f.segment
        clauses.append(
            f"{table}.sid IN (SELECT sid FROM segment_members WHERE segment = :f_segment)"
        )
    for sub in f.within:
        clauses.append(f"{table}.sid IN ({sub.sql})")
        params |= sub.params


def scoped_sessions_sql(f: SessionFilter, d: Dialect) -> tuple[str, dict[str, Any]]:
    """``SELECT sid FROM sessions WHERE …`` for analyses to restrict their rows with."""
    where, params = session_where(f, d)
    return f"SELECT sid FROM sessions WHERE {where}", params


def session_page(
    query: Callable[[str, dict[str, Any]], pa.Table], f: SessionFilter, d: Dialect, columns: str
) -> SessionPage:
    """One page of the session list in the filter's order, each session with its
    frustration score, and the count of all matches. ``query`` is the store's."""
    where, params = session_where(f, d)
    found = f"SELECT {columns}, count(*) OVER () AS total FROM sessions WHERE {where}"
    limit = "LIMIT :limit OFFSET :offset"
    if f.sort == "frustration":
        sql = f"{with_score(found, d)} ORDER BY frustration DESC, s.started_at DESC, s.sid {limit}"
    else:
        # The page first, then its scores: only one page of sessions is joined.
        newest = f"{found} ORDER BY started_at DESC, sid {limit}"
        sql = f"{with_score(newest, d)} ORDER BY s.started_at DESC, s.sid"
    per_page, page = max(1, min(f.per_page, 500)), max(1, f.page)
    rows = query(sql, params | {"limit": per_page, "offset": (page - 1) * per_page}).to_pylist()
    if rows:
        total = int(rows[0]["total"])
    else:
        counted = query(f"SELECT count(*) AS n FROM sessions WHERE {where}", params)
        total = int(counted.column("n")[0].as_py())
    items = [SessionSummary(**{k: v for k, v in r.items() if k != "total"}) for r in rows]
    return SessionPage(items=items, total=total, page=page, per_page=per_page)
