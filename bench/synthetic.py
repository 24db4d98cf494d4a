"""A large synthetic dataset for benchmarks, built in Arrow (seconds, not hours).

Shaped like the demo's traffic: sessions of a few page views over a loan
funnel, clicks on a few hundred selectors per page, a long tail of pages.
It is loaded straight into a store's tables with the schemas of
``store/rows.py``, the same columns the writer produces, so every query
sees what production would. Nothing in it is, or looks like, customer data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from clearsight.store.rows import DAY_MS, SCHEMAS

T0 = 1_767_225_600_000  # 2026-01-01
STEPS = [
    "/apply/start",
    "/apply/details",
    "/loan/:id/income",
    "/loan/:id/offer",
    "/loan/:id/esign",
    "/loan/:id/complete",
]


@dataclass(frozen=True)
class Dataset:
    sessions: pa.Table
    pageviews: pa.Table
    clicks: pa.Table

    @property
    def rows(self) -> int:
        return self.pageviews.num_rows + self.clicks.num_rows


def _paths(n_urls: int) -> list[str]:
    return STEPS + [f"/help/article-{i}" for i in range(n_urls - len(STEPS))]


def generate(
    n_clicks: int = 10_000_000, n_urls: int = 200, project: str = "bench", seed: int = 1
) -> Dataset:
    rng = np.random.default_rng(seed)
    n_sessions = max(1, n_clicks // 10)
    paths = np.array(_paths(n_urls))
    # Funnel depth per session: each step loses about a fifth of the sessions.
    depth = np.minimum(rng.geometric(0.2, n_sessions), len(STEPS))
    starts = T0 + rng.integers(0, 30 * DAY_MS, n_sessions)
    sids = np.char.add("s", np.arange(n_sessions).astype(str))
    pv_session = np.repeat(np.arange(n_sessions), depth)
    pv_step = np.concatenate([np.arange(d) for d in depth])
    pv_ts = starts[pv_session] + pv_step * 40_000 + rng.integers(0, 20_000, len(pv_session))
    pageviews = _table(
        "pageviews",
        {
            "project": np.full(len(pv_session), project),
            "sid": sids[pv_session],
            "pv": np.char.add("pv", np.arange(len(pv_session)).astype(str)),
            "ts": pv_ts,
            "day": (pv_ts // DAY_MS).astype("int32"),
            "url": paths[pv_step],
            "path": paths[pv_step],
            "ref": np.full(len(pv_session), ""),
            "title": np.full(len(pv_session), ""),
            "vw": np.full(len(pv_session), 1440),
            "vh": np.full(len(pv_session), 900),
            "dh": np.full(len(pv_session), 2400),
        },
    )
    # Clicks: most on the funnel pages, a Zipf tail over the rest.
    page = np.where(
        rng.random(n_clicks) < 0.7,
        rng.integers(0, len(STEPS), n_clicks),
        np.minimum(rng.zipf(1.3, n_clicks) + len(STEPS) - 1, n_urls - 1),
    )
    who = rng.integers(0, n_sessions, n_clicks)
    ts = starts[who] + rng.integers(0, 300_000, n_clicks)
    sel_idx = rng.zipf(1.5, n_clicks) % 300
    sels = np.char.add("#el-", sel_idx.astype(str))
    n = n_clicks
    clicks = _table(
        "clicks",
        {
            "project": np.full(n, project),
            "sid": sids[who],
            "pv": np.full(n, "pv"),
            "ts": ts,
            "day": (ts // DAY_MS).astype("int32"),
            "path": paths[page],
            "sel": sels,
            "tag": np.full(n, "button"),
            "rect_x": (sel_idx * 3 % 1200).astype("float32"),
            "rect_y": (sel_idx * 37 % 2000).astype("float32"),
            "rect_w": np.full(n, 120.0),
            "rect_h": np.full(n, 40.0),
            "rx": rng.random(n),
            "ry": rng.random(n),
            "x": rng.random(n) * 1440,
            "y": rng.random(n) * 2400,
            "vw": rng.choice([390, 820, 1440], n),
            "vh": np.full(n, 900),
            "dh": np.full(n, 2400),
            "sy": np.zeros(n),
            "fixed": sel_idx < 5,
            "inter": np.ones(n, bool),
            "dis": np.zeros(n, bool),
            "reg": sel_idx == 7,
            "n": np.ones(n, "int32"),
            "fx_known": np.ones(n, bool),
            "fx_mut": rng.random(n) < 0.8,
            "fx_nav": rng.random(n) < 0.1,
            "fx_scroll": np.zeros(n, bool),
            "fx_focus": rng.random(n) < 0.3,
            "fx_err": rng.random(n) < 0.01,
            "fx_inval": rng.random(n) < 0.02,
        },
    )
    ends = starts + depth * 40_000 + 20_000
    sessions = _table(
        "session_deltas",
        {
            "project": np.full(n_sessions, project),
            "sid": sids,
            "vid": sids,
            "started_at": starts,
            "ended_at": ends,
            "entry_ts": starts,
            "entry_url": np.full(n_sessions, STEPS[0]),
            "exit_ts": ends,
            "exit_url": paths[depth - 1],
            "pages": depth.astype("int32"),
            "clicks": np.bincount(who, minlength=n_sessions).astype("int32"),
            "errors": np.zeros(n_sessions, "int32"),
            "events": (depth * 40).astype("int64"),
            "device": np.full(n_sessions, "desktop"),
            "browser": np.full(n_sessions, "Chrome 140"),
            "os": np.full(n_sessions, "Linux"),
            "vw": np.full(n_sessions, 1440, "int32"),
            "vh": np.full(n_sessions, 900, "int32"),
        },
    )
    return Dataset(sessions, pageviews, clicks)


def _table(name: str, columns: dict[str, object]) -> pa.Table:
    """The writer's schema for ``name``; columns the dataset does not vary (added by
    later features, such as ``ip``) take their type's empty value."""
    schema = SCHEMAS[name]
    n = len(next(iter(columns.values())))  # type: ignore[arg-type]
    arrays = []
    for f in schema:
        if f.name == "day":
            arrays.append(pa.array(columns[f.name], type=pa.int32()).cast(pa.date32()))
        elif f.name in columns:
            arrays.append(pa.array(columns[f.name], type=f.type))
        else:
            arrays.append(pa.repeat(_empty(f.type), n).cast(f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _empty(t: pa.DataType) -> pa.Scalar:
    if pa.types.is_string(t) or pa.types.is_binary(t):
        return pa.scalar("" if pa.types.is_string(t) else b"", type=t)
    if pa.types.is_boolean(t):
        return pa.scalar(False)
    return pa.scalar(0, type=t)
