"""The four maps: click, move (hover dwell), scroll depth and attention.

Click and move maps are anchored to elements: each point is a cell of a
GRID x GRID grid inside its element (from the rx/ry the capture script sends),
so the renderer places it on that element's live box in the rebuilt page,
whatever the width. Each point also carries the mean recorded page position
(``ax``, ``ay`` at width ``aw``): the pixel fallback, used only when the
element no longer exists. Sticky-layer positions are viewport coordinates.

Scroll and attention maps are bands of the document height (``BANDS`` of
them), so pages of different heights within a bucket add up.
"""

from __future__ import annotations

import weakref
from typing import Any

import msgspec

from clearsight.analyse.heatmap_query import (
    BUCKETS,
    HeatQuery,
    layer_where,
    rows_where,
    view_where,
)
from clearsight.store.base import EventStore

GRID = 12
BANDS = 20
IDLE_CAP_MS = 30_000
"""A stretch of unchanged scroll position counts as attention for at most this long:
a tab left open is not reading."""


Counts = dict[str, dict[str, int]]
_counted: weakref.WeakKeyDictionary[Any, dict[bytes, tuple[int, Counts]]] = (
    weakref.WeakKeyDictionary()
)
COUNTS_KEPT = 512


def bucket_counts(store: EventStore, q: HeatQuery) -> Counts:
    """Page views and sessions per viewport bucket (filters applied, bucket aside).

    Kept until any page view is stored or deleted: they are the same for every kind
    and layer of a map, which people flip through, and the exact distinct count of
    sessions costs about as much as a click map itself."""
    generation = int(store.query("SELECT count(*) AS n FROM heat_views").column("n")[0].as_py())
    key = msgspec.json.encode(msgspec.structs.replace(q, bucket=0, layer="all"))
    kept = _counted.setdefault(store, {})
    found = kept.get(key)
    if found is not None and found[0] == generation:
        return found[1]
    counts = _count_buckets(store, q)
    if len(kept) >= COUNTS_KEPT:
        kept.clear()
    kept[key] = (generation, counts)
    return counts


def _count_buckets(store: EventStore, q: HeatQuery) -> Counts:
    where, params = rows_where(q, store.dialect)
    rows = store.query(
        "SELECT bucket, count(*) AS views, count(DISTINCT sid) AS sessions "
        f"FROM heat_views WHERE {where} GROUP BY bucket",
        params,
    ).to_pylist()
    out = {name: {"views": 0, "sessions": 0} for name in BUCKETS}
    for r in rows:
        out[BUCKETS[int(r["bucket"])]] = {"views": int(r["views"]), "sessions": int(r["sessions"])}
    return out


def most_common_bucket(counts: dict[str, dict[str, int]]) -> int:
    best = max(BUCKETS, key=lambda b: (counts[b]["views"], -BUCKETS.index(b)))
    return BUCKETS.index(best)


POINT_COLUMNS = ("sel", "fixed", "gx", "gy", "n", "w", "ax", "ay", "aw")


def _points(store: EventStore, q: HeatQuery, table: str, weight: str) -> dict[str, list[Any]]:
    """Points as columns (one list per field, row i across them): thousands of points
    cost a JSON array each, not an object with repeated keys, and no Python loop."""
    where, params = view_where(q, store.dialect)
    if table == "heat_clicks":
        layer, lp = layer_where(q, store.dialect)
        where, params = f"{where} AND {layer}", params | lp
    cell = "least({g} - 1, CAST(floor({c} * {g}) AS INTEGER))"
    sql = (
        f"SELECT sel, fixed, {cell.format(c='rx', g=GRID)} AS gx, "
        f"{cell.format(c='ry', g=GRID)} AS gy, count(*) AS n, CAST({weight} AS DOUBLE) AS w, "
        "round(avg(px), 1) AS ax, round(avg(py), 1) AS ay, round(avg(vw), 1) AS aw "
        f"FROM {table} WHERE {where} GROUP BY sel, fixed, gx, gy"
    )
    table_ = store.query(sql, params)
    return {name: table_.column(name).to_pylist() for name in POINT_COLUMNS}


def click_points(store: EventStore, q: HeatQuery) -> dict[str, list[Any]]:
    return _points(store, q, "heat_clicks", "count(*)")


def move_points(store: EventStore, q: HeatQuery) -> dict[str, list[Any]]:
    """Hover dwell: samples weighted by how long the pointer rested (ms)."""
    return _points(store, q, "heat_moves", "sum(dwell)")


