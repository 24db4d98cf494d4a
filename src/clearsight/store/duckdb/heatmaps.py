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
from typing import Any

from clearsight.store.duckdb.store import DuckDBEventStore
from clearsight.store.heat_rules import DEFAULT_RULES

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
}


def url_rules(store: DuckDBEventStore, project: str) -> list[tuple[str, str]] | None:
    """The project's own rules in the store, or None when it uses the defaults."""
    with store._write_lock:
        return _own_rules(store._cursor()).get(project)


def _own_rules(cur: Any) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    rows = cur.execute(
        "SELECT project, pattern, replacement FROM heat_url_rules ORDER BY project, pos"
    ).fetchall()
    for project, pattern, replacement in rows:
        out.setdefault(project, []).append((pattern, replacement))
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cases(rules: Sequence[tuple[str, str]]) -> str:
    whens = " ".join(
        f"WHEN regexp_full_match(seg, {_literal(p)}) THEN {_literal(r)}" for p, r in rules
    )
    return f"CASE {whens} ELSE seg END" if whens else "seg"


def macro_sql(own: dict[str, list[tuple[str, str]]]) -> str:
    """heat_key(project, path) with every rule a constant pattern (why: migration 030)."""
    per_project = " ".join(
        f"WHEN proj = {_literal(project)} THEN ({_cases(rules)})" for project, rules in own.items()
    )
    body = (
        f"CASE {per_project} ELSE ({_cases(DEFAULT_RULES)}) END" if own else _cases(DEFAULT_RULES)
    )
    return (
        "CREATE OR REPLACE MACRO heat_key(proj, p) AS array_to_string(list_transform("
        f"string_split(p, '/'), lambda seg: {body}), '/')"
    )


def set_url_rules(
    store: DuckDBEventStore, project: str, rules: Sequence[tuple[str, str]] | None
) -> bool:
    """Store ``project``'s rules (None: back to the defaults). True when they changed."""
    wanted = None if rules is None else [(p, r) for p, r in rules]
    with store._write_lock, store._errors("saving URL rules"):
        cur = store._cursor()
        own = _own_rules(cur)
        if own.get(project) == wanted:
            return False
        if wanted is None:
            own.pop(project, None)
        else:
            own[project] = wanted
        cur.begin()
        try:
            cur.execute("DELETE FROM heat_url_rules WHERE project = ?", [project]).fetchall()
            for pos, (pattern, replacement) in enumerate(wanted or [], start=1):
                cur.execute(
                    "INSERT INTO heat_url_rules VALUES (?, ?, ?, ?)",
                    [project, pos, pattern, replacement],
                ).fetchall()
            cur.execute(macro_sql(own)).fetchall()
            cur.commit()
        except BaseException:
            cur.rollback()
            raise
    return True


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
            t: float(cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in TABLES
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
