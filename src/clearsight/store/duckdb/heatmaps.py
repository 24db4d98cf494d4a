"""Upkeep of the heatmap tables (migrations/030, rollups/030) beyond the writer's roll-up.

- ``set_url_rules`` mirrors a project's URL normalisation rules into the
  event store, where the writer reads them.
- ``rebuild`` re-derives every heat_* row from the raw tables with the same
  roll-up text the writer runs, then writes each table back ordered by
  (project, page, bucket, day): the clustering that lets one page's map skip
  the row groups of every other page. It runs after a change of URL rules, and
  as maintenance (``clearsight heatmap rebuild``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from importlib import resources

from clearsight.store.duckdb.store import DuckDBEventStore

ROLLUP = (resources.files("clearsight.store.duckdb") / "rollups" / "030_heatmaps.sql").read_text()

# heat table -> its clustering order
TABLES = {
    "heat_views": "project, page, bucket, day, ts",
    "heat_clicks": "project, page, bucket, day, ts",
    "heat_moves": "project, page, bucket, day, ts",
    "heat_scrolls": "project, page, day, ts",
}
# roll-up input view -> the whole table it stands for during a rebuild
_SOURCES = {
    "pageviews_in": "pageviews",
    "clicks_in": "clicks",
    "moves_in": "moves",
    "scrolls_in": "scrolls",
    "session_deltas_in": "sessions",
}


def url_rules(store: DuckDBEventStore, project: str) -> list[tuple[str, str]]:
    """The rules in force for ``project`` in the store (its own, else the defaults)."""
    with store._write_lock:
        rows = (
            store._cursor()
            .execute(
                "SELECT project, pattern, replacement FROM heat_url_rules "
                "WHERE project IN (?, '*') ORDER BY pos",
                [project],
            )
            .fetchall()
        )
    own = [(p, r) for proj, p, r in rows if proj == project]
    return own or [(p, r) for proj, p, r in rows if proj == "*"]


def set_url_rules(
    store: DuckDBEventStore, project: str, rules: Sequence[tuple[str, str]] | None
) -> bool:
    """Store ``project``'s rules (None: back to the defaults). True when they changed."""
    before = url_rules(store, project)
    with store._write_lock, store._errors("saving URL rules"):
        cur = store._cursor()
        cur.begin()
        try:
            cur.execute("DELETE FROM heat_url_rules WHERE project = ?", [project])
            for pos, (pattern, replacement) in enumerate(rules or [], start=1):
                cur.execute(
                    "INSERT INTO heat_url_rules VALUES (?, ?, ?, ?)",
                    [project, pos, pattern, replacement],
                )
            cur.commit()
        except BaseException:
            cur.rollback()
            raise
    return url_rules(store, project) != before


def rebuild(store: DuckDBEventStore) -> dict[str, float]:
    """Re-derive and re-cluster every heat_* table. Returns rows per table and seconds."""
    began = time.monotonic()
    with store._write_lock, store._errors("rebuilding heatmaps"):
        cur = store._cursor()
        cur.begin()
        try:
            for view, table in _SOURCES.items():
                cur.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {table}")
            for table in TABLES:
                cur.execute(f"DELETE FROM {table}")
            cur.execute(ROLLUP)
            _cluster(cur)
            cur.commit()
        except BaseException:
            cur.rollback()
            raise
        finally:
            for view in _SOURCES:
                cur.execute(f"DROP VIEW IF EXISTS temp.{view}")
        counts = {
            t: float(cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])
            for t in TABLES
        }
    return counts | {"seconds": round(time.monotonic() - began, 3)}


def cluster(store: DuckDBEventStore) -> None:
    """Rewrite each heat table in its clustering order (rows written since the last one)."""
    with store._write_lock, store._errors("clustering heatmaps"):
        cur = store._cursor()
        cur.begin()
        try:
            _cluster(cur)
            cur.commit()
        except BaseException:
            cur.rollback()
            raise


def _cluster(cur: object) -> None:
    for table, order in TABLES.items():
        run = cur.execute  # type: ignore[attr-defined]
        run(f"CREATE OR REPLACE TEMP TABLE heat_resort AS SELECT * FROM {table} ORDER BY {order}")
        run(f"DELETE FROM {table}")
        run(f"INSERT INTO {table} SELECT * FROM heat_resort")
        run("DROP TABLE temp.heat_resort")
