"""The embedded DuckDB event store."""

from clearsight.store.duckdb.store import DuckDBEventStore

__all__ = ["DuckDBEventStore"]
