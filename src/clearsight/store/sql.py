"""Portable analysis SQL and the per-backend dialects that finish it.

Analyses (``analyse/``) write SQL in the subset DuckDB and ClickHouse share,
with named parameters written ``:name`` and no ``::`` casts. Where the engines
differ, they call a ``Dialect`` method for the fragment. The store turns
``:name`` into its own parameter style. Nothing outside ``store/`` knows
which engine runs the query.

The shared subset, checked against both engines: SELECT/WITH/GROUP BY/ORDER
BY/LIMIT; count, sum, avg, min, max, count(DISTINCT x); CASE; coalesce,
greatest, least, abs, floor, round; CAST(x AS BIGINT|DOUBLE|VARCHAR);
window functions with explicit frames; ``IN (SELECT ...)``. Not shared: the
FILTER clause (use ``sum(CASE ...)``), correlated subqueries (use ``IN``),
``::`` casts, ``//``.

Name a qualified column that several joined tables have (``f.sid AS sid``):
ClickHouse calls an unnamed one ``f.sid``, and the outer query or the caller
would not find ``sid``. The ClickHouse store sets what makes the rest agree
with DuckDB: NULLs from outer joins and from casts, and a column winning over
an alias of the same name (``max(ts) AS ts, argMax(sel, ts)``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

PARAM = re.compile(r"(?<![:\w]):([a-zA-Z_]\w*)")


class Dialect(Protocol):
    name: str

    def quantile(self, expr: str, q: float) -> str:
        """Interpolated quantile ``q`` (0..1) of ``expr``."""
        ...

    def regex_full_match(self, expr: str, pattern: str) -> str:
        """True when the whole of ``expr`` matches RE2 ``pattern`` (an SQL expression)."""
        ...

    def lag(self, expr: str, over: str, offset: int = 1) -> str:
        """``expr`` from ``offset`` rows earlier in the window ``over`` (NULL before the first)."""
        ...

    def lead(self, expr: str, over: str, offset: int = 1) -> str: ...

    def any_value(self, expr: str) -> str: ...

    def in_list(self, expr: str, param: str) -> str:
        """True when ``expr`` is in the list bound to parameter ``param``."""
        ...

    def arg_max(self, expr: str, by: str) -> str:
        """``expr`` from the row with the largest ``by``."""
        ...

    def regex_replace(self, expr: str, pattern: str, replacement: str) -> str:
        """``expr`` with every match of RE2 ``pattern`` replaced (both SQL expressions)."""
        ...

    def json_string(self, expr: str, key: str) -> str:
        """Member ``key`` of the flat JSON object in ``expr``, as a string (NULL when absent).
        ``key`` is a literal: letters, digits and ``_.:-`` only."""
        ...

    def to_number(self, expr: str) -> str:
        """``expr`` as DOUBLE, NULL where it is not a number (instead of an error)."""
        ...

    def hash64(self, *exprs: str) -> str:
        """A 64-bit unsigned hash of the values: a compact integer key for grouping and joins.

        The engines hash differently, so a key is only comparable within one store.
        """
        ...


class DuckDBDialect:
    name = "duckdb"

    def quantile(self, expr: str, q: float) -> str:
        return f"quantile_cont({expr}, {float(q)})"

    def regex_full_match(self, expr: str, pattern: str) -> str:
        return f"regexp_full_match({expr}, {pattern})"

    def lag(self, expr: str, over: str, offset: int = 1) -> str:
        return f"lag({expr}, {int(offset)}) OVER ({over})"

    def lead(self, expr: str, over: str, offset: int = 1) -> str:
        return f"lead({expr}, {int(offset)}) OVER ({over})"

    def any_value(self, expr: str) -> str:
        return f"any_value({expr})"

    def arg_max(self, expr: str, by: str) -> str:
        return f"arg_max({expr}, {by})"

    def in_list(self, expr: str, param: str) -> str:
        return f"list_contains(:{param}, {expr})"

    def regex_replace(self, expr: str, pattern: str, replacement: str) -> str:
        return f"regexp_replace({expr}, {pattern}, {replacement}, 'g')"

    def json_string(self, expr: str, key: str) -> str:
        return f"json_extract_string({expr}, '$.\"{json_key(key)}\"')"

    def to_number(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS DOUBLE)"

    def hash64(self, *exprs: str) -> str:
        return f"hash({', '.join(exprs)})"


_JSON_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def json_key(key: str) -> str:
    """``key`` if it is safe to embed in SQL as a JSON member name; ValueError otherwise."""
    if not _JSON_KEY.match(key):
        raise ValueError(f"not a usable attribute name: {key!r}")
    return key


def duckdb_params(sql: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``:name`` → ``$name``, binding only the names the SQL uses (DuckDB rejects extras)."""
    used = set(PARAM.findall(sql))
    missing = used - params.keys()
    if missing:
        raise KeyError(f"SQL parameters without values: {sorted(missing)}")
    return PARAM.sub(r"$\1", sql), {k: v for k, v in params.items() if k in used}


class ClickHouseDialect:
    name = "clickhouse"

    def quantile(self, expr: str, q: float) -> str:
        # The interpolated exact quantile: the same numbers as DuckDB's quantile_cont.
        return f"quantileExactInclusive({float(q)})({expr})"

    def regex_full_match(self, expr: str, pattern: str) -> str:
        return f"match({expr}, concat('^(?:', {pattern}, ')$'))"

    def lag(self, expr: str, over: str, offset: int = 1) -> str:
        # toNullable: out of the partition gives NULL, as DuckDB's lag does, not a default.
        frame = f"{over} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
        return f"lagInFrame(toNullable({expr}), {int(offset)}) OVER ({frame})"

    def lead(self, expr: str, over: str, offset: int = 1) -> str:
        frame = f"{over} ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING"
        return f"leadInFrame(toNullable({expr}), {int(offset)}) OVER ({frame})"

    def any_value(self, expr: str) -> str:
        return f"any({expr})"

    def arg_max(self, expr: str, by: str) -> str:
        return f"argMax({expr}, {by})"

    def in_list(self, expr: str, param: str) -> str:
        return f"has(:{param}, {expr})"

    def regex_replace(self, expr: str, pattern: str, replacement: str) -> str:
        return f"replaceRegexpAll({expr}, {pattern}, {replacement})"

    def json_string(self, expr: str, key: str) -> str:
        # As DuckDB's json_extract_string: strings unquoted, numbers and booleans as their
        # text, NULL for a missing member or a JSON null.
        k = f"'{json_key(key)}'"
        kind = f"JSONType({expr}, {k})"
        return (
            f"multiIf(NOT JSONHas({expr}, {k}) OR {kind} = 'Null', NULL, {kind} = 'String', "
            f"JSONExtractString({expr}, {k}), JSONExtractRaw({expr}, {k}))"
        )

    def to_number(self, expr: str) -> str:
        return f"toFloat64OrNull(toString({expr}))"

    def hash64(self, *exprs: str) -> str:
        return f"cityHash64({', '.join(exprs)})"


def clickhouse_params(sql: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``:name`` → ``%(name)s`` (clickhouse-connect's client-side binding)."""
    used = set(PARAM.findall(sql))
    missing = used - params.keys()
    if missing:
        raise KeyError(f"SQL parameters without values: {sorted(missing)}")
    text = PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
    return text, {k: v for k, v in params.items() if k in used}
