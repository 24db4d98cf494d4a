"""Upkeep of the heatmap tables, whatever the event store.

Each backend keeps heat_* tables with the same columns (DuckDB: the writer's
roll-up; ClickHouse: materialized views) and normalises paths with the URL
rules mirrored into it. Callers outside ``store/`` use these two functions and
never learn which backend does the work.
"""

from __future__ import annotations

from collections.abc import Sequence

from clearsight.store.base import EventStore
from clearsight.store.clickhouse import ClickHouseEventStore
from clearsight.store.clickhouse import heatmaps as clickhouse
from clearsight.store.duckdb import DuckDBEventStore
from clearsight.store.duckdb import heatmaps as duckdb


def set_url_rules(store: EventStore, project: str, rules: Sequence[tuple[str, str]] | None) -> bool:
    """Store ``project``'s URL rules (None: the defaults). True when they changed; the
    caller then rebuilds, since rows already stored were normalised the old way."""
    if isinstance(store, DuckDBEventStore):
        return duckdb.set_url_rules(store, project, rules)
    if isinstance(store, ClickHouseEventStore):
        return clickhouse.set_url_rules(store, project, rules)
    raise TypeError(f"no heatmap upkeep for {type(store).__name__}")


def rebuild(store: EventStore) -> dict[str, float]:
    """Re-derive every heat_* row from the raw tables. Returns rows per table and seconds."""
    if isinstance(store, DuckDBEventStore):
        return duckdb.rebuild(store)
    if isinstance(store, ClickHouseEventStore):
        return clickhouse.rebuild(store)
    raise TypeError(f"no heatmap upkeep for {type(store).__name__}")
