"""The embedded event store: one DuckDB file.

One writer thread (the spool's) applies micro-batches; request threads read
through their own cursors. DuckDB's MVCC lets readers see committed data while
the writer works.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from clearsight.errors import StoreError
from clearsight.store import chunks
from clearsight.store.accepted import AcceptedBatch
from clearsight.store.base import (
    ChunkRewrite,
    SessionFilter,
    SessionPage,
    SessionSummary,
    StoredChunk,
)
from clearsight.store.filters import session_page
from clearsight.store.rows import SCHEMAS, build_rows, catches_table
from clearsight.store.signal_tables import TIMELINE_SIGNALS, erase_where, with_score
from clearsight.store.sql import Dialect, DuckDBDialect, duckdb_params

_SUMMARY_COLUMNS = (
    "project, sid, vid, started_at, ended_at, ended_at - started_at AS duration_ms, pages, "
    "clicks, errors, events, entry_url, exit_url, device, browser, os, vw, vh, ip"
)

# Per-session totals add up; entry and exit follow the earliest and latest page view.
_UPSERT_SESSIONS = """
INSERT INTO sessions BY NAME SELECT * FROM session_deltas
ON CONFLICT (project, sid) DO UPDATE SET
    started_at = least(sessions.started_at, excluded.started_at),
    ended_at = greatest(sessions.ended_at, excluded.ended_at),
    entry_url = CASE WHEN excluded.entry_ts IS NOT NULL
        AND (sessions.entry_ts IS NULL OR excluded.entry_ts < sessions.entry_ts)
        THEN excluded.entry_url ELSE sessions.entry_url END,
    vw = CASE WHEN excluded.entry_ts IS NOT NULL
        AND (sessions.entry_ts IS NULL OR excluded.entry_ts < sessions.entry_ts)
        THEN excluded.vw ELSE sessions.vw END,
    vh = CASE WHEN excluded.entry_ts IS NOT NULL
        AND (sessions.entry_ts IS NULL OR excluded.entry_ts < sessions.entry_ts)
        THEN excluded.vh ELSE sessions.vh END,
    entry_ts = least(sessions.entry_ts, excluded.entry_ts),
    exit_url = CASE WHEN excluded.exit_ts IS NOT NULL
        AND (sessions.exit_ts IS NULL OR excluded.exit_ts >= sessions.exit_ts)
        THEN excluded.exit_url ELSE sessions.exit_url END,
    exit_ts = greatest(sessions.exit_ts, excluded.exit_ts),
    pages = sessions.pages + excluded.pages,
    clicks = sessions.clicks + excluded.clicks,
    errors = sessions.errors + excluded.errors,
    events = sessions.events + excluded.events,
    ip = CASE WHEN sessions.ip = '' THEN excluded.ip ELSE sessions.ip END
