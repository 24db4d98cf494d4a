"""The journeys' SQL on every backend: funnels, attributes, segments, imports, server-side
events, experiments and KPIs give the same numbers on DuckDB and on ClickHouse.

The data is the hand-computed funnel fixture of tests/journeys/test_funnels.py, stored
straight through ``EventStore.apply``; its customer ids are tokenized as ingest would.
"""

from __future__ import annotations

from typing import Any

import pytest

from clearsight.analyse import attributes, customer_data, experiments, funnels, imports, kpis
from clearsight.analyse import segments as seg
from clearsight.analyse.sqlbuild import Binder
from clearsight.privacy.tokenize import tokenize
from clearsight.store.base import EventStore, SessionFilter, SubQuery
from clearsight.store.control import ControlPlane
from tests.backends.test_event_store import put
from tests.journeys.support import DAY, MIN, T0
from tests.journeys.test_funnels import FUNNEL, _disbursed, _fixture

SECRET = b"k" * 32
LOAN = funnels.Funnel("loan", "Loan", [funnels.Step(**s) for s in FUNNEL["steps"]], 60)


def _tokenized(body: dict[str, Any]) -> dict[str, Any]:
    for e in body["events"]:
        if e["t"] == "identify":
            e["uid"] = tokenize(SECRET, e["uid"])
    return body


@pytest.fixture
def loaded(store: EventStore, project: str) -> tuple[EventStore, str]:
    bodies = [_tokenized(b) for b in _fixture("k")]
    for b in bodies:
        b["sid"] = f"{project}-{b['sid']}"
    put(store, project, *bodies)
    events = [customer_data.ServerEvent(**e) for e in _disbursed()["events"]]
    done = customer_data.record(store, SECRET, project, events)
    assert done.stored == 5
    return store, project


def _day(project: str) -> SessionFilter:
    return SessionFilter(projects=(project,), since=T0, until=T0 + DAY)


def _column(steps: list[dict[str, Any]], key: str) -> list[Any]:
    return [s[key] for s in steps]


def test_funnel_numbers(loaded: tuple[EventStore, str]) -> None:
    store, project = loaded
    steps = funnels.run(store, LOAN, project, _day(project))[""]
    assert _column(steps, "sessions") == [8, 6, 4, 2]
    assert _column(steps, "median_ms_to_next") == [150_000, 180_000, 930_000, None]
    everything = funnels.run(store, LOAN, project, SessionFilter(projects=(project,)))[""]
    assert _column(everything, "sessions") == [11, 8, 5, 2]
    tiers = funnels.run(store, LOAN, project, _day(project), "trait.tier")
    assert {g: _column(s, "sessions") for g, s in tiers.items()} == {
        "(none)": [3, 1, 0, 0],
        "big": [3, 3, 2, 1],
        "small": [2, 2, 2, 1],
    }


def test_funnel_stage_sessions(loaded: tuple[EventStore, str]) -> None:
    store, project = loaded
    sub = funnels.stage_filter(LOAN, project, 2, "dropped", store.dialect)
    page = store.list_sessions(SessionFilter(projects=(project,), within=(sub,), per_page=50))
    assert sorted(s.sid.split("-", 1)[1] for s in page.items) == ["s10", "s3", "s8"]


def test_builtin_attributes(loaded: tuple[EventStore, str]) -> None:
    store, project = loaded
    d = store.dialect
    assert attributes.top_values(store, project, "device", d) == [("desktop", 12)]
    assert attributes.top_values(store, project, "viewport", d) == [("xl (1200+)", 12)]
    assert attributes.top_values(store, project, "source", d) == [("direct", 12)]
    entry = dict(attributes.top_values(store, project, "entry_page", d))
    assert entry["/apply/start"] == 10 and entry["/loan/10023/income"] == 1
    assert attributes.top_values(store, project, "visitor", d) == [("new", 12)]


