"""Numbered migrations for ClickHouse, rendered for a single node or a cluster.

The SQL files use placeholders (see the header of ``migrations/001_events.sql``).
On a single node they become plain MergeTree tables. In cluster mode each
table is created ``ON CLUSTER`` as ``<name>_local`` with the Replicated engine,
and a Distributed table ``<name>`` shards it by session. Queries always use
``<name>``, so the rest of the code does not know which mode is in use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_PLACEHOLDER = re.compile(r"\{(table|view|ref|local|engine|alter):([A-Za-z_]+)\}")
_ALTER = re.compile(r"ALTER TABLE \{alter:([A-Za-z_]+)\}")
_TABLE = re.compile(r"CREATE TABLE \{table:([A-Za-z_]+)\}")
_DEDUP = re.compile(r"\s*SETTINGS non_replicated_deduplication_window = \d+")

SHARD_KEYS = {
    # Signals and scores carry no sid, only sk = cityHash64(sid): the same key, so
    # they land on the shard that holds their session's rows and features.
    "signals": "sk",
    "session_frustration": "sk",
}
"""The Distributed sharding key of tables that do not shard by ``cityHash64(sid)``."""


@dataclass(frozen=True)
class Layout:
    cluster: str = ""
    """ClickHouse cluster name, or "" for a single node."""

    def mutable(self, table: str) -> str:
        """The table that ALTER ... DELETE must target."""
        return f"{table}_local ON CLUSTER {self.cluster}" if self.cluster else table

    def local(self, table: str) -> str:
        return f"{table}_local" if self.cluster else table


def migrations() -> list[tuple[int, str, str]]:
    base = resources.files("clearsight.store.clickhouse") / "migrations"
    found = [
        (int(e.name.split("_", 1)[0]), e.name, e.read_text())
        for e in base.iterdir()
        if e.name.endswith(".sql")
    ]
    return sorted(found)


def statements(sql: str) -> list[str]:
    without_comments = "\n".join(
        line for line in sql.splitlines() if not line.lstrip().startswith("--")
    )
    return [s.strip() for s in without_comments.split(";") if s.strip()]


def render(statement: str, layout: Layout) -> list[str]:
    """One statement as it runs on this layout (cluster mode adds a Distributed table)."""
    c = layout.cluster

    def fill(m: re.Match[str]) -> str:
        kind, name = m[1], m[2]
        if not c:
            return name
        if kind == "table":
            return f"{name}_local ON CLUSTER {c}"
        if kind == "view":
            return f"{name} ON CLUSTER {c}"
        if kind in ("ref", "alter"):
            return name
        if kind == "local":  # the shard's own table (materialized views read and write it)
            return f"{name}_local"
        return f"Replicated{name}"  # engine; path and replica come from server macros

    altered = _ALTER.search(statement)
    if c and altered:
        # A column goes on the replicated local table and on the Distributed one over it.
        name = altered[1]
        return [
            statement.replace(altered[0], f"ALTER TABLE {name}_local ON CLUSTER {c}"),
            statement.replace(altered[0], f"ALTER TABLE {name} ON CLUSTER {c}"),
        ]
    out = [_PLACEHOLDER.sub(fill, _DEDUP.sub("", statement) if c else statement)]
    created = _TABLE.search(statement)
    if c and created:
        name = created[1]
        # By session, so a session's rows stay together; customer-keyed tables by customer;
        # signals and scores by the session's hash.
        by = "cityHash64(sid)" if re.search(r"\bsid String\b", statement) else "cityHash64(uid)"
        key = SHARD_KEYS.get(name, by)
        out.append(
            f"CREATE TABLE {name} ON CLUSTER {c} AS {name}_local "
            f"ENGINE = Distributed({c}, currentDatabase(), {name}_local, {key})"
        )
    return out


def ledger_sql(layout: Layout) -> str:
    engine = "ReplicatedMergeTree" if layout.cluster else "MergeTree"
    on = f" ON CLUSTER {layout.cluster}" if layout.cluster else ""
    return (
        f"CREATE TABLE IF NOT EXISTS clearsight_migrations{on} "
        f"(version UInt32, name String, applied_at DateTime DEFAULT now()) "
        f"ENGINE = {engine} ORDER BY version"
    )
