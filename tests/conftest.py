from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Server, create_project, create_token


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def project_key(data_dir: Path) -> str:
    return create_project(data_dir, "bank", "https://apply.bank.test")


@pytest.fixture
def admin_token(data_dir: Path, project_key: str) -> str:
    return create_token(data_dir, "admin")


@pytest.fixture
def server(data_dir: Path, project_key: str, admin_token: str) -> Iterator[Server]:
    srv = Server(data_dir, token=admin_token).start()
    yield srv
    srv.stop()
