"""DuckDB's heatmap upkeep: the defaults agree everywhere; project rules, quotes and all.
(Both backends' maps, normalisation and erasure: tests/backends/test_heatmaps.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import strategies as st

from clearsight.analyse.heatmap_urls import DEFAULT_RULES, normalise
from clearsight.store.clickhouse import heatmaps as clickhouse
from clearsight.store.duckdb import DuckDBEventStore
from clearsight.store.duckdb import heatmaps as upkeep

SEGMENTS = st.one_of(
    st.from_regex(r"[0-9]{1,8}", fullmatch=True),
    st.uuids().map(str),
    st.from_regex(r"[0-9a-f]{14,20}", fullmatch=True),
    st.sampled_from(["loan", "offer", "apply", "details", "v2", "ABC123", "deadbeef", ""]),
    st.text("abcXYZ019-_.~:", max_size=12),
)
PATHS = st.lists(SEGMENTS, max_size=6).map(lambda parts: "/" + "/".join(parts))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBEventStore]:
    s = DuckDBEventStore(tmp_path_factory.mktemp("store") / "events.duckdb")
    yield s
    s.close()


def sql_key(store: DuckDBEventStore, project: str, path: str) -> str:
    rows = store.query("SELECT heat_key(:p, :path) AS k", {"p": project, "path": path})
    return str(rows.column("k")[0].as_py())


def test_the_store_defaults_are_the_documented_ones() -> None:
    assert upkeep.DEFAULT_RULES == clickhouse.DEFAULT_RULES == DEFAULT_RULES


def test_project_rules_replace_the_defaults(store: DuckDBEventStore) -> None:
    rules = [("[A-Z]{2}[0-9]{6}", ":ref"), ("it's", ":quote")]
    assert upkeep.set_url_rules(store, "bank", rules)
    assert not upkeep.set_url_rules(store, "bank", rules)  # unchanged
    for path in ("/apply/AB123456/status", "/x/it's/12", "/loan/12/offer"):
        assert sql_key(store, "bank", path) == normalise(path, rules)
        assert sql_key(store, "other", path) == normalise(path, DEFAULT_RULES)
    assert upkeep.set_url_rules(store, "bank", None)
    assert sql_key(store, "bank", "/loan/12/offer") == "/loan/:id/offer"
