"""DuckDB against ClickHouse (chDB, in process) on the same data, side by side.

For each event store, in the same run:

- **ingest**: real batches from the demo recordings through ``EventStore.apply``,
  the writer's path (parse, rows, session summaries, replay chunks), in writer-sized
  groups: events/s;
- **bulk load**: the synthetic dataset of ``bench/synthetic.py`` (10M rows by default:
  clicks and page views over 200 URLs) imported with ``import_table``, then the heatmap
  tables derived from it (DuckDB: the roll-up; ClickHouse: the materialized views fire
  on insert): rows/s;
- **signal detection** over all of it: from the raw rows (``Detector.rebuild``:
  features, then the rules) and from the stored features (``recompute``, what a change
  of rules costs): seconds;
- **queries**, median and p95 of ``--runs``: one page's click map
  (``heatmap.click_points``, the busiest page, desktop), a 5-step funnel over the loan
  steps (``funnels.run``), and the Issues page's grouping of the signals.

chDB is the ClickHouse engine in this process: no network hop, one process's cores.
A ClickHouse server on its own machine will differ; the ratios are what carry over.

    .venv/bin/python bench/backends.py [--clicks 10000000] [--runs 7] [--only duckdb]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from clearsight.analyse import funnels, heatmap  # noqa: E402
from clearsight.analyse.heatmap_query import HeatQuery  # noqa: E402
from clearsight.analyse.heatmap_urls import HeatmapSettings, resolve_pages, rules_of  # noqa: E402
from clearsight.analyse.signals import Detector  # noqa: E402
from clearsight.store.accepted import AcceptedBatch  # noqa: E402
from clearsight.store.base import EventStore, SessionFilter  # noqa: E402
from clearsight.store.control import ControlPlane  # noqa: E402
from ingest import workload  # noqa: E402
from synthetic import STEPS, Dataset, generate  # noqa: E402

PROJECT = "bench"
WRITER_GROUP = 256
"""Batches per ``apply``: the writer's default ``writer_max_batches``."""

FUNNEL = funnels.Funnel(
    "bench",
    "Loan application",
    [funnels.Step(label=p.rsplit("/", 1)[-1], url=p.replace(":id", "*")) for p in STEPS[:5]],
    60,
)


def open_store(name: str, where: Path) -> EventStore:
    if name == "duckdb":
        from clearsight.store.duckdb import DuckDBEventStore

        return DuckDBEventStore(where / "events.duckdb")
    from clearsight.store.clickhouse import ClickHouseEventStore

    return ClickHouseEventStore(f"chdb://{where}")


def accepted(bodies: list[bytes]) -> list[AcceptedBatch]:
    out = []
    for body in bodies:
        head = msgspec.json.decode(body)
        out.append(
            AcceptedBatch(
                PROJECT,
                head["bid"],
                head["sid"],
                head["sent"],
                "",
                "desktop",
                "Chrome",
                "Linux",
                body,
            )
        )
    return out


def ingest_rate(store: EventStore, batches: list[AcceptedBatch], events: int) -> float:
    began = time.perf_counter()
    for i in range(0, len(batches), WRITER_GROUP):
        store.apply(batches[i : i + WRITER_GROUP])
    return events / (time.perf_counter() - began)


def bulk_load(name: str, store: EventStore, data: Dataset) -> float:
    began = time.perf_counter()
    # DuckDB keeps sessions as a table; ClickHouse folds per-batch session deltas.
    store.import_table("sessions" if name == "duckdb" else "session_deltas", data.sessions)
    store.import_table("pageviews", data.pageviews)
    store.import_table("clicks", data.clicks)
    if name == "duckdb":
        from clearsight.store.duckdb import heatmaps as upkeep

        upkeep.rebuild(store)  # type: ignore[arg-type]
    return data.rows / (time.perf_counter() - began)


def busiest_page(store: EventStore) -> tuple[str, HeatQuery]:
    rows = store.query(
        "SELECT page, count(*) AS n FROM heat_clicks WHERE project = :p AND bucket = 2 "
        "GROUP BY page ORDER BY n DESC LIMIT 1",
        {"p": PROJECT},
    ).to_pylist()
    page = int(rows[0]["page"])
    keys = store.query(
        "SELECT key FROM heat_pages WHERE project = :p AND page = :page",
        {"p": PROJECT, "page": page},
    ).to_pylist()
    key = str(keys[0]["key"])
    refs = resolve_pages(store, PROJECT, key, rules_of(HeatmapSettings()))
    return key, HeatQuery(project=PROJECT, pages=tuple(r.page for r in refs), bucket=2)


