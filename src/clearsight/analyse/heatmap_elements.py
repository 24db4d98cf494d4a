"""Per-element statistics: the ranking, clicks against conversion, and the regulatory layer.

The ranking counts, per element, clicks, page views with a click on it (and
their share of all page views of the map) and unique sessions. Elements in
fixed or sticky containers are marked ``sticky`` and left out of the rank:
a header that follows the visitor soaks up clicks that are not engagement
with the page.
"""

from __future__ import annotations

import csv
import io
from statistics import median
from typing import Any

from clearsight.analyse.conversion import converted_sids_sql
from clearsight.analyse.heatmap_query import (
    CLICK_LAYERS,
    HeatQuery,
    layer_where,
    view_where,
)
from clearsight.store.base import EventStore

QUADRANTS = {
    (True, False): "Many clicks, low conversion: the content needs work",
    (True, True): "Many clicks, high conversion: it works, keep it",
    (False, True): "Few clicks, high conversion: make it easier to find",
    (False, False): "Few clicks, low conversion: low priority",
}
MIN_QUADRANT_SESSIONS = 5
"""Fewer clicking sessions than this and an element gets no quadrant: too few to judge."""

CONSENT_TAGS = ("input", "label")
PV = "(sid || '/' || pv)"
"""A page view: its id is unique only within its session."""
DISCLOSURE_TAGS = ("summary", "details")


def _conv(q: HeatQuery, store: EventStore) -> tuple[str, dict[str, Any]]:
    return converted_sids_sql(q.goal, store.dialect)


def _totals(store: EventStore, q: HeatQuery) -> dict[str, Any]:
    where, params = view_where(q, store.dialect)
    conv, cp = _conv(q, store)
    row = store.query(
        "SELECT count(*) AS views, count(DISTINCT sid) AS sessions, "
        f"count(DISTINCT CASE WHEN sid IN ({conv}) THEN sid END) AS converted "
        f"FROM heat_views WHERE {where}",
        params | cp,
    ).to_pylist()[0]
    return {k: int(v or 0) for k, v in row.items()}


def ranking(store: EventStore, q: HeatQuery) -> dict[str, Any]:
    """Every clicked element with its statistics, ranked among page (non-sticky) elements."""
    d = store.dialect
    where, params = view_where(q, d)
    layer, lp = layer_where(q, d)
    reg, rp = CLICK_LAYERS["regulatory"](q, d)
    conv, cp = _conv(q, store)
    sql = (
        f"SELECT sel, min(tag) AS tag, max(CASE WHEN fixed THEN 1 ELSE 0 END) AS sticky, "
        f"max(CASE WHEN {reg} THEN 1 ELSE 0 END) AS regulatory, count(*) AS clicks, "
        f"count(DISTINCT {PV}) AS views, count(DISTINCT sid) AS sessions, "
        f"count(DISTINCT CASE WHEN sid IN ({conv}) THEN sid END) AS converted "
        f"FROM heat_clicks WHERE {where} AND {layer} GROUP BY sel "
        "ORDER BY views DESC, clicks DESC, sel"
    )
    rows = store.query(sql, params | lp | rp | cp).to_pylist()
    totals = _totals(store, q)
    elements = [_element(r, totals) for r in rows]
    rank = 0
    for e in elements:
        if e["layer"] != "sticky":
            rank += 1
            e["rank"] = rank
    if q.goal.url_pattern:
        _quadrants(elements, totals)
    return {"totals": totals, "elements": elements, "goal": q.goal.url_pattern}


def _element(r: dict[str, Any], totals: dict[str, int]) -> dict[str, Any]:
    layer = "sticky" if r["sticky"] else "regulatory" if r["regulatory"] else "page"
    sessions = int(r["sessions"])
    return {
        "rank": None,
        "sel": r["sel"],
        "tag": r["tag"],
        "layer": layer,
        "regulatory": bool(r["regulatory"]),
        "clicks": int(r["clicks"]),
        "views": int(r["views"]),
        "share": round(int(r["views"]) / totals["views"], 4) if totals["views"] else 0.0,
        "sessions": sessions,
        "conversion": round(int(r["converted"]) / sessions, 4) if sessions else 0.0,
        "quadrant": None,
    }


