"""A big event store for the signal-recompute benchmark, made from the recorded personas.

1. The tune recordings (real Chromium sessions of the demo site) go through
   the real ingest pipeline into a fresh server store.
2. Each becomes three variants, cut after its first page view (a bounce on
   the landing page), after its second (left on the details form), or kept
   whole. Their features are found by ``Detector.rebuild``, as the after-apply
   hook finds them for every session that arrives.
3. N synthetic sessions are copied from the variants in SQL, rows and
   features alike: session k copies a recording drawn with the demo's persona
   weights (as ``clearsight demo`` does), cut so that half are landing
   bounces, three in ten stop at the details form and two in ten go on. Each
   copy gets its own session and page-view ids and its own start in the last
   30 days. That gives about ten clicks per session, the ratio the requirement
   states (1M sessions, about 10M clicks); every other table is cut the same
   way, so its ratio to clicks stays that of real sessions.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from clearsight.analyse.features import COLUMNS
from clearsight.analyse.signals import Detector
from clearsight.app import Runtime, build_runtime
from clearsight.config import load_settings
from clearsight.demo.expand import PERSONA_WEIGHTS, load_recordings
from clearsight.demo.loader import DEMO_PROJECT, ensure_demo_project
from clearsight.demo.scoring import session_ids
from clearsight.store.rows import SCHEMAS

TABLES = ["pageviews", "clicks", "moves", "scrolls", "errors", "submits", "fields"]
CUTS = (1, 2, 99)
SESSION_COLUMNS = (
    "project, sid, vid, started_at, ended_at, entry_ts, entry_url, exit_ts, exit_url, pages, "
    "clicks, errors, events, device, browser, os, vw, vh"
)


def _select(table: str, renamed: dict[str, str]) -> str:
    return ", ".join(renamed.get(c, f"t.{c}") for c in SCHEMAS[table].names)


def _variants(rt: Runtime) -> None:
    """Every recorded session cut after 1, 2 and all of its page views (sid ``<sid>~<cut>``)."""
    ex = rt.store.execute
    ex(
        "CREATE OR REPLACE TABLE tpl_pages AS SELECT pv, "
        "row_number() OVER (PARTITION BY sid ORDER BY ts) AS page_no FROM pageviews"
    )
    ex("CREATE OR REPLACE TABLE tpl_cuts AS SELECT unnest(:cuts) AS cut", {"cuts": list(CUTS)})
    rename = {
        "sid": "t.sid || '~' || CAST(c.cut AS VARCHAR)",
        "pv": "t.pv || '~' || CAST(c.cut AS VARCHAR)",
    }
    for table in TABLES:
        ex(
            f"INSERT INTO {table} SELECT {_select(table, rename)} FROM {table} t "
            "CROSS JOIN tpl_cuts c LEFT JOIN tpl_pages p ON p.pv = t.pv "
            "WHERE coalesce(p.page_no, 1) <= c.cut"
        )
    ex(
        f"INSERT INTO sessions ({SESSION_COLUMNS}) SELECT s.project, s.sid || '~' || "
        "CAST(c.cut AS VARCHAR), s.vid, s.started_at, greatest(s.started_at, p.last_ts), "
        "p.entry_ts, p.entry_url, p.exit_ts, p.exit_url, p.pages, s.clicks, s.errors, s.events, "
        "s.device, s.browser, s.os, s.vw, s.vh FROM sessions s CROSS JOIN tpl_cuts c JOIN ("
        "SELECT sid, min(ts) AS entry_ts, max(ts) AS exit_ts, arg_min(url, ts) AS entry_url, "
        "arg_max(url, ts) AS exit_url, CAST(count(*) AS INTEGER) AS pages, max(ts) AS last_ts "
        "FROM pageviews WHERE sid LIKE '%~%' GROUP BY sid"
        ") p ON p.sid = s.sid || '~' || CAST(c.cut AS VARCHAR)"
    )
    for table in [*TABLES, "sessions"]:
        ex(f"DELETE FROM {table} WHERE sid NOT LIKE '%~%'")


def _plan(rt: Runtime, sessions: int, now_ms: int, weights: dict[str, int]) -> None:
    """syn: per synthetic session, its variant and start time. Recordings are drawn with
    the demo's persona weights (``expand.PERSONA_WEIGHTS``), as ``clearsight demo`` does."""
    ex = rt.store.execute
    ranges, at = [], 0
    for sid, weight in weights.items():
        ranges.append({"rec": sid, "lo": at, "hi": at + weight})
        at += weight
    ex("CREATE OR REPLACE TABLE tpl_weights (rec VARCHAR, lo BIGINT, hi BIGINT)")
    for r in ranges:
        ex("INSERT INTO tpl_weights VALUES (:rec, :lo, :hi)", r)
    ex(
        "CREATE OR REPLACE TABLE tpl AS SELECT sid, started_at, split_part(sid, '~', 1) AS rec, "
        "CAST(split_part(sid, '~', 2) AS INTEGER) AS cut FROM sessions WHERE project = :p",
        {"p": DEMO_PROJECT},
    )
    ex(
        "CREATE OR REPLACE TABLE syn AS SELECT k, t.sid AS tsid, t.started_at AS t0, "
        "CAST(:now - (hash(k * 13) % CAST(2592000000 AS UBIGINT)) AS BIGINT) AS start_ms "
        "FROM range(:n) r(k) JOIN tpl_weights w "
        "ON hash(k * 11) % :total >= w.lo AND hash(k * 11) % :total < w.hi "
        "JOIN tpl t ON t.rec = w.rec AND t.cut = CASE "
        "WHEN hash(k * 7) % 10 < 5 THEN 1 WHEN hash(k * 7) % 10 < 8 THEN 2 ELSE 99 END",
        {"n": sessions, "now": now_ms, "total": at},
    )