def _views_cte(store: EventStore, q: HeatQuery) -> tuple[str, dict[str, Any]]:
    where, params = view_where(q, store.dialect)
    return f"SELECT sid, pv, ts, vh, dh FROM heat_views WHERE {where}", params


def scroll_bands(store: EventStore, q: HeatQuery) -> dict[str, Any]:
    """Share of page views whose deepest visible point reached each band, and the fold."""
    views, params = _views_cte(store, q)
    raw, rp = rows_where(q, store.dialect, sessions=False)
    sql = f"""
        WITH v AS ({views}),
        d AS (SELECT sid, pv, max(max_depth) AS deepest,
                     {store.dialect.arg_max("dh", "max_depth")} AS sdh
              FROM heat_scrolls
              WHERE {raw} AND sid IN (SELECT sid FROM v) GROUP BY sid, pv),
        f AS (SELECT v.vh AS vh, CAST(v.vh AS DOUBLE) / greatest(v.dh, 1) AS fold,
                     least(1.0, coalesce(d.deepest, v.vh) / greatest(coalesce(d.sdh, v.dh), 1))
                         AS depth
              FROM v LEFT JOIN d ON d.sid = v.sid AND d.pv = v.pv)
        SELECT CAST(floor(depth * {BANDS}) AS INTEGER) AS band, count(*) AS views,
               sum(vh) AS vh_sum, sum(fold) AS fold_sum
        FROM f GROUP BY band"""
    rows = store.query(sql, params | rp).to_pylist()
    total = sum(int(r["views"]) for r in rows)
    at = {int(r["band"]): int(r["views"]) for r in rows}
    bands, reached = [], total
    for k in range(BANDS):
        bands.append({"band": k, "share": round(reached / total, 4) if total else 0.0})
        reached -= at.get(k, 0)
    return {
        "bands": bands,
        "fold_px": round(sum(float(r["vh_sum"]) for r in rows) / total, 1) if total else 0.0,
        "fold_share": round(sum(float(r["fold_sum"]) for r in rows) / total, 4) if total else 0.0,
        "views": total,
    }


def attention_bands(store: EventStore, q: HeatQuery) -> dict[str, Any]:
    """Mean time (ms per page view) each band of the page was on screen."""
    d = store.dialect
    views, params = _views_cte(store, q)
    raw, rp = rows_where(q, d, sessions=False)
    band_rows = " UNION ALL ".join(f"SELECT {k} AS band" for k in range(BANDS))
    lead = d.lead("ts", "PARTITION BY sid, pv ORDER BY ts")
    sql = f"""
        WITH v AS ({views}),
        seg AS (SELECT sid, pv, ts, 0.0 AS sy, vh, dh FROM v
                UNION ALL
                SELECT sid, pv, ts, sy, vh, dh FROM heat_scrolls
                WHERE {raw} AND sid IN (SELECT sid FROM v)),
        act AS (SELECT sid, pv, max(ts + dwell) AS last_ts FROM heat_moves
                WHERE {raw} AND sid IN (SELECT sid FROM v) GROUP BY sid, pv),
        timed AS (SELECT sid, pv, ts, sy, vh, dh, {lead} AS next_ts FROM seg),
        spans AS (SELECT sy / greatest(dh, 1) AS lo, (sy + vh) / greatest(dh, 1) AS hi,
                         least({IDLE_CAP_MS}, greatest(0,
                             coalesce(next_ts, act.last_ts, timed.ts) - timed.ts)) AS dur
                  FROM timed LEFT JOIN act ON act.sid = timed.sid AND act.pv = timed.pv),
        bands AS ({band_rows})
        SELECT band, sum(dur * greatest(0.0, least(hi, (band + 1.0) / {BANDS})
                                        - greatest(lo, CAST(band AS DOUBLE) / {BANDS})) * {BANDS})
               AS ms
        FROM spans CROSS JOIN bands GROUP BY band"""
    rows = store.query(sql, params | rp).to_pylist()
    count = store.query(f"SELECT count(*) AS n FROM ({views}) AS v", params).column("n")
    n = int(count[0].as_py())
    ms = {int(r["band"]): float(r["ms"] or 0.0) for r in rows}
    return {
        "bands": [
            {"band": k, "ms": round(ms.get(k, 0.0) / n, 1) if n else 0.0} for k in range(BANDS)
        ],
        "views": n,
    }
