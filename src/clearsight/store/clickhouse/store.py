"""The event store on ClickHouse.

Every statement goes through one clickhouse-connect client. Against a server
that client speaks HTTP; with ``chdb://`` it runs the same ClickHouse engine
in-process. The queries, inserts and result handling are identical either
way, and only the transport differs, which is what lets the shared backend
test suite run the real engine without a server.

ClickHouse has no transactions. A micro-batch is inserted table by table, each
insert with a deduplication token derived from its batch ids: a retry after a
partial failure re-sends the same tokens and ClickHouse drops what it already
has. Batch ids already stored are skipped before building rows, as on DuckDB.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyarrow as pa

from clearsight.errors import ConfigError, StoreError
from clearsight.store import chunks
from clearsight.store.accepted import AcceptedBatch
from clearsight.store.base import (
    ChunkRewrite,
    SessionFilter,
    SessionPage,
    SessionSummary,
    StoredChunk,
)
from clearsight.store.clickhouse.schema import Layout, ledger_sql, migrations, render, statements
from clearsight.store.filters import session_page
from clearsight.store.rows import SCHEMAS, build_rows, catches_table
from clearsight.store.signal_tables import SIGNAL_TABLES, TIMELINE_SIGNALS, erase_where, with_score
from clearsight.store.sql import ClickHouseDialect, Dialect, clickhouse_params

_SUMMARY_COLUMNS = (
    "project, sid, vid, started_at, ended_at, ended_at - started_at AS duration_ms, pages, "
    "clicks, errors, events, entry_url, exit_url, device, browser, os, vw, vh, ip"
)
# join_use_nulls: unmatched outer-join columns are NULL, as in DuckDB and SQL.
# cast_keep_nullable: CAST(NULL AS BIGINT) is NULL, as in DuckDB and SQL, not an error
# (ClickHouse's CAST to a non-Nullable type fails on a NULL, e.g. lag() before the first row).
# prefer_column_name_to_alias: in `SELECT max(ts) AS ts, argMax(sel, ts)`, the second ts
# is the column, as in DuckDB and SQL; ClickHouse would otherwise read the alias there.
# mutations_sync: a DELETE returns once done on every replica (retention, erasure).
_SETTINGS = {
    "join_use_nulls": 1,
    "cast_keep_nullable": 1,
    "prefer_column_name_to_alias": 1,
    "mutations_sync": 2,
}
_ROW_TABLES = [t for t in SCHEMAS if t not in ("batches", "session_deltas")]
# Rows derived per session (migrations 030+): erased and compacted with the session's own.
_DERIVED_TABLES = ["heat_views", "heat_clicks", "heat_moves", "heat_scrolls"]


def connect(url: str) -> Any:
    """A clickhouse-connect client for ``clickhouse://`` / ``clickhouses://`` or ``chdb://``."""
    try:
        import clickhouse_connect
    except ImportError:
        raise ConfigError(
            "the ClickHouse event store needs `pip install clearsight[clickhouse]`"
        ) from None
    parts = urlsplit(url)
    if parts.scheme == "chdb":
        return clickhouse_connect.get_client(
            interface="chdb", path=unquote(parts.path), settings=_SETTINGS
        )
    if parts.scheme not in ("clickhouse", "clickhouses"):
        raise ConfigError(f"event_store {url!r}: use clickhouse://host:8123/db or chdb:///path")
    query = parse_qs(parts.query)
    return clickhouse_connect.get_client(
        host=parts.hostname or "localhost",
        port=parts.port or 8123,
        username=unquote(parts.username or "default"),
        password=unquote(parts.password or ""),
        database=parts.path.lstrip("/") or "default",
        secure=parts.scheme == "clickhouses",
        settings=_SETTINGS,
        autogenerate_session_id=False,
        connect_timeout=int(query.get("connect_timeout", ["10"])[0]),
    )


