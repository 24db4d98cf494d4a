"""Copying an embedded installation to ClickHouse and PostgreSQL (``clearsight migrate``).

Events move table by table in Arrow record batches: no row is decoded, so
sealed replay chunks and sealed text arrive exactly as they left, still
encrypted under keys that travel with the control plane. The DuckDB session
summaries become one delta row per session, which ClickHouse's sessions view
folds back into the same summary. Frustration signals are not copied: the
server finds them again on the target at its first start. The control plane is copied row for row,
the audit log with its hashes, so the chain verifies on the target. Every
table is counted on both sides afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import sqlalchemy as sa

from clearsight.store.clickhouse.store import ClickHouseEventStore
from clearsight.store.control import schema
from clearsight.store.duckdb import DuckDBEventStore
from clearsight.store.signal_tables import SIGNAL_TABLES

Progress = Callable[[str, int, int], None]
"""(table, rows done, rows in all) after each chunk."""

_CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class Copied:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


def copy_events(
    src: DuckDBEventStore, dst: ClickHouseEventStore, progress: Progress | None = None
) -> list[Copied]:
    present = set(dst.table_names())
    results = []
    for table in src.table_names():
        # DuckDB's folded summaries go in as one delta each; the view folds them back.
        target = "session_deltas" if table == "sessions" else table
        if target not in present or table.startswith("heat_") or table in SIGNAL_TABLES:
            # Derived tables the target keeps in its own way, or rebuilds from the raw rows
            # (signals are keyed by hashes, which differ between engines).
            continue
        total, done = src.row_count(table), 0
        for batch in src.export_table(table, _CHUNK_ROWS):
            dst.import_table(target, pa.Table.from_batches([batch]))
            done += batch.num_rows
            if progress:
                progress(table, done, total)
        results.append(
            Copied(table, total, dst.row_count(table if table == "sessions" else target))
        )
    return results


def copy_control(src: sa.Engine, dst: sa.Engine, progress: Progress | None = None) -> list[Copied]:
    """Row for row, in dependency order; the target must be migrated and empty."""
    results = []
    with src.connect() as s, dst.begin() as d:
        for table in schema.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in s.execute(sa.select(table))]
            d.execute(table.delete())  # the target's fresh rows (audit head, purposes)
            for i in range(0, len(rows), 1000):
                d.execute(table.insert(), rows[i : i + 1000])
                if progress:
                    progress(table.name, min(i + 1000, len(rows)), len(rows))
            results.append(
                Copied(
                    table.name,
                    len(rows),
                    int(d.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()),
                )
            )
        _reset_sequences(d)
    return results


def _reset_sequences(conn: sa.Connection) -> None:
    """PostgreSQL serial columns continue after the copied ids."""
    if conn.dialect.name != "postgresql":
        return
    for table in schema.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True and isinstance(column.type, sa.Integer):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)"
                )
