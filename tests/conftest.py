from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from clearsight.browser import FLAGS, chromium_path
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


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole run: Playwright's sync API allows one per thread."""
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        yield b
        b.close()
