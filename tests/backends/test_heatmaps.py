"""Heatmaps on every event-store backend: the same rows in, the same maps out.

The heat_* tables are kept by DuckDB's roll-up and by ClickHouse's materialized
views; the analyses are one portable SQL. This runs them on both.
"""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearsight.analyse import heatmap, heatmap_elements
from clearsight.analyse.conversion import Goal
from clearsight.analyse.heatmap_query import HeatQuery
from clearsight.analyse.heatmap_urls import DEFAULT_RULES, normalise, resolve_pages
from clearsight.store import heatmaps as upkeep
from clearsight.store.base import EventStore
from tests.backends.test_event_store import put
from tests.heatmaps.test_heatmap_api import dataset

PATHS = st.lists(
    st.one_of(
        st.from_regex(r"[0-9]{1,8}", fullmatch=True),
        st.uuids().map(str),
        st.from_regex(r"[0-9a-f]{14,20}", fullmatch=True),
        st.sampled_from(["loan", "offer", "v2", "ABC123", "deadbeef", "", "it's", "a\\b"]),
    ),
    max_size=5,
).map(lambda parts: "/" + "/".join(parts))


def load(store: EventStore, project: str) -> HeatQuery:
    put(store, project, *(msgspec.to_builtins(v.batch("k")) for v in dataset()))
    pages = resolve_pages(store, project, "/loan/1/offer", DEFAULT_RULES)
    assert [p.key for p in pages] == ["/loan/:id/offer"]
    return HeatQuery(
        project=project,
        pages=tuple(p.page for p in pages),
        bucket=2,
        goal=Goal(url_pattern="/loan/*/complete"),
    )


def by_sel(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["sel"]: r for r in rows}


def test_maps_agree_on_every_backend(store: EventStore, project: str) -> None:
    q = load(store, project)
    counts = heatmap.bucket_counts(store, q)
    assert counts["desktop"] == {"views": 6, "sessions": 6} and counts["mobile"]["views"] == 4
    ranked = heatmap_elements.ranking(store, q)
    e = by_sel(ranked["elements"])
    assert (e["#accept"]["clicks"], e["#accept"]["views"], e["#accept"]["rank"]) == (12, 6, 1)
    assert (e["#help"]["layer"], e["#help"]["rank"]) == ("sticky", None)
    assert e["#accept"]["conversion"] == 0.5
    sticky = heatmap.click_points(store, msgspec.structs.replace(q, layer="sticky"))
    assert (sticky["sel"], sticky["ay"], sticky["n"]) == (["#help"], [25.0], [3])
    shares = [b["share"] for b in heatmap.scroll_bands(store, q)["bands"]]
    assert shares[:13] == [1.0] * 13 and shares[13:] == [0.0] * 7
    ms = [b["ms"] for b in heatmap.attention_bands(store, q)["bands"]]
    assert ms[0] == 2000.0 and ms[8] == 5000.0
    reg = by_sel(heatmap_elements.regulatory(store, q)["elements"])
    assert reg["#consent"]["time_to_tick_ms"] == {"median": 5000, "p90": 5000}
    assert reg["#disc"]["share_of_visitors"] == 0.6
    returning = msgspec.structs.replace(q, visitor="returning")
    assert by_sel(heatmap_elements.ranking(store, returning)["elements"])["#accept"]["clicks"] == 2


def test_rules_and_erasure_on_every_backend(store: EventStore, project: str) -> None:
    q = load(store, project)
    assert upkeep.set_url_rules(store, project, [("[0-9]+", ":loan")])
    upkeep.rebuild(store)
    pages = resolve_pages(store, project, "/loan/1/offer", [("[0-9]+", ":loan")])
    assert [p.key for p in pages] == ["/loan/:loan/offer"]
    assert upkeep.set_url_rules(store, project, None)
    upkeep.rebuild(store)
    store.delete_sessions(project, [f"sess-desk-{i}" for i in range(6)], replay_only=False)
    left = heatmap_elements.ranking(store, q)
    assert left["elements"] == [] and left["totals"]["views"] == 0


# The store is shared and the test only reads it: reusing it across examples is the point.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=PATHS)
def test_normalisation_is_the_same_in_every_engine(store: EventStore, path: str) -> None:
    found = store.query("SELECT heat_key(:p, :path) AS k", {"p": "any", "path": path})
    assert found.column("k")[0].as_py() == normalise(path, DEFAULT_RULES)
