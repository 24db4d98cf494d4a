"""One suite, every event-store backend: a real DuckDB file and the real ClickHouse engine.

ClickHouse runs in-process through chDB behind clickhouse-connect's own client,
so the same queries, inserts and result handling run as against a server;
only the transport differs. chDB allows one engine per process, hence stores
shared by the whole session and a fresh project per test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearsight.store.base import EventStore
from clearsight.store.clickhouse import ClickHouseEventStore
from clearsight.store.control import ControlPlane
from clearsight.store.duckdb import DuckDBEventStore
from tests.backends.postgres import postgres_server

_counter = itertools.count()


@pytest.fixture(scope="session")
def backend_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {"duckdb": tmp_path_factory.mktemp("duck"), "clickhouse": tmp_path_factory.mktemp("ch")}


@pytest.fixture(scope="session")
def stores(backend_dirs: dict[str, Path]) -> Iterator[dict[str, EventStore]]:
    opened: dict[str, EventStore] = {
        "duckdb": DuckDBEventStore(backend_dirs["duckdb"] / "events.duckdb"),
        "clickhouse": ClickHouseEventStore(f"chdb://{backend_dirs['clickhouse']}"),
    }
    yield opened
    for store in opened.values():
        store.close()


@pytest.fixture(params=["duckdb", "clickhouse"])
def store(request: pytest.FixtureRequest, stores: dict[str, EventStore]) -> EventStore:
    return stores[request.param]


@pytest.fixture
def project() -> str:
    return f"p{next(_counter)}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def control_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'control.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    # A fresh schema per test keeps tests apart on the one server.
    import sqlalchemy as sa

    schema = f"t{next(_counter)}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    return f"{url}?options=-csearch_path%3D{schema}"


@pytest.fixture
def control(control_url: str) -> Iterator[ControlPlane]:
    plane = ControlPlane(control_url)
    yield plane
    plane.close()