def test_segments_and_imports(
    loaded: tuple[EventStore, str], control: ControlPlane, tmp_path: Any
) -> None:
    store, project = loaded
    control.create_project(project)
    export = b"customer_id,tier,score\nC-1,gold,7\nC-2,gold,3\nC-6,silver,9\n,gold,1\n"
    report = imports.run_import(store, project, SECRET, export, imports.Options(fmt="csv"))
    assert report.imported == 3 and [r.line for r in report.rejected] == [5]
    again = imports.run_import(store, project, SECRET, b"customer_id,tier\nC-2,silver\n")
    assert again.imported == 1
    values = dict(attributes.top_values(store, project, "import.tier", store.dialect))
    assert values == {"gold": 1, "silver": 2}
    high = seg.Segment("high", conditions=[seg.Condition("import.score", "gte", 5)])
    seg.saved(control).put(project, "high", high)
    assert seg.refresh(store, project, high) == 2  # C-1 and C-6
    tier = seg.Segment("big", conditions=[seg.Condition("trait.tier", "in", ["big"])])
    assert seg.refresh(store, project, tier) == 3
    seg.update_sessions(store, project, [high, tier], [f"{project}-s1", f"{project}-s6"])
    assert seg.count(store, project, "high") == 2 and seg.count(store, project, "big") == 3
    found = funnels.run(store, LOAN, project, SessionFilter(projects=(project,), segment="big"))
    assert _column(found[""], "sessions") == [3, 3, 2, 1]
    hook = customer_data.ErasureHook(store)
    assert hook(project, tokenize(SECRET, "C-6")) == 4  # two attributes, two server events
    assert seg.refresh(store, project, high) == 1


def test_experiment_and_kpis(loaded: tuple[EventStore, str], control: ControlPlane) -> None:
    store, project = loaded
    control.create_project(project)
    bodies = []
    for n in range(6):
        steps = [{"t": "pageview", "ts": T0 + DAY + n, "pv": "a", "url": "https://x/apply/start"},
                 {"t": "experiment", "ts": T0 + DAY + n, "pv": "a", "exp": "layout",
                  "variant": "AB"[n % 2]}]  # fmt: skip
        if n < 3:
            steps.append(
                {"t": "pageview", "ts": T0 + DAY + MIN, "pv": "b", "url": "https://x/done"}
            )
        bodies.append(_body(f"{project}-x{n}", steps))
    put(store, project, *bodies)
    buy = funnels.Funnel(
        "buy", "Buy", [funnels.Step("s", url="/apply/start"), funnels.Step("d", url="/done")]
    )
    funnels.saved(control).put(project, "buy", buy)
    experiments.save_settings(control, project, "layout", experiments.Settings(funnel="buy"))
    r = experiments.report(store, control, project, "layout", SessionFilter(projects=(project,)))
    assert [(v["variant"], v["sessions"], v["conversions"]) for v in r["variants"]] == [
        ("A", 3, 2),
        ("B", 3, 1),
    ]
    assert experiments.exposure_page(store, project, "layout") == "/apply/start"
    reached = funnels.furthest_steps(store, control, project, [f"{project}-x0", f"{project}-x3"])
    assert reached == {f"{project}-x0": "2. d", f"{project}-x3": "1. s"}
    assert experiments.listing(store, project) == [{"name": "layout", "variants": {"A": 3, "B": 3}}]
    names = {a.name for a in attributes.catalogue(store, project)}
    assert {"trait.tier", "experiment.layout", "device"} <= names
    f = SessionFilter(projects=(project,), since=T0, until=T0 + 2 * DAY)
    start = SubQuery(
        "SELECT sid FROM pageviews WHERE project = :s0 AND path = '/apply/start'", {"s0": project}
    )
    days = kpis.daily(store, control, project, f, start)
    assert [(r["sessions"], r["started"]) for r in days] == [(9, 8), (6, 6)]
    pages = kpis.time_on_page(store, f)
    assert sum(int(r["n"]) for r in pages) > 0


def _body(sid: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "v": 1, "key": "k", "sid": sid, "vid": sid, "seq": 0, "bid": f"b-{sid}",
        "sent": events[-1]["ts"], "consent": {"state": "granted"}, "rrweb": [], "events": events,
    }  # fmt: skip


def test_binder_params_do_not_clash(store: EventStore, project: str) -> None:
    bind = Binder("z")
    sql = attributes.attribute_sql("experiment.layout", project, store.dialect, bind)
    assert store.query(f"SELECT count(*) AS n FROM ({sql}) a", bind.params).num_rows == 1
