"""The event-store contract, identically on every backend."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import msgspec

from clearsight.store import chunks
from clearsight.store.accepted import AcceptedBatch, Incident
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.filters import scoped_sessions_sql
from tests.support import batch

DAY = 86_400_000
T0 = 1_767_225_600_000  # 2026-01-01


def accepted(
    project: str, body: dict[str, Any], catches: list[Incident] | None = None
) -> AcceptedBatch:
    return AcceptedBatch(
        project,
        body["bid"],
        body["sid"],
        body["sent"],
        "",
        "desktop",
        "Chrome 140",
        "Linux",
        msgspec.json.encode(body),
        catches or [],
    )


def put(store: EventStore, project: str, *bodies: dict[str, Any]) -> int:
    return store.apply([accepted(project, b) for b in bodies])


def sids(store: EventStore, **filters: Any) -> list[str]:
    page = store.list_sessions(SessionFilter(per_page=500, **filters))
    return sorted(s.sid for s in page.items)


def test_apply_is_idempotent_on_batch_ids(store: EventStore, project: str) -> None:
    b = batch("k", sid=f"{project}-a", n_clicks=3)
    assert put(store, project, b, b) == 1
    assert put(store, project, b) == 0
    s = store.get_session(f"{project}-a")
    assert s is not None and s.clicks == 3 and s.pages == 1 and s.project == project


def test_summary_folds_out_of_order_batches(store: EventStore, project: str) -> None:
    sid = f"{project}-ooo"
    late = batch("k", sid=sid, seq=1, ts=T0 + 60_000, url="https://bank.test/b")
    early = batch("k", sid=sid, seq=0, ts=T0, url="https://bank.test/a")
    put(store, project, late)
    put(store, project, early)
    s = store.get_session(sid)
    assert s is not None
    assert (s.entry_url, s.exit_url) == ("https://bank.test/a", "https://bank.test/b")
    assert s.pages == 2 and s.clicks == 2 and s.started_at == T0
    assert s.duration_ms == s.ended_at - T0 and s.device == "desktop"
    assert s.vw == 1440


def test_filters_pagination_and_scopes(store: EventStore, project: str) -> None:
    for i in range(6):
        url = f"https://bank.test/loan/{i}/offer" if i % 2 else "https://bank.test/cards/x"
        put(
            store,
            project,
            batch("k", sid=f"{project}-{i}", ts=T0 + i * DAY, url=url),
            batch(
                "k",
                sid=f"{project}-{i}",
                seq=1,
                ts=T0 + i * DAY + (i + 1) * 10_000,
                url="https://bank.test/done",
            ),
        )
    mine = (project,)
    assert len(sids(store, projects=mine)) == 6
    page = store.list_sessions(SessionFilter(projects=mine, per_page=4, page=2))
    assert page.total == 6 and [s.sid for s in page.items] == [f"{project}-1", f"{project}-0"]
    assert sids(store, projects=mine, since=T0 + 2 * DAY, until=T0 + 4 * DAY) == [
        f"{project}-2",
        f"{project}-3",
    ]
    assert sids(store, projects=mine, url="/loan/*/offer") == [
        f"{project}-1",
        f"{project}-3",
        f"{project}-5",
    ]
    assert sids(store, projects=mine, url="https://bank.test/loan/3/offer") == [f"{project}-3"]
    assert sids(store, projects=mine, min_duration_ms=45_000) == [f"{project}-4", f"{project}-5"]
    assert sids(store, projects=mine, scope_urls=("/cards/**",)) == [
        f"{project}-0",
        f"{project}-2",
        f"{project}-4",
    ]
    assert sids(store, projects=mine, scope_urls=()) == []
    assert sids(store, projects=mine, sids=(f"{project}-2", "nope")) == [f"{project}-2"]
    sql, params = scoped_sessions_sql(SessionFilter(projects=mine, url="/cards/x"), store.dialect)
    found = store.query(sql, params).column("sid").to_pylist()
    assert sorted(found) == [f"{project}-0", f"{project}-2", f"{project}-4"]


def test_replay_chunks_round_trip_in_time_order(store: EventStore, project: str) -> None:
    sid = f"{project}-replay"
    second = batch("k", sid=sid, seq=1, ts=T0 + 5_000)
    first = batch("k", sid=sid, seq=0, ts=T0)
    put(store, project, second, first)
    stored = store.replay_chunks(project, sid)
    assert [c.seq for c in stored] == [0, 1] and all(c.codec == "zstd" for c in stored)
    events = msgspec.json.decode(chunks.join_arrays([chunks.decompress(c.data) for c in stored]))
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    assert len(events) == 4
    tl = store.timeline(project, sid)
    assert tl["pageviews"].num_rows == 2 and tl["clicks"].column("sel")[0].as_py() == "#apply"


def test_portable_sql_gives_the_same_answers(store: EventStore, project: str) -> None:
    put(
        store,
        project,
        *[batch("k", sid=f"{project}-q{i}", ts=T0 + i * 1000, n_clicks=i + 1) for i in range(5)],
    )
    d = store.dialect
    over = "PARTITION BY project ORDER BY ts"
    rows = store.query(
        f"SELECT sid, ts, {d.lag('ts', over)} AS prev, {d.lead('ts', over)} AS next "
        "FROM pageviews WHERE project = :p ORDER BY ts",
        {"p": project},
    ).to_pylist()
    assert rows[0]["prev"] is None and rows[-1]["next"] is None
    assert [r["next"] - r["ts"] for r in rows[:-1]] == [1000] * 4
    stats = store.query(
        f"SELECT {d.quantile('CAST(n AS DOUBLE)', 0.5)} AS med, count(DISTINCT sid) AS s, "
        f"sum(CASE WHEN {d.regex_full_match('sel', ':rx')} THEN 1 ELSE 0 END) AS hits "
        f"FROM clicks WHERE project = :p AND {d.in_list('sid', 'keep')}",
        {"p": project, "rx": "#app.*", "keep": [f"{project}-q1", f"{project}-q2"]},
    ).to_pylist()
    assert stats == [{"med": 1.0, "s": 2, "hits": 5}]


def test_retention_queries_and_deletes(store: EventStore, project: str) -> None:
    for name, age in (("old", 40), ("older", 50), ("new", 0)):
        put(store, project, batch("k", sid=f"{project}-{name}", ts=T0 - age * DAY))
    old = store.sessions_ended_before(project, T0 - 30 * DAY, with_replay=True)
    assert old == [f"{project}-older", f"{project}-old"]
    assert store.oldest_replay(project) == T0 - 50 * DAY
    assert store.oldest_replay(project, exclude=[f"{project}-older"]) == T0 - 40 * DAY
    store.delete_sessions(project, old, replay_only=True)
    assert store.replay_chunks(project, f"{project}-old") == []
    assert store.get_session(f"{project}-old") is not None
    assert store.sessions_ended_before(project, T0 - 30 * DAY, with_replay=True) == []
    store.delete_sessions(project, [f"{project}-older"], replay_only=False)
    assert store.get_session(f"{project}-older") is None
    assert store.replay_chunks(project, f"{project}-new")


def test_subject_lookup_rows_and_erasure(
    store: EventStore, project: str, backend_dirs: dict[str, Path]
) -> None:
    marker = f"tok_{uuid.uuid4().hex[:24]}"
    sid = f"{project}-subject-{uuid.uuid4().hex[:8]}"
    b = batch("k", sid=sid, ts=T0)
    b["events"].append(
        {"t": "identify", "ts": T0 + 1, "pv": "pv1", "uid": marker, "traits": {"tier": ">20k"}}
    )
    put(store, project, b)
    assert store.sessions_of_user(project, marker) == [sid]
    rows = store.session_rows(project, sid)
    assert rows["identities"].num_rows == 1 and rows["clicks"].num_rows == 1
    store.delete_sessions(project, [sid], replay_only=False)
    store.compact()
    assert store.sessions_of_user(project, marker) == []
    assert store.get_session(sid) is None
    assert store.apply([accepted(project, b)]) == 1, "an erased batch id may come back"
    store.delete_sessions(project, [sid], replay_only=False)
    store.compact()
    assert store.get_session(sid) is None
