"""Golden files for the ClickHouse DDL as rendered for a single node and for a cluster.

A change to a migration or to the renderer shows up here as a readable diff.
Regenerate deliberately with CLEARSIGHT_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clearsight.store.clickhouse.schema import Layout, ledger_sql, migrations, render, statements

GOLDEN = Path(__file__).parent / "golden"


def rendered(layout: Layout) -> str:
    out = [ledger_sql(layout) + ";"]
    for _, name, sql in migrations():
        out.append(f"-- {name}")
        out += [r + ";" for s in statements(sql) for r in render(s, layout)]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    ("layout", "name"), [(Layout(), "single.sql"), (Layout("analytics"), "cluster.sql")]
)
def test_rendered_ddl_matches_golden(layout: Layout, name: str) -> None:
    text = rendered(layout)
    path = GOLDEN / name
    if os.environ.get("CLEARSIGHT_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.read_text() == text


def test_cluster_mode_replicates_and_distributes_every_table() -> None:
    text = rendered(Layout("analytics"))
    created = [line for line in text.splitlines() if line.startswith("CREATE TABLE")]
    local = [line for line in created if "_local ON CLUSTER analytics" in line]
    distributed = [line for line in created if "ENGINE = Distributed(analytics" in line]
    assert len(local) == len(distributed) >= 15
    assert "non_replicated_deduplication_window" not in text
    assert "ENGINE = ReplicatedMergeTree" in text and "ReplicatedReplacingMergeTree" in text
    assert "CREATE VIEW sessions ON CLUSTER analytics" in text
    assert "FROM session_deltas AS d" in text  # the view reads the Distributed table
