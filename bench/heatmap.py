"""One page's click map over 10M interaction rows: server time against bare DuckDB.

Generates the raw rows in bulk in SQL (no HTTP): sessions, page views and
clicks, moves and scrolls (``--rows`` of them together) over ``--urls``
normalised pages whose raw paths carry ids (``/product-7/item/48213``), with a
skewed spread, so the busiest page is the worst case. Rows are inserted in
time order, as the writer would. Then it derives the heatmap tables with the
writer's own roll-up text (``clearsight heatmap rebuild``), which also
clusters them by page.

Server time is the whole request, in process through the real ASGI app (gate,
parameters, page lookup, bucket counts, the aggregate, JSON): ``GET
/api/v1/heatmaps/map?url=…&kind=click`` for the busiest page. The baseline in
the same run is the bare aggregate that request runs, straight on a DuckDB
cursor. A second, naive baseline aggregates the raw clicks table directly
(regex on the raw path, bucket from the width), for scale. Prints p50/p95.

    .venv/bin/python bench/heatmap.py [--rows 10000000] [--urls 200] [--runs 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clearsight.app import build_runtime, create_app  # noqa: E402
from clearsight.config import load_settings  # noqa: E402
from clearsight.store.duckdb import heatmaps as upkeep  # noqa: E402

DAY = 86_400_000
T0 = 1_767_225_600_000
# Share of the interaction rows: clicks, moves, scrolls.
MIX = (0.4, 0.5, 0.1)
VIEWS_PER_SESSION = 4
ROWS_PER_VIEW = 5
PATH = "'/product-' || u || '/item/' || (10000 + i % 90000)"
"""A raw path: 200 normalised pages (u), each with ids in its last segment."""


def generate(cur: object, rows: int, urls: int) -> dict[str, int]:
    run = cur.execute  # type: ignore[attr-defined]
    views = rows // ROWS_PER_VIEW
    sessions = views // VIEWS_PER_SESSION
    n_clicks, n_moves = int(rows * MIX[0]), int(rows * MIX[1])
    n_scrolls = rows - n_clicks - n_moves
    span = 30 * DAY
    # page view i: session i // 4, page u = skewed pick of 200, width by a hash
    run(
        f"""
        CREATE TEMP TABLE gen_views AS
        SELECT i, 'bench' AS project, 's' || (i // {VIEWS_PER_SESSION}) AS sid, 'pv' || i AS pv,
               {T0} + i * ({span} // {views}) AS ts,
               CAST(floor({urls} * pow(hash(i * 7 + 1) % 1000000 / 1e6, 2)) AS INTEGER) AS u,
               [390, 820, 1440, 1440, 1920][CAST(hash(i // 4) % 5 AS INTEGER) + 1] AS vw
        FROM range({views}) t(i)"""
    )
    run(
        """
        INSERT INTO sessions (project, sid, vid, started_at, ended_at, entry_ts, entry_url, exit_ts,
            exit_url, pages, clicks, errors, events, device, browser, os, vw, vh)
        SELECT 'bench', sid, 'v' || (min(i) // 12), min(ts), max(ts) + 60000, min(ts),
               '', max(ts), '', count(*), 0, 0, 0,
               CASE WHEN min(vw) < 768 THEN 'mobile' WHEN min(vw) < 1200 THEN 'tablet'
                    ELSE 'desktop' END, 'Chrome', 'Linux', min(vw), 800
        FROM gen_views GROUP BY sid ORDER BY min(ts)"""
    )
    run(
        f"""
        INSERT INTO pageviews
        SELECT project, sid, pv, ts, CAST(to_timestamp(ts / 1000) AS DATE), 'https://shop.test'
               || {PATH}, {PATH}, '', 'Item', vw, 800, 3000 FROM gen_views ORDER BY ts"""
    )
    interactions(run, views, n_clicks, n_moves, n_scrolls)
    return {
        "sessions": sessions,
        "pageviews": views,
        "clicks": n_clicks,
        "moves": n_moves,
        "scrolls": n_scrolls,
    }


def interactions(run: Any, views: int, n_clicks: int, n_moves: int, n_scrolls: int) -> None:
    """Clicks, moves and scrolls, each on a page view picked by a hash, in time order."""
    path = PATH
    pick = "(SELECT * FROM gen_views) v ON v.i = (hash(r.k * 31 + {salt}) % {views})"
    day = "CAST(to_timestamp(v.ts / 1000) AS DATE)"
    common = f"v.project, v.sid, v.pv, v.ts + r.k % 60000, {day}, {path}"
    sel = "'#el-' || (hash(r.k) % 24)"
    run(
        f"""
        INSERT INTO clicks
        SELECT {common}, {sel}, 'button',
               40.0 + (hash(r.k) % 24) * 10, 100.0 + (hash(r.k) % 24) * 110, 200.0, 48.0,
               (hash(r.k * 3) % 1000) / 1000.0, (hash(r.k * 5) % 1000) / 1000.0,
               100.0, 500.0, v.vw, 800, 3000, 0.0, hash(r.k) % 24 = 0, true, false,
               hash(r.k) % 24 = 5, 1, true, true, false, false, false, false, false
        FROM range({n_clicks}) r(k) JOIN {pick.format(salt=1, views=views)} ORDER BY 4"""
    )
    run(
        f"""
        INSERT INTO moves
        SELECT {common}, {sel}, (hash(r.k * 3) % 1000) / 1000.0, (hash(r.k * 5) % 1000) / 1000.0,
               100.0, 500.0, v.vw, 800, 3000, false, 100 + hash(r.k) % 2000
        FROM range({n_moves}) r(k) JOIN {pick.format(salt=2, views=views)} ORDER BY 4"""
    )
    run(
        f"""
        INSERT INTO scrolls
        SELECT {common}, (hash(r.k) % 2200) * 1.0, 800.0 + hash(r.k) % 2200, 800, 3000
        FROM range({n_scrolls}) r(k) JOIN {pick.format(salt=3, views=views)} ORDER BY 4"""
    )
    run("DROP TABLE gen_views")


def timed(fns: list[Callable[[], object]], runs: int) -> list[list[float]]:
    """ms per call of each function, taking turns, so that all of them meet the same
    moments of a shared, noisy machine."""
    out: list[list[float]] = [[] for _ in fns]
    for fn in fns:
        fn()  # warm
    for _ in range(runs):
        for fn, times in zip(fns, out, strict=True):
            began = time.perf_counter()
            fn()
            times.append((time.perf_counter() - began) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000, help="interaction rows")
    ap.add_argument("--urls", type=int, default=200)
    ap.add_argument("--runs", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cs-bench-heat-") as tmp:
        settings = load_settings({"data_dir": Path(tmp)})
        rt = build_runtime(settings)
        rt.control.create_project("bench", "Bench shop")
        began = time.monotonic()
        with rt.store._write_lock:
            counts = generate(rt.store._cursor(), args.rows, args.urls)
        print(f"generated {counts} in {time.monotonic() - began:.1f} s")
        built = upkeep.rebuild(rt.store)
        print(f"derived and clustered the heatmap tables: {built}")
        busiest = rt.store.query(
            "SELECT p.key AS key, p.page AS page, count(*) AS n FROM heat_clicks c "
            "JOIN heat_pages p ON p.page = c.page WHERE c.bucket = 2 "
            "GROUP BY p.key, p.page ORDER BY n DESC LIMIT 1"
        ).to_pylist()[0]
        print(f"busiest page: {busiest['key']} with {busiest['n']:,} desktop clicks")
        measure(rt, busiest, args.runs)


def measure(rt: object, busiest: dict[str, object], runs: int) -> None:
    from clearsight.analyse import heatmap
    from clearsight.analyse.heatmap import GRID

    store = rt.store  # type: ignore[attr-defined]
    app = create_app(rt)  # type: ignore[arg-type]
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {app.state.gate.local_token}"}
        url = f"/api/v1/heatmaps/map?url={busiest['key']}&kind=click&bucket=desktop"
        first = client.get(url, headers=headers)
        assert first.status_code == 200, first.text
        points = len(first.json()["points"]["sel"])
        cur = store._conn.cursor()
        cell = f"least({GRID} - 1, CAST(floor({{c}} * {GRID}) AS INTEGER))"
        bare_sql = (
            f"SELECT sel, fixed, {cell.format(c='rx')} AS gx, {cell.format(c='ry')} AS gy, "
            "count(*) AS n, count(*) AS w, avg(px), avg(py), avg(vw) FROM heat_clicks "
            f"WHERE project = 'bench' AND page IN ({busiest['page']}) AND bucket = 2 "
            "GROUP BY sel, fixed, gx, gy"
        )

        def cold() -> object:
            heatmap._counted.clear()  # the sample counts computed afresh
            return client.get(url, headers=headers)

        server, cold_server, bare = timed(
            [
                lambda: client.get(url, headers=headers),
                cold,
                lambda: cur.execute(bare_sql).fetchall(),
            ],
            runs,
        )
        regex = str(busiest["key"]).replace(":id", "[0-9]+")
        naive_sql = (
            f"SELECT sel, fixed, {cell.format(c='rx')} AS gx, {cell.format(c='ry')} AS gy, "
            "count(*), avg(x), avg(y), avg(vw) FROM clicks WHERE project = 'bench' "
            "AND regexp_full_match(path, $rx) AND vw >= 1200 GROUP BY sel, fixed, gx, gy"
        )
        (naive,) = timed([lambda: cur.execute(naive_sql, {"rx": regex}).fetchall()], 10)
    print(f"click map of {busiest['key']} (desktop): {points} points")
    print(f"{'':44} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in (
        ("server: GET /api/v1/heatmaps/map", server),
        ("server, sample counts not kept (first view)", cold_server),
        ("baseline: the bare DuckDB aggregate", bare),
        ("naive: raw clicks, regex on the path", naive),
    ):
        print(f"{name:44} {pct(values, 50):8.2f} {pct(values, 95):8.2f}")
    for name, values in (("server", server), ("first view", cold_server)):
        print(
            f"ratio {name}/baseline: p50 {pct(values, 50) / pct(bare, 50):.2f}, "
            f"p95 {pct(values, 95) / pct(bare, 95):.2f} (targets: <= 1.5, p95 <= 50 ms)"
        )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