def _copy(rt: Runtime, table: str, columns: list[str]) -> None:
    shifted = "t.ts - y.t0 + y.start_ms"
    sid, pv = "'syn-' || CAST(y.k AS VARCHAR)", "t.pv || '-' || CAST(y.k AS VARCHAR)"
    rename = {
        "sid": sid,
        "pv": pv,
        "ts": shifted,
        "day": f"CAST(make_timestamp(({shifted}) * 1000) AS DATE)",
        "fid": f"hash({sid}, {pv}, t.kind, {shifted}, t.sel)",
        "pvk": f"hash({sid}, {pv})",
        "sk": f"hash({sid})",
    }
    cols = ", ".join(rename.get(c, f"t.{c}") for c in columns)
    rt.store.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {cols} FROM syn y "
        f"JOIN {table} t ON t.sid = y.tsid ORDER BY {shifted}"
    )


def _copy_sessions(rt: Runtime) -> None:
    delta = "y.start_ms - y.t0"
    rt.store.execute(
        f"INSERT INTO sessions ({SESSION_COLUMNS}) "
        "SELECT s.project, 'syn-' || CAST(y.k AS VARCHAR), "
        f"'v' || CAST(y.k AS VARCHAR), s.started_at + {delta}, s.ended_at + {delta}, "
        f"s.entry_ts + {delta}, s.entry_url, s.exit_ts + {delta}, s.exit_url, s.pages, s.clicks, "
        "s.errors, s.events, s.device, s.browser, s.os, s.vw, s.vh "
        "FROM syn y JOIN sessions s ON s.sid = y.tsid"
    )


def build_store(data_dir: Path, sessions: int) -> tuple[Runtime, dict[str, Any]]:
    """A runtime whose event store holds ``sessions`` synthetic sessions and their features.

    A store built before in ``data_dir`` (for the same number of sessions) is reused."""
    rt = build_runtime(load_settings({"data_dir": data_dir, "encrypt_at_rest": False}))
    marker = data_dir / f"synthetic-{sessions}"
    if marker.exists():
        return rt, _counts(rt)
    ensure_demo_project(rt.control)
    tune = [r for r in load_recordings() if r.split == "tune" and r.batches]
    rt.ingestor.bulk_load(b.encode() for r in tune for b in r.batches)
    weights = {session_ids(r).pop(): PERSONA_WEIGHTS.get(r.persona, 5) for r in tune}
    _variants(rt)
    Detector(rt.store, rt.control).rebuild(DEMO_PROJECT)
    _plan(rt, sessions, int(time.time() * 1000), weights)
    for table in TABLES:
        _copy(rt, table, list(SCHEMAS[table].names))
    _copy(rt, "signal_features", ["project", "fid", "pvk", "sk", "page", *COLUMNS.split(", ")])
    _copy_sessions(rt)
    rt.store.execute("DELETE FROM signals")
    rt.store.execute("DELETE FROM session_frustration")
    for table in [*TABLES, "sessions", "signal_features"]:
        rt.store.execute(f"DELETE FROM {table} WHERE sid LIKE '%~%'")
    for table in ["syn", "tpl", "tpl_pages", "tpl_cuts", "tpl_weights"]:
        rt.store.execute(f"DROP TABLE {table}")
    rt.store.execute("CHECKPOINT")
    marker.touch()
    return rt, _counts(rt)


def _counts(rt: Runtime) -> dict[str, Any]:
    return {
        t: rt.store.query(f"SELECT count(*) AS n FROM {t}").column("n")[0].as_py()
        for t in [*TABLES, "sessions", "signal_features"]
    }
