"""Privacy figures: PII incidents by page and selector, masking coverage, consent rates.

Incidents are the rows of ``privacy_catches`` (what the server masked, never
the value). Masking coverage is the share of sessions in which the server
had to catch nothing: the client's rules were enough. Both respect the
caller's access scope through the session filter.
"""

from __future__ import annotations

from typing import Any

from clearsight.privacy.advice import advise
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.filters import scoped_sessions_sql, session_where


def incidents(
    store: EventStore, scope: SessionFilter, since: int, until: int, limit: int = 500
) -> dict[str, Any]:
    """Totals, incidents per page, and per (page, selector, where, detector) with the fix."""
    scoped, params = scoped_sessions_sql(scope, store.dialect)
    where = f"ts >= :since AND ts < :until AND sid IN ({scoped})"
    params |= {"since": since, "until": until, "limit": limit}
    projects = _grouped(store, "project", where, params)
    pages = _grouped(store, "project, url", where, params)
    items = _grouped(
        store, "project, url, selector, location, detector", where, params, ", max(ts) AS last_seen"
    )
    return {
        "from": since,
        "to": until,
        "incidents": sum(int(p["incidents"]) for p in projects),
        "sessions": sum(int(p["sessions"]) for p in projects),
        "projects": projects,
        "pages": pages,
        "items": [_item(r) for r in items],
    }


def _grouped(
    store: EventStore, keys: str, where: str, params: dict[str, Any], extra: str = ""
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = store.query(
        f"SELECT {keys}, CAST(sum(count) AS BIGINT) AS incidents, "
        f"count(DISTINCT sid) AS sessions{extra} FROM privacy_catches WHERE {where} "
        f"GROUP BY {keys} ORDER BY incidents DESC, {keys} LIMIT :limit",
        params,
    ).to_pylist()
    return rows


def _item(row: dict[str, Any]) -> dict[str, Any]:
    where = row.pop("location")
    return row | {"where": where, "fix": advise(where, row["selector"])}


def coverage(store: EventStore, scope: SessionFilter) -> list[dict[str, Any]]:
    """Per project, of the sessions that started in the scope's period: how many,
    how many had something caught, and the share that had nothing."""
    where, params = session_where(scope, store.dialect)
    rows: list[dict[str, Any]] = store.query(
        "SELECT project, count(*) AS sessions, "
        "CAST(sum(CASE WHEN sid IN (SELECT sid FROM privacy_catches) THEN 1 ELSE 0 END) "
        "AS BIGINT) AS with_incidents "
        f"FROM sessions WHERE {where} GROUP BY project ORDER BY project",
        params,
    ).to_pylist()
    for row in rows:
        row["coverage"] = _share(row["sessions"] - row["with_incidents"], row["sessions"])
    return rows


def consent_rates(row: dict[str, Any]) -> dict[str, Any]:
    """Opt-in and opt-out rates of the banner decisions (grants against denials),
    and withdrawals against grants."""
    decided = row["granted"] + row["denied"]
    return row | {
        "opt_in_rate": _share(row["granted"], decided),
        "opt_out_rate": _share(row["denied"], decided),
        "withdrawal_rate": _share(row["withdrawn"], row["granted"]),
    }


def consent_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per project, the sums of the daily rows, with their rates."""
    per: dict[str, dict[str, Any]] = {}
    for row in rows:
        into = per.setdefault(
            row["project"],
            {"project": row["project"], "granted": 0, "denied": 0, "withdrawn": 0},
        )
        into.setdefault("refused_batches", 0)
        for key in ("granted", "denied", "withdrawn", "refused_batches"):
            into[key] += row[key]
    return [consent_rates(v) for _, v in sorted(per.items())]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def report_section(store: EventStore, since: int, until: int) -> dict[str, Any]:
    """The compliance report's block: per project, coverage, incidents and top leaks."""
    out: dict[str, Any] = {}
    period = SessionFilter(since=since, until=until)
    found = incidents(store, SessionFilter(), since, until, limit=1000)
    for row in coverage(store, period):
        project = row["project"]
        share = "n/a" if row["coverage"] is None else f"{row['coverage']:.1%}"
        out[f"{project}: masking coverage"] = (
            f"{share} of {row['sessions']} sessions needed no server-side masking "
            f"({row['with_incidents']} did)"
        )
    for totals in found["projects"]:
        project = totals["project"]
        out[f"{project}: PII incidents"] = (
            f"{totals['incidents']} values masked by the server in {totals['sessions']} sessions"
        )
        top = [i for i in found["items"] if i["project"] == project][:5]
        out[f"{project}: where to fix"] = "; ".join(
            f"{i['detector']} on {i['url'] or '(unknown page)'} at {i['selector'] or i['where']}"
            f" ({i['incidents']})"
            for i in top
        )
    if not out:
        out["incidents"] = "no sessions and no PII incidents in this period"
    return out
