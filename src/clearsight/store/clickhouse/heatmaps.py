"""Upkeep of the ClickHouse heatmap tables (migrations/030_heatmaps.sql).

The materialized views of migration 030 are the only definition of a heat
row: changing URL rules recreates them from that file, and a rebuild runs
their SELECTs over the whole raw tables.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from clearsight.store.clickhouse.schema import migrations, render, statements
from clearsight.store.clickhouse.store import ClickHouseEventStore
from clearsight.store.heat_rules import DEFAULT_RULES

TABLES = ("heat_views", "heat_clicks", "heat_moves", "heat_scrolls")
_VIEW = re.compile(
    r"CREATE MATERIALIZED VIEW \{view:(\w+)\} TO \{local:(\w+)\} AS\s+(SELECT .*)", re.S
)


def _views() -> list[tuple[str, str, str]]:
    """(view, heat table, SELECT over {local:raw}) of each materialized view in 030."""
    text = next(sql for _, name, sql in migrations() if name == "030_heatmaps.sql")
    return [m.groups() for s in statements(text) if (m := _VIEW.match(s))]  # type: ignore[misc]


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _cases(rules: Sequence[tuple[str, str]]) -> str:
    arms = ", ".join(f"match(seg, {_literal('^(?:' + p + ')$')}), {_literal(r)}" for p, r in rules)
    return f"multiIf({arms}, seg)" if arms else "seg"


def function_sql(own: dict[str, list[tuple[str, str]]]) -> str:
    """heat_key(project, path) for these projects' own rules, the defaults elsewhere."""
    arms = "".join(f"proj = {_literal(p)}, {_cases(rules)}, " for p, rules in own.items())
    body = f"multiIf({arms}{_cases(DEFAULT_RULES)})" if own else _cases(DEFAULT_RULES)
    return (
        "CREATE OR REPLACE FUNCTION {view:heat_key} AS (proj, p) -> "
        f"arrayStringConcat(arrayMap(seg -> {body}, splitByChar('/', p)), '/')"
    )


def _own_rules(store: ClickHouseEventStore) -> dict[str, list[tuple[str, str]]]:
    rows = store.query(
        "SELECT project, pattern, replacement FROM heat_url_rules ORDER BY project, pos"
    ).to_pylist()
    out: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        out.setdefault(str(r["project"]), []).append((str(r["pattern"]), str(r["replacement"])))
    return out


def _run(store: ClickHouseEventStore, statement: str) -> None:
    """DDL as it is: its string literals (':id') are not parameters to bind."""
    for sql in render(statement, store.layout):
        with store._lock:
            store._client.command(sql)


def set_url_rules(
    store: ClickHouseEventStore, project: str, rules: Sequence[tuple[str, str]] | None
) -> bool:
    wanted = None if rules is None else [(p, r) for p, r in rules]
    with store._errors("saving URL rules"):
        own = _own_rules(store)
        if own.get(project) == wanted:
            return False
        store._command(
            f"ALTER TABLE {store.layout.mutable('heat_url_rules')} DELETE WHERE project = :p",
            {"p": project},
        )
        if wanted is None:
            own.pop(project, None)
        else:
            own[project] = wanted
            for pos, (pattern, replacement) in enumerate(wanted, start=1):
                store._command(
                    "INSERT INTO heat_url_rules (project, pos, pattern, replacement) "
                    "VALUES (:project, :pos, :pattern, :replacement)",
                    {
                        "project": project,
                        "pos": pos,
                        "pattern": pattern,
                        "replacement": replacement,
                    },
                )
        _run(store, function_sql(own))
        for view, table, select in _views():
            _run(store, f"DROP VIEW IF EXISTS {{view:{view}}}")
            _run(
                store, f"CREATE MATERIALIZED VIEW {{view:{view}}} TO {{local:{table}}} AS {select}"
            )
    return True


def rebuild(store: ClickHouseEventStore) -> dict[str, float]:
    began = time.monotonic()
    with store._errors("rebuilding heatmaps"):
        for _, table, select in _views():
            store._command(f"TRUNCATE TABLE {store.layout.mutable(table)}")
            _run(store, f"INSERT INTO {{ref:{table}}} " + select.replace("{local:", "{ref:"))
        counts = {t: float(store.row_count(t)) for t in TABLES}
    return counts | {"seconds": round(time.monotonic() - began, 3)}