def detect(store: EventStore, control: ControlPlane) -> dict[str, float]:
    """Signals from the raw rows (features, then the rules), then from the stored features
    alone (what a change of rules costs): seconds each."""
    detector = Detector(store, control)
    began = time.perf_counter()
    detector.rebuild(PROJECT)
    rebuilt = time.perf_counter() - began
    began = time.perf_counter()
    detector.recompute(PROJECT)
    return {"rebuild": rebuilt, "recompute": time.perf_counter() - began}


def signals_query(store: EventStore) -> Callable[[], object]:
    """The Issues page's grouping: signals per page, element and signal."""
    return lambda: store.query(
        "SELECT g.signal AS signal, f.page AS page, f.sel AS sel, count(*) AS n, "
        "count(DISTINCT f.sid) AS sessions FROM signals g "
        "JOIN signal_features f ON f.fid = g.fid AND f.project = g.project "
        "WHERE g.project = :p GROUP BY g.signal, f.page, f.sel",
        {"p": PROJECT},
    )


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm: caches and first-query compilation are not what a dashboard sees
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000)
    return out


def pct(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def measure(
    name: str, data: Dataset, batches: list[AcceptedBatch], events: int, runs: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"cs-bench-{name}-") as tmp:
        store = open_store(name, Path(tmp))
        try:
            result: dict[str, Any] = {"ingest events/s": ingest_rate(store, batches, events)}
            result["bulk load rows/s"] = bulk_load(name, store, data)
            key, q = busiest_page(store)
            result["page"] = key
            everyone = SessionFilter(projects=(PROJECT,))
            queries: dict[str, Callable[[], object]] = {
                "heatmap: one page's click map": lambda: heatmap.click_points(store, q),
                "funnel: 5 steps": lambda: funnels.run(store, FUNNEL, PROJECT, everyone),
            }
            control = ControlPlane(f"sqlite:///{Path(tmp) / 'control.sqlite'}")
            control.create_project(PROJECT, "Bench")
            for step, seconds in detect(store, control).items():
                result[f"signals: {step} (s)"] = seconds
            control.close()
            queries["signals: issues grouping"] = signals_query(store)
            for label, fn in queries.items():
                values = timed(fn, runs)
                result[label] = (statistics.median(values), pct(values, 95))
            return result
        finally:
            store.close()
            gc.collect()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clicks", type=int, default=10_000_000, help="click rows (plus page views)")
    ap.add_argument("--sessions", type=int, default=60, help="demo sessions for the ingest rate")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", choices=["duckdb", "clickhouse"])
    args = ap.parse_args()
    began = time.perf_counter()
    data = generate(args.clicks)
    print(
        f"dataset: {data.clicks.num_rows:,} clicks + {data.pageviews.num_rows:,} page views "
        f"= {data.rows:,} rows, {data.sessions.num_rows:,} sessions "
        f"({time.perf_counter() - began:.1f} s to generate)"
    )
    bodies, events = workload(args.sessions, seed=7)
    batches = accepted(bodies)
    print(f"ingest workload: {len(batches):,} batches, {events:,} events from the demo recordings")
    names = [args.only] if args.only else ["duckdb", "clickhouse"]
    results = {}
    for name in names:
        print(f"measuring {name} ...", flush=True)
        results[name] = measure(name, data, batches, events, args.runs)
    print()
    print(f"{'':36}" + "".join(f"{n:>24}" for n in names))
    for label in ("ingest events/s", "bulk load rows/s"):
        print(f"{label:36}" + "".join(f"{results[n][label]:>24,.0f}" for n in names))
    for label in ("signals: rebuild (s)", "signals: recompute (s)"):
        print(f"{label:36}" + "".join(f"{results[n][label]:>24.2f}" for n in names))
    labels = [k for k in results[names[0]] if isinstance(results[names[0]][k], tuple)]
    for label in labels:
        cells = "".join(
            f"{'{:.1f} / {:.1f} ms'.format(*results[n][label]):>24}"
            if label in results[n]
            else f"{'-':>24}"
            for n in names
        )
        print(f"{label + ' (p50 / p95)':36}{cells}")
    if len(names) == 2:
        print()
        speeds = ["ingest events/s", "bulk load rows/s"]
        for label in [*speeds, "signals: rebuild (s)", "signals: recompute (s)", *labels]:
            a, b = results["duckdb"][label], results["clickhouse"][label]
            ratio = (b / a) if not isinstance(a, tuple) else (b[0] / a[0])
            print(f"clickhouse / duckdb, {label}: {ratio:.2f}")
    print(f"busiest page: {results[names[0]]['page']}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
