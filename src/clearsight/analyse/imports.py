"""Imports of customer attributes from CRM or loan-system exports (CSV or JSON).

Rows are keyed by the customer id the site passes to ``identify()``. The id is
tokenized with the project's secret before anything is stored, exactly as
ingest tokenizes it, so an import joins the sessions of that customer and
nothing else: the id itself is never written.

Bad rows are rejected one by one with the line (or record) number and the
reason; the good rows are kept. Reports never repeat a customer id or a
value, only positions and column names, so they are safe to log and print.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec
import pyarrow as pa

from clearsight.analyse import attributes, segments
from clearsight.errors import BadRequest
from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor
from clearsight.privacy.secrets import project_secret
from clearsight.privacy.tokenize import tokenize
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane

Format = Literal["csv", "json", "auto"]
MAX_ID = 128
MAX_VALUE = 200
MAX_COLUMNS = 50
_CHUNK = 5_000


@dataclass(frozen=True)
class Rejected:
    line: int
    """CSV: the line in the file (the header is line 1). JSON: the record number, from 1."""
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    customers: int = 0
    attributes: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    source: str = ""
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "customers": self.customers,
            "attributes": self.attributes,
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
            "source": self.source,
            "dry_run": self.dry_run,
        }


Row = tuple[int, str, dict[str, str]]
"""(line, customer id, attribute → value; "" removes the value)."""


def parse(data: bytes, fmt: Format, key: str) -> tuple[list[Row], list[Rejected], list[str]]:
    """Good rows, rejected rows and the attribute columns of an export."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("invalid-encoding", "the file is not UTF-8 text") from None
    if fmt == "auto":
        fmt = "json" if text.lstrip()[:1] in ("[", "{") else "csv"
    rows, rejected, columns = _csv(text, key) if fmt == "csv" else _json(text, key)
    seen: dict[str, int] = {}
    good: list[Row] = []
    for line, customer, values in rows:
        if customer in seen:
            rejected.append(Rejected(line, f"the same customer id as line {seen[customer]}"))
            continue
        seen[customer] = line
        good.append((line, customer, values))
    rejected.sort(key=lambda r: r.line)
    return good, rejected, columns


def _check_columns(names: list[str], key: str) -> list[str]:
    if key not in names:
        raise BadRequest(
            "key-column-missing",
            f"no column `{key}` holds the customer id; the columns are: "
            f"{', '.join(names) or '(none)'}. Name the key column with --key",
        )
    columns = [n for n in names if n != key]
    bad = [n for n in columns if not attributes.usable(n)]
    if bad:
        raise BadRequest(
            "invalid-column",
            f"column names may use letters, digits and _.:- only (at most 64): {bad}",
        )
    if len(columns) > MAX_COLUMNS or not columns:
        raise BadRequest("invalid-columns", f"an import has 1 to {MAX_COLUMNS} attribute columns")
    if len(set(names)) != len(names):
        raise BadRequest("duplicate-column", "two columns have the same name")
    return columns


