"""What `pip install .` brings is what the server and CLI import: a fresh `make demo`
installs the runtime dependencies only, so a module imported from one of the dev
extras fails there and nowhere else."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "clearsight"
RECORDER = {"generate.py", "flows.py", "visitor.py", "personas.py"}
"""demo/: the tool that records the demo sessions (needs the `demo` extra); the server
replays its recordings and never imports it."""


def _declared(names: list[str]) -> set[str]:
    return {re.split(r"[\[<>=~! ;]", n, maxsplit=1)[0].lower().replace("_", "-") for n in names}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_server_imports_only_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _declared(project["dependencies"])
    dists = packages_distributions()
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        recorder = path.parent.name == "demo" and path.name in RECORDER
        for module in _imports(path):
            if module in sys.stdlib_module_names or module in ("clearsight", "__future__"):
                continue
            owners = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
            if recorder and module == "faker":
                continue
            if not owners & runtime and module != "clickhouse_connect":
                missing.append(f"{path.relative_to(ROOT)}: {module}")
    # clickhouse-connect is the `clickhouse` extra, imported only when an event store URL
    # asks for it.
    assert missing == []


def test_the_recorder_is_not_imported_by_the_server() -> None:
    for path in sorted(SRC.rglob("*.py")):
        if path.parent.name == "demo" and path.name in RECORDER:
            continue
        text = path.read_text()
        for name in RECORDER:
            module = name.removesuffix(".py")
            assert f"clearsight.demo.{module}" not in text, path
            assert f"from clearsight.demo import {module}" not in text, path
