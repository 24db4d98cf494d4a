"""The heatmap tables kept by the writer: the same URL normalisation in SQL as in Python,
and nothing of an erased session left behind."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearsight.analyse.heatmap_urls import DEFAULT_RULES, normalise
from clearsight.store.accepted import AcceptedBatch
from clearsight.store.duckdb import DuckDBEventStore
from clearsight.store.duckdb import heatmaps as upkeep
from tests.heatmaps.views import Click, View
from tests.support import encode

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
    assert upkeep.DEFAULT_RULES == DEFAULT_RULES


@settings(max_examples=300, deadline=None)
@given(PATHS)
def test_sql_and_python_normalise_alike(store: DuckDBEventStore, path: str) -> None:
    assert sql_key(store, "any", path) == normalise(path, DEFAULT_RULES)


def test_project_rules_replace_the_defaults(store: DuckDBEventStore) -> None:
    rules = [("[A-Z]{2}[0-9]{6}", ":ref"), ("it's", ":quote")]
    assert upkeep.set_url_rules(store, "bank", rules)
    assert not upkeep.set_url_rules(store, "bank", rules)  # unchanged
    for path in ("/apply/AB123456/status", "/x/it's/12", "/loan/12/offer"):
        assert sql_key(store, "bank", path) == normalise(path, rules)
        assert sql_key(store, "other", path) == normalise(path, DEFAULT_RULES)
    assert upkeep.set_url_rules(store, "bank", None)
    assert sql_key(store, "bank", "/loan/12/offer") == "/loan/:id/offer"


def test_erasure_leaves_no_heatmap_row(tmp_path: Path) -> None:
    store = DuckDBEventStore(tmp_path / "events.duckdb")
    try:
        for sid in ("keep", "erase"):
            view = View(
                sid,
                "https://bank.test/loan/1/offer",
                1_767_225_600_000,
                clicks=[Click("#a", (0, 0, 10, 10))],
                scrolls=[(500, 100.0)],
                moves=[(700, "#a", 100)],
            )
            body = encode(view.batch("k"))
            accepted = AcceptedBatch(
                project="bank",
                bid=str(uuid.uuid4()),
                sid=sid,
                received_at=0,
                ip="",
                device="desktop",
                browser="",
                os="",
                body=body,
            )
            store.apply([accepted])
        tables = list(upkeep.TABLES)
        counts = {
            t: store.query(f"SELECT count(*) AS n FROM {t}").column("n")[0].as_py() for t in tables
        }
        assert counts == dict.fromkeys(tables, 2)
        store.delete_sessions("bank", ["erase"], replay_only=False)
        for t in tables:
            left = store.query(f"SELECT DISTINCT sid FROM {t}").column("sid").to_pylist()
            assert left == ["keep"], t
    finally:
        store.close()