"""


def _sql_files(folder: str) -> list[tuple[int, str, str]]:
    base = resources.files("clearsight.store.duckdb") / folder
    if not base.is_dir():
        return []
    found = []
    for entry in base.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text()))
    return sorted(found)


# Rows derived per session (migrations 030+): erased with the session's own.
_DERIVED_TABLES = ["heat_views", "heat_clicks", "heat_moves", "heat_scrolls"]

# Roll-ups run inside every write transaction, after the raw rows, and read the
# new rows through the `<table>_in` views (always present, maybe empty). They keep
# pre-aggregates exactly in step with the raw tables.
ROLLUPS = [sql for _, _, sql in _sql_files("rollups")]


class DuckDBEventStore:
    name = "duckdb"
    dialect: Dialect = DuckDBDialect()

    def __init__(self, path: Path | str, sealer: chunks.ChunkSealer | None = None) -> None:
        self.path = str(path)
        self.sealer: chunks.ChunkSealer = sealer or chunks.PlainSealer()
        try:
            self._conn = duckdb.connect(self.path)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the event store {self.path}: {exc}") from None
        self._local = threading.local()
        self._generation = 0
        self._write_lock = threading.Lock()
        self.migrate()

    # -- plumbing -------------------------------------------------------------------------

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cur", None)
        if cur is None or getattr(self._local, "generation", -1) != self._generation:
            cur = self._local.cur = self._conn.cursor()
            self._local.generation = self._generation
        return cur

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except duckdb.Error as exc:
            raise StoreError(f"event store: {what} failed: {exc}") from exc

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        with self._errors("a query"):
            return self._cursor().sql(sql, params=list(params)).to_arrow_table()

    def migrate(self) -> list[str]:
        cur = self._cursor()
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT now())"
        )
        done = {row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for version, name, sql in _sql_files("migrations"):
            if version in done:
                continue
            cur.begin()
            try:
                cur.execute(sql)
                cur.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
                )
                cur.commit()
            except duckdb.Error:
                cur.rollback()
                raise
            applied.append(name)
        return applied

    def close(self) -> None:
        with self._write_lock:
            self._conn.close()

    # -- writes -------------------------------------------------------------------------------

    def apply(self, batches: Sequence[AcceptedBatch]) -> int:
        unique = list({b.bid: b for b in reversed(batches)}.values())[::-1]
        with self._write_lock:
            cur = self._cursor()
            with self._errors("checking batch ids"):
                known = {
                    r[0]
                    for r in cur.execute(
                        "SELECT bid FROM batches WHERE bid IN (SELECT unnest(?))",
                        [[b.bid for b in unique]],
                    ).fetchall()
                }
            fresh = [b for b in unique if b.bid not in known]
            if not fresh:
                return 0
            tables = build_rows(fresh, self.sealer)
            with self._errors("storing batches"):
                self._insert(cur, tables)
        return len(fresh)

    def _insert(self, cur: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
        cur.begin()
        try:
            for name, schema in SCHEMAS.items():
                cur.register(name + "_in", tables.get(name, schema.empty_table()))
            for name in tables:
                if name == "session_deltas":
                    cur.execute(_UPSERT_SESSIONS.replace("session_deltas", name + "_in"))
                else:
                    cur.execute(f"INSERT INTO {name} BY NAME SELECT * FROM {name}_in")
            for rollup in ROLLUPS:
                cur.execute(rollup)
            cur.commit()
        except BaseException:
            cur.rollback()
            raise
        finally:
            for name in SCHEMAS:
                cur.unregister(name + "_in")

    # -- analysis ------------------------------------------------------------------------------

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        with self._errors("an analysis query"):
            text, bound = duckdb_params(sql, params or {})
            return self._cursor().sql(text, params=bound).to_arrow_table()

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        with self._write_lock, self._errors("a derived-table write"):
            text, bound = duckdb_params(sql, params or {})
            self._cursor().execute(text, bound)

    def delete_rows(
        self, table: str, where: str, params: Mapping[str, Any], *, often: bool = False
    ) -> None:
        if not table.isidentifier():
            raise ValueError(f"{table!r} is not a table name")
        self.execute(f"DELETE FROM {table} WHERE {where}", params)

    # -- reads --------------------------------------------------------------------------------

    def has_batch(self, bid: str) -> bool:
        with self._errors("a batch lookup"):
            return bool(
                self._cursor().execute("SELECT 1 FROM batches WHERE bid = ?", [bid]).fetchall()
            )

    def list_sessions(self, filters: SessionFilter) -> SessionPage:
        return session_page(self.query, filters, self.dialect, _SUMMARY_COLUMNS)

    def get_session(
        self, sid: str, projects: tuple[str, ...] | None = None
    ) -> SessionSummary | None:
        sql = f"SELECT {_SUMMARY_COLUMNS} FROM sessions WHERE sid = ?"
        params: list[Any] = [sid]
        if projects is not None:
            sql += " AND list_contains(?, project)"
            params.append(list(projects))
        sql = with_score(sql, self.dialect)
        rows = self._fetch(sql, params).to_pylist()
        return SessionSummary(**rows[0]) if rows else None

    def replay_chunks(self, project: str, sid: str) -> list[StoredChunk]:
        rows = self._fetch(
            "SELECT seq, ts_first, ts_last, codec, data FROM replay_chunks "
            "WHERE sid = ? AND project = ? ORDER BY ts_first, seq",
            [sid, project],
        ).to_pylist()
        return [StoredChunk(**r) for r in rows]

    def timeline(self, project: str, sid: str) -> dict[str, pa.Table]:
        out = {}
        for table, cols in (
            ("pageviews", "ts, pv, url, path, title, vw, vh"),
            ("clicks", "ts, pv, path, sel, tag, x, y, fixed, inter, dis, n"),
            ("errors", "ts, pv, path, msg"),
            ("submits", "ts, pv, path, sel"),
        ):
            out[table] = self._fetch(
                f"SELECT {cols} FROM {table} WHERE sid = ? AND project = ? ORDER BY ts",
                [sid, project],
            )
        out["signals"] = self.query(TIMELINE_SIGNALS, {"sid": sid, "project": project})
        return out

    # -- retention and erasure ----------------------------------------------------------------

    def sessions_ended_before(
        self, project: str, before_ms: int, *, with_replay: bool, limit: int = 10_000
    ) -> list[str]:
        replay = "AND sid IN (SELECT sid FROM replay_chunks)" if with_replay else ""
        rows = self.query(
            f"SELECT sid FROM sessions WHERE project = :p AND ended_at < :before {replay} "
            "ORDER BY ended_at LIMIT :limit",
            {"p": project, "before": before_ms, "limit": limit},
        )
        return [str(v) for v in rows.column("sid").to_pylist()]

    def oldest_replay(self, project: str, exclude: Sequence[str] = ()) -> int | None:
        rows = self.query(
            "SELECT min(started_at) AS t FROM sessions WHERE project = :p "
            f"AND sid IN (SELECT sid FROM replay_chunks WHERE project = :p) "
            f"AND NOT {self.dialect.in_list('sid', 'skip')}",
            {"p": project, "skip": list(exclude)},
        )
        value = rows.column("t")[0].as_py()
        return None if value is None else int(value)

    def delete_sessions(self, project: str, sids: Sequence[str], *, replay_only: bool) -> int:
        if not sids:
            return 0
        tables = (
            ["replay_chunks"]
            if replay_only
            else [
                *(t for t in SCHEMAS if t != "session_deltas"),
                "sessions",
                "segment_members",
                *_DERIVED_TABLES,
            ]
        )
        derived = [] if replay_only else erase_where(self.dialect)
        of = {"p": project, "s": list(sids)}
        with self._write_lock, self._errors("deleting sessions"):
            cur = self._cursor()
            cur.begin()
            try:
                for table, where in derived:
                    cur.execute(*duckdb_params(f"DELETE FROM {table} WHERE {where}", of))
                for table in tables:
                    cur.execute(
                        f"DELETE FROM {table} WHERE project = $p AND list_contains($s, sid)", of
                    )
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
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
        if not rewrites:
            return 0
        catches = catches_table(
            [(r.project, r.sid, r.ts, i) for r in rewrites for i in r.incidents]
        )
        with self._write_lock, self._errors("rewriting replay chunks"):
            cur = self._cursor()
            cur.begin()
            try:
                cur.executemany(
                    "UPDATE replay_chunks SET codec = ?, data = ? WHERE project = ? AND bid = ?",
                    [[r.codec, r.data, r.project, r.bid] for r in rewrites],
                )
                cur.register("privacy_catches_in", catches)
                cur.execute("INSERT INTO privacy_catches BY NAME SELECT * FROM privacy_catches_in")
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
            finally:
                cur.unregister("privacy_catches_in")
        return len(rewrites)

    def compact(self) -> None:
        """Copy every live row into a fresh file and swap it in: freed blocks of deleted
        rows would otherwise keep their bytes until reused."""
        with self._write_lock, self._errors("compacting"):
            fresh = self.path + ".compact"
            for leftover in (fresh, fresh + ".wal"):
                if os.path.exists(leftover):
                    os.remove(leftover)
            name = self._conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            self._conn.execute(f"ATTACH '{fresh}' AS cs_fresh")
            self._conn.execute(f'COPY FROM DATABASE "{name}" TO cs_fresh')
            self._conn.execute("DETACH cs_fresh")
            self._conn.close()
            os.replace(fresh, self.path)
            if os.path.exists(self.path + ".wal"):
                os.remove(self.path + ".wal")
            self._conn = duckdb.connect(self.path)
            self._generation += 1

    def table_names(self) -> list[str]:
        rows = (
            self._cursor()
            .execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1"
            )
            .fetchall()
        )
        return [str(r[0]) for r in rows]

    def export_table(self, table: str, chunk_rows: int) -> Iterator[pa.RecordBatch]:
        if table not in self.table_names():
            raise ValueError(f"no table {table!r}")
        reader: pa.RecordBatchReader = (
            self._cursor().execute(f"SELECT * FROM {table}").to_arrow_reader(chunk_rows)
        )
        yield from reader

    def import_table(self, table: str, rows: pa.Table) -> None:
        """Bulk rows straight into a table (migrations, benchmarks): no de-duplication."""
        if table not in self.table_names():
            raise ValueError(f"no table {table!r}")
        with self._write_lock, self._errors(f"importing into {table}"):
            cur = self._cursor()
            cur.register("import_in", rows)
            try:
                cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM import_in")
            finally:
                cur.unregister("import_in")

    def row_count(self, table: str) -> int:
        if table not in self.table_names():
            raise ValueError(f"no table {table!r}")
        return int(self._cursor().execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])

    def count(self, table: str) -> int:
        if table not in SCHEMAS and table != "sessions":
            raise ValueError(f"unknown table {table!r}")
        return int(self._fetch(f"SELECT count(*) AS n FROM {table}").column("n")[0].as_py())
