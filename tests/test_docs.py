"""Every setting, CLI command and endpoint is documented; a new one without docs fails here."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from starlette.routing import Mount, Route

from clearsight.app import build_runtime, routes
from clearsight.cli import build_parser
from clearsight.config import load_settings, setting_names
from clearsight.http import permission_of

DOCS = Path(__file__).resolve().parent.parent / "docs"


def all_docs() -> str:
    return "\n".join(p.read_text() for p in sorted(DOCS.glob("*.md")))


def _commands(parser: argparse.ArgumentParser, prefix: str = "clearsight") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(f"{prefix} {name}")
                found += _commands(sub, f"{prefix} {name}")
    return found


def test_every_setting_is_documented() -> None:
    text = all_docs()
    missing = [
        n for n in setting_names() if f"CLEARSIGHT_{n.upper()}" not in text or f"`{n}`" not in text
    ]
    assert not missing, f"settings missing from docs/: {missing}"


def test_every_cli_command_is_documented() -> None:
    text = all_docs()
    missing = [c for c in _commands(build_parser()) if f"`{c}" not in text]
    assert not missing, f"commands missing from docs/: {missing}"


@pytest.fixture(scope="module")
def app_routes(tmp_path_factory: pytest.TempPathFactory) -> list[Route]:
    settings = load_settings({"data_dir": tmp_path_factory.mktemp("d"), "demo_site": True})
    rt = build_runtime(settings)
    try:
        return [r for r in routes(rt) if isinstance(r, Route)]
    finally:
        rt.close()


def test_every_endpoint_is_documented(app_routes: list[Route]) -> None:
    text = all_docs()
    missing = [
        r.path
        for r in app_routes
        if r.path.startswith(("/api/", "/healthz", "/capture.js"))
        and f"`{r.path}" not in text
        and not any(f"{m} {r.path}`" in text for m in r.methods or [])
    ]
    assert not missing, f"endpoints missing from docs/: {missing}"


def test_every_route_declares_a_permission(app_routes: list[Route]) -> None:
    undeclared = [r.path for r in app_routes if not permission_of(r)]
    assert not undeclared, f"routes without a permission: {undeclared}"


def test_static_mount_is_the_only_unguarded_route(tmp_path: Path) -> None:
    rt = build_runtime(load_settings({"data_dir": tmp_path}))
    try:
        mounts = [r.path for r in routes(rt) if isinstance(r, Mount)]
    finally:
        rt.close()
    assert mounts == ["/static"]
