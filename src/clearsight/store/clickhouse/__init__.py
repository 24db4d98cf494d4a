"""The ClickHouse event store, through clickhouse-connect (a server, or chDB in-process)."""

from clearsight.store.clickhouse.store import ClickHouseEventStore

__all__ = ["ClickHouseEventStore"]