def _texts(table: pa.Table) -> pa.Table:
    """ClickHouse Strings arrive as bytes: text columns become text; binary ``data``
    columns (sealed replay chunks) stay bytes, as DuckDB's BLOBs do."""
    for i, field in enumerate(table.schema):
        base = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if field.name != "data" and (pa.types.is_binary(base) or pa.types.is_large_binary(base)):
            column = table.column(i)
            if pa.types.is_dictionary(field.type):
                column = column.cast(base)
            table = table.set_column(i, field.name, column.cast(pa.string()))
    return table


class ClickHouseEventStore:
    name = "clickhouse"
    dialect: Dialect = ClickHouseDialect()

    def __init__(
        self,
        url: str,
        sealer: chunks.ChunkSealer | None = None,
        *,
        cluster: str = "",
        claim: Callable[[list[str]], set[str]] | None = None,
    ) -> None:
        self.url = url
        # Several workers share this store: a batch id is stored by the one that claims it.
        self.claim = claim
        self.sealer: chunks.ChunkSealer = sealer or chunks.PlainSealer()
        self.layout = Layout(cluster)
        self._lock = threading.RLock()
        with self._errors("connecting"):
            self._client = connect(url)
        self.migrate()

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except (ConfigError, StoreError):
            raise
        except Exception as exc:
            if type(exc).__module__.startswith(("clickhouse_connect", "chdb")):
                raise StoreError(f"event store: {what} failed: {exc}") from exc
            raise

    def _command(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Any:
        text, bound = clickhouse_params(sql, params or {})
        with self._lock:
            return self._client.command(text, parameters=bound, settings=settings)

    def migrate(self) -> list[str]:
        applied = []
        with self._errors("migrating"):
            self._command(ledger_sql(self.layout))
            done = {
                int(r[0])
                for r in self._client.query("SELECT version FROM clearsight_migrations").result_rows
            }
            for version, name, sql in migrations():
                if version in done:
                    continue
                for statement in statements(sql):
                    for rendered in render(statement, self.layout):
                        with self._lock:
                            self._client.command(rendered)
                self._client.insert(
                    "clearsight_migrations", [[version, name]], column_names=["version", "name"]
                )
                applied.append(name)
        return applied

    def close(self) -> None:
        with self._lock:
            self._client.close()

    # -- writes --------------------------------------------------------------------------------

    def apply(self, batches: Sequence[AcceptedBatch]) -> int:
        unique = list({b.bid: b for b in reversed(batches)}.values())[::-1]
        with self._errors("checking batch ids"):
            known = {
                str(v)
                for v in self.query(
                    "SELECT bid FROM batches WHERE has(:bids, bid)",
                    {"bids": [b.bid for b in unique]},
                )
                .column("bid")
                .to_pylist()
            }
        fresh = [b for b in unique if b.bid not in known]
        if fresh and self.claim is not None:
            mine = self.claim([b.bid for b in fresh])
            fresh = [b for b in fresh if b.bid in mine]
        if not fresh:
            return 0
        tables = build_rows(fresh, self.sealer)
        token = hashlib.sha256("\n".join(sorted(b.bid for b in fresh)).encode()).hexdigest()
        with self._errors("storing batches"):
            # batches last: until it is in, a retry sees the ids as new and re-sends,
            # and the tokens make ClickHouse drop the parts it already holds.
            for name in sorted(tables, key=lambda t: t == "batches"):
                with self._lock:
                    self._client.insert_arrow(
                        name,
                        tables[name],
                        settings={"insert_deduplication_token": f"{token}:{name}"},
                    )
        return len(fresh)

    # -- reads ----------------------------------------------------------------------------------

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        text, bound = clickhouse_params(sql, params or {})
        with self._errors("an analysis query"), self._lock:
            table: pa.Table = self._client.query_arrow(text, parameters=bound, use_strings=False)
        return _texts(table)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        # Derived rows are written again after a delete, identical when nothing changed:
        # insert deduplication (on for Replicated tables) would drop them as a retry.
        with self._errors("a derived-table write"):
            self._command(sql, params, settings={"insert_deduplicate": 0})

    def delete_rows(
        self, table: str, where: str, params: Mapping[str, Any], *, often: bool = False
    ) -> None:
        if not table.isidentifier():
            raise ValueError(f"{table!r} is not a table name")
        # A lightweight delete masks the rows at once and drops them at the next merge:
        # cheap enough to run per stored micro-batch. A mutation rewrites the parts now,
        # which erasure needs and occasional deletes can afford.
        delete = (
            f"DELETE FROM {self.layout.mutable(table)}"
            if often
            else f"ALTER TABLE {self.layout.mutable(table)} DELETE"
        )
        with self._errors(f"deleting from {table}"):
            self._command(f"{delete} WHERE {where}", params)

    def has_batch(self, bid: str) -> bool:
        found = self.query("SELECT 1 AS x FROM batches WHERE bid = :b LIMIT 1", {"b": bid})
        return bool(found.num_rows)

    def list_sessions(self, filters: SessionFilter) -> SessionPage:
        return session_page(self.query, filters, self.dialect, _SUMMARY_COLUMNS)

    def get_session(
        self, sid: str, projects: tuple[str, ...] | None = None
    ) -> SessionSummary | None:
        sql = f"SELECT {_SUMMARY_COLUMNS} FROM sessions WHERE sid = :sid"
        params: dict[str, Any] = {"sid": sid}
        if projects is not None:
            sql += " AND has(:projects, project)"
            params["projects"] = list(projects)
        rows = self.query(with_score(sql, self.dialect), params).to_pylist()
        return SessionSummary(**rows[0]) if rows else None

    def replay_chunks(self, project: str, sid: str) -> list[StoredChunk]:
        text, bound = clickhouse_params(
            "SELECT seq, ts_first, ts_last, codec, data FROM replay_chunks "
            "WHERE project = :p AND sid = :s ORDER BY ts_first, seq",
            {"p": project, "s": sid},
        )
        with self._errors("reading replay chunks"), self._lock:
            result = self._client.query(text, parameters=bound, column_formats={"data": "bytes"})
        return [
            StoredChunk(seq=r[0], ts_first=r[1], ts_last=r[2], codec=r[3], data=bytes(r[4]))
            for r in result.result_rows
        ]

    def timeline(self, project: str, sid: str) -> dict[str, pa.Table]:
        out = {}
        for table, cols in (
            ("pageviews", "ts, pv, url, path, title, vw, vh"),
            ("clicks", "ts, pv, path, sel, tag, x, y, fixed, inter, dis, n"),
            ("errors", "ts, pv, path, msg"),
            ("submits", "ts, pv, path, sel"),
        ):
            out[table] = self.query(
                f"SELECT {cols} FROM {table} WHERE sid = :s AND project = :p ORDER BY ts",
                {"s": sid, "p": project},
            )
        out["signals"] = self.query(TIMELINE_SIGNALS, {"sid": sid, "project": project})
        return out

    def table_names(self) -> list[str]:
        rows = self.query(
            "SELECT name FROM system.tables WHERE database = currentDatabase() "
            "AND engine NOT IN ('View', 'MaterializedView')"
        )
        return sorted(str(v) for v in rows.column("name").to_pylist())

    def import_table(self, table: str, rows: pa.Table) -> None:
        with self._errors(f"importing into {table}"), self._lock:
            self._client.insert_arrow(table, rows)

    def row_count(self, table: str) -> int:
        if table not in [*self.table_names(), "sessions"]:
            raise ValueError(f"no table {table!r}")
        return int(self.query(f"SELECT count() AS n FROM {table}").column("n")[0].as_py())

    def count(self, table: str) -> int:
        if table not in SCHEMAS and table != "sessions":
            raise ValueError(f"unknown table {table!r}")
        return int(self.query(f"SELECT count() AS n FROM {table}").column("n")[0].as_py())

    # -- retention and erasure --------------------------------------------------------------------

    def sessions_ended_before(
        self, project: str, before_ms: int, *, with_replay: bool, limit: int = 10_000
    ) -> list[str]:
        replay = (
            "AND sid IN (SELECT sid FROM replay_chunks WHERE project = :p)" if with_replay else ""
        )
        rows = self.query(
            f"SELECT sid FROM sessions WHERE project = :p AND ended_at < :before {replay} "
            "ORDER BY ended_at LIMIT :limit",
            {"p": project, "before": before_ms, "limit": limit},
        )
        return [str(v) for v in rows.column("sid").to_pylist()]

    def oldest_replay(self, project: str, exclude: Sequence[str] = ()) -> int | None:
        rows = self.query(
            "SELECT min(started_at) AS t FROM sessions WHERE project = :p "
            "AND sid IN (SELECT sid FROM replay_chunks WHERE project = :p) "
            "AND NOT has(:skip, sid) HAVING count() > 0",
            {"p": project, "skip": list(exclude)},
        )
        value = rows.column("t")[0].as_py() if rows.num_rows else None
        return None if value is None else int(value)

    def delete_sessions(self, project: str, sids: Sequence[str], *, replay_only: bool) -> int:
        if not sids:
            return 0
        tables = (
            ["replay_chunks"]
            if replay_only
            else [*_ROW_TABLES, "session_deltas", "batches", "segment_members", *_DERIVED_TABLES]
        )
        of = {"p": project, "s": list(sids)}
        with self._errors("deleting sessions"):
            # Derived rows first: signals are found through the features' sid.
            for table, where in [] if replay_only else erase_where(self.dialect):
                self._command(f"ALTER TABLE {self.layout.mutable(table)} DELETE WHERE {where}", of)
            for table in tables:
                self._command(
                    f"ALTER TABLE {self.layout.mutable(table)} DELETE "
                    "WHERE project = :p AND has(:s, sid)",
                    of,
                )
        return len(sids)

    def sessions_of_user(self, project: str, uid: str) -> list[str]:
        rows = self.query(
            "SELECT DISTINCT sid FROM identities WHERE project = :p AND uid = :u",
            {"p": project, "u": uid},
        )
        return sorted(str(v) for v in rows.column("sid").to_pylist())

    def session_rows(self, project: str, sid: str) -> dict[str, pa.Table]:
        skip = {"session_deltas", "replay_chunks"}
        return {
            t: self.query(
                f"SELECT * FROM {t} WHERE project = :p AND sid = :s", {"p": project, "s": sid}
            )
            for t in [*SCHEMAS, "sessions"]
            if t not in skip
        }

    def rewrite_chunks(self, rewrites: Sequence[ChunkRewrite]) -> int:
        """Swap chunks' bytes: their rows are re-inserted with the new bytes, old rows deleted.

        One delete mutation and one insert per call, not a mutation per chunk.
        """
        if not rewrites:
            return 0
        by_bid = {r.bid: r for r in rewrites}
        meta = self.query(
            "SELECT project, sid, seq, bid, ts_first, ts_last, n_events FROM replay_chunks "
            "WHERE has(:bids, bid)",
            {"bids": list(by_bid)},
        ).to_pylist()
        rows = [m | {"codec": by_bid[m["bid"]].codec, "data": by_bid[m["bid"]].data} for m in meta]
        catches = catches_table(
            [(r.project, r.sid, r.ts, i) for r in rewrites for i in r.incidents]
        )
        with self._errors("rewriting replay chunks"):
            self._command(
                f"ALTER TABLE {self.layout.mutable('replay_chunks')} DELETE WHERE has(:bids, bid)",
                {"bids": list(by_bid)},
            )
            with self._lock:
                self._client.insert_arrow(
                    "replay_chunks", pa.Table.from_pylist(rows, schema=SCHEMAS["replay_chunks"])
                )
                if catches.num_rows:
                    self._client.insert_arrow("privacy_catches", catches)
        return len(rows)

    def compact(self) -> None:
        """Merge every part so deleted rows are rewritten away, then drop outdated parts."""
        with self._errors("compacting"):
            for table in [
                *_ROW_TABLES,
                "session_deltas",
                "batches",
                "segment_members",
                *_DERIVED_TABLES,
                *SIGNAL_TABLES,
            ]:
                self._command(f"OPTIMIZE TABLE {self.layout.mutable(table)} FINAL")