def _quadrants(elements: list[dict[str, Any]], totals: dict[str, Any]) -> None:
    """Split at the median click share of page elements and at the page's conversion rate."""
    judged = [e for e in elements if e["sessions"] >= MIN_QUADRANT_SESSIONS]
    shares = [e["share"] for e in judged if e["layer"] != "sticky"] or [e["share"] for e in judged]
    if not shares:
        return
    click_cut = median(shares)
    conv_cut = totals["converted"] / totals["sessions"] if totals["sessions"] else 0.0
    totals["click_share_cut"] = click_cut
    totals["conversion_cut"] = round(conv_cut, 4)
    for e in judged:
        e["quadrant"] = QUADRANTS[(e["share"] >= click_cut, e["conversion"] >= conv_cut)]


def regulatory(store: EventStore, q: HeatQuery) -> dict[str, Any]:
    """Regulatory elements: time to tick consent, and the share of visitors who open a
    disclosure (of the visitors who saw the page)."""
    d = store.dialect
    where, params = view_where(q, d)
    vwhere, _ = view_where(q, d, alias="v")
    reg, rp = CLICK_LAYERS["regulatory"](q, d)
    sql = f"""
        WITH v AS (SELECT sid, pv, min(ts) AS vts FROM heat_views WHERE {where} GROUP BY sid, pv),
        c AS (SELECT sel, min(tag) AS tag, sid, pv, min(ts) AS cts FROM heat_clicks
              WHERE {where} AND {reg} GROUP BY sel, sid, pv)
        SELECT c.sel AS sel, min(c.tag) AS tag, count(*) AS views,
               count(DISTINCT s.vid) AS visitors,
               {d.quantile("c.cts - v.vts", 0.5)} AS median_ms,
               {d.quantile("c.cts - v.vts", 0.9)} AS p90_ms
        FROM c JOIN v ON v.sid = c.sid AND v.pv = c.pv
        JOIN (SELECT sid, vid FROM sessions WHERE project = :project) s ON s.sid = c.sid
        WHERE c.cts >= v.vts GROUP BY c.sel ORDER BY visitors DESC, c.sel"""
    rows = store.query(sql, params | rp).to_pylist()
    seen = store.query(
        "SELECT count(DISTINCT s.vid) AS visitors FROM heat_views v "
        "JOIN (SELECT sid, vid FROM sessions WHERE project = :project) s ON s.sid = v.sid "
        f"WHERE {vwhere}",
        params,
    ).column("visitors")
    visitors = int(seen[0].as_py() or 0)
    return {"visitors": visitors, "elements": [_regulatory_row(r, visitors) for r in rows]}


def _regulatory_row(r: dict[str, Any], visitors: int) -> dict[str, Any]:
    tag = str(r["tag"])
    kind = "consent" if tag in CONSENT_TAGS else "disclosure" if tag in DISCLOSURE_TAGS else "other"
    out: dict[str, Any] = {
        "sel": r["sel"],
        "tag": tag,
        "kind": kind,
        "views": int(r["views"]),
        "visitors": int(r["visitors"]),
        "share_of_visitors": round(int(r["visitors"]) / visitors, 4) if visitors else 0.0,
    }
    if kind == "consent":
        out["time_to_tick_ms"] = {"median": round(r["median_ms"]), "p90": round(r["p90_ms"])}
    return out


CSV_COLUMNS = [
    "rank",
    "selector",
    "tag",
    "layer",
    "regulatory",
    "clicks",
    "views_with_click",
    "share_of_views",
    "sessions",
    "conversion_of_clickers",
    "quadrant",
]


def ranking_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in result["elements"]:
        writer.writerow(
            [
                e["rank"] if e["rank"] is not None else "",
                _safe(e["sel"]),
                e["tag"],
                e["layer"],
                "yes" if e["regulatory"] else "no",
                e["clicks"],
                e["views"],
                e["share"],
                e["sessions"],
                e["conversion"] if result["goal"] else "",
                e["quadrant"] or "",
            ]
        )
    return out.getvalue()


def _safe(cell: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: defuse them."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell
