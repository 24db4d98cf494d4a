"""DuckDB's heatmap upkeep: the defaults agree everywhere; project rules, quotes and all.
(Both backends' maps, normalisation and erasure: tests/backends/test_heatmaps.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources

import pytest

from clearsight.analyse.heatmap_urls import DEFAULT_RULES, normalise
from clearsight.store.duckdb import DuckDBEventStore
from clearsight.store.duckdb import heatmaps as upkeep


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBEventStore]:
    s = DuckDBEventStore(tmp_path_factory.mktemp("store") / "events.duckdb")
    yield s
    s.close()


def sql_key(store: DuckDBEventStore, project: str, path: str) -> str:
    rows = store.query("SELECT heat_key(:p, :path) AS k", {"p": project, "path": path})
    return str(rows.column("k")[0].as_py())


def test_the_migrations_spell_out_the_default_rules() -> None:
    """Both stores' first heat_key is written out in migration 030; it must be the
    same rules, in the same order, as ``store/heat_rules.py``."""
    store_dir = resources.files("clearsight.store")
    duck = (store_dir / "duckdb" / "migrations" / "030_heatmaps.sql").read_text()
    house = (store_dir / "clickhouse" / "migrations" / "030_heatmaps.sql").read_text()
    in_duck = re.findall(r"WHEN regexp_full_match\(seg, '([^']*)'\) THEN '([^']*)'", duck)
    in_house = re.findall(r"match\(seg, '\^\(\?:(.*?)\)\$'\), '([^']*)'", house)
    assert in_duck == in_house == DEFAULT_RULES


def test_project_rules_replace_the_defaults(store: DuckDBEventStore) -> None:
    rules = [("[A-Z]{2}[0-9]{6}", ":ref"), ("it's", ":quote")]
    assert upkeep.set_url_rules(store, "bank", rules)
    assert not upkeep.set_url_rules(store, "bank", rules)  # unchanged
    for path in ("/apply/AB123456/status", "/x/it's/12", "/loan/12/offer"):
        assert sql_key(store, "bank", path) == normalise(path, rules)
        assert sql_key(store, "other", path) == normalise(path, DEFAULT_RULES)
    assert upkeep.set_url_rules(store, "bank", None)
    assert sql_key(store, "bank", "/loan/12/offer") == "/loan/:id/offer"