def _csv(text: str, key: str) -> tuple[list[Row], list[Rejected], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise BadRequest("empty-file", "the file has no header line") from None
    columns = _check_columns(header, key)
    rows: list[Row] = []
    rejected: list[Rejected] = []
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                rejected.append(
                    Rejected(line, f"{len(fields)} fields, the header has {len(header)}")
                )
                continue
            record = dict(zip(header, fields, strict=True))
            _row(line, record, key, columns, rows, rejected)
    except csv.Error as exc:
        rejected.append(Rejected(reader.line_num, f"unreadable CSV ({exc}); the rest skipped"))
    return rows, rejected, columns


def _records(text: str) -> Iterator[tuple[int, Any]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = msgspec.json.decode(stripped)
        except msgspec.DecodeError as exc:
            raise BadRequest("malformed-json", f"the file is not valid JSON: {exc}") from None
        yield from enumerate(items, 1)
        return
    for n, raw in enumerate(text.splitlines(), 1):  # JSON lines: one object per line
        if raw.strip():
            try:
                yield n, msgspec.json.decode(raw)
            except msgspec.DecodeError:
                yield n, None


def _json(text: str, key: str) -> tuple[list[Row], list[Rejected], list[str]]:
    rows: list[Row] = []
    rejected: list[Rejected] = []
    records = [(n, r) for n, r in _records(text)]
    names: dict[str, None] = {}
    for _, record in records:
        if isinstance(record, dict):
            names |= dict.fromkeys(str(k) for k in record)
    columns = _check_columns(list(names), key)
    for n, record in records:
        if not isinstance(record, dict):
            rejected.append(Rejected(n, "not a JSON object"))
            continue
        nested = [k for k, v in record.items() if isinstance(v, dict | list)]
        if nested:
            rejected.append(Rejected(n, f"`{nested[0]}` is not a plain value"))
            continue
        text_record = {str(k): "" if v is None else _text(v) for k, v in record.items()}
        _row(n, text_record, key, columns, rows, rejected, partial=True)
    return rows, rejected, columns


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _row(
    line: int,
    record: dict[str, str],
    key: str,
    columns: list[str],
    rows: list[Row],
    rejected: list[Rejected],
    partial: bool = False,
) -> None:
    customer = record.get(key, "").strip()
    if not customer:
        rejected.append(Rejected(line, "no customer id"))
        return
    if len(customer) > MAX_ID:
        rejected.append(Rejected(line, f"customer id longer than {MAX_ID} characters"))
        return
    present = [c for c in columns if c in record] if partial else columns
    values = {c: record[c].strip() for c in present}
    long = [c for c, v in values.items() if len(v) > MAX_VALUE]
    if long:
        rejected.append(Rejected(line, f"`{long[0]}` is longer than {MAX_VALUE} characters"))
        return
    if not any(values.values()):
        rejected.append(Rejected(line, "no attribute values"))
        return
    rows.append((line, customer, values))


def store_rows(store: EventStore, project: str, secret: bytes, rows: list[Row], source: str) -> int:
    """Replace the imported values of these customers' columns. Returns the values stored."""
    now = int(time.time() * 1000)
    stored = 0
    for start in range(0, len(rows), _CHUNK):
        chunk = [(tokenize(secret, c), values) for _, c, values in rows[start : start + _CHUNK]]
        names = sorted({n for _, values in chunk for n in values})
        d = store.dialect
        store.delete_rows(
            "customer_attributes",
            f"project = :p AND {d.in_list('uid', 'uids')} AND {d.in_list('name', 'names')}",
            {"p": project, "uids": [u for u, _ in chunk], "names": names},
        )
        cells = [(u, n, v) for u, values in chunk for n, v in values.items() if v]
        table = pa.table(
            {
                "project": [project] * len(cells),
                "uid": [u for u, _, _ in cells],
                "name": [n for _, n, _ in cells],
                "value": [v for _, _, v in cells],
                "source": [source] * len(cells),
                "imported_at": pa.array([now] * len(cells), pa.int64()),
            }
        )
        if cells:
            store.import_table("customer_attributes", table)
            stored += table.num_rows
    return stored


@dataclass(frozen=True)
class Options:
    fmt: Format = "auto"
    key: str = "customer_id"
    """The column holding the customer id."""
    source: str = "import"
    """Where the data came from: kept with every value, named in the audit log."""
    dry_run: bool = False


def run_import(
    store: EventStore, project: str, secret: bytes, data: bytes, options: Options = Options()
) -> ImportReport:
    rows, rejected, columns = parse(data, options.fmt, options.key)
    report = ImportReport(
        rows=len(rows) + len(rejected),
        imported=len(rows),
        customers=len({c for _, c, _ in rows}),
        attributes=columns,
        rejected=rejected,
        source=options.source,
        dry_run=options.dry_run,
    )
    if rows and not options.dry_run:
        store_rows(store, project, secret, rows, options.source)
    return report


def import_file(
    store: EventStore,
    control: ControlPlane,
    auditor: Auditor,
    access: Access,
    keys_dir: Path,
    project: str,
    data: bytes,
    options: Options,
) -> dict[str, Any]:
    """The whole import, as the API and the CLI run it: store the good rows, recompute the
    project's saved segments, and write the audit entry (counts only)."""
    report = run_import(store, project, project_secret(keys_dir, project), data, options)
    out = report.to_json()
    if report.imported and not report.dry_run:
        out["segments"] = segments.refresh_project(store, control, project)
    auditor.record(
        access,
        "segments.import",
        f"import:{report.source}",
        project=project,
        detail={k: out[k] for k in ("rows", "imported", "attributes", "dry_run")}
        | {"rejected": len(report.rejected)},
    )
    return out
