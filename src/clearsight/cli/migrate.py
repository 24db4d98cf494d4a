"""``clearsight migrate``: move an embedded installation to ClickHouse and PostgreSQL."""

from __future__ import annotations

import argparse
from typing import Any

from tqdm import tqdm

from clearsight.cli.common import add_data_dir, settings_from
from clearsight.cli.context import Remote, cli_actor
from clearsight.errors import ConfigError
from clearsight.govern.audit import Auditor, verify_log
from clearsight.store.clickhouse import ClickHouseEventStore
from clearsight.store.control import ControlPlane
from clearsight.store.duckdb import DuckDBEventStore
from clearsight.store.transfer import Copied, copy_control, copy_events


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "migrate",
        help="copy an embedded installation to ClickHouse and PostgreSQL",
        description="Copy the embedded event store (DuckDB) to ClickHouse and the control "
        "plane (SQLite) to PostgreSQL, with progress and verification counts. Sealed replay "
        "chunks are copied as they are and stay encrypted; the audit chain is re-verified "
        "on the target. Stop the server first; afterwards set event_store and control_store.",
    )
    parser.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="ClickHouse event store: clickhouse://user:pass@host:8123/db",
    )
    parser.add_argument(
        "--control",
        required=True,
        metavar="URL",
        help="control plane: postgresql+psycopg://user:pass@host/db",
    )
    parser.add_argument("--cluster", default="", help="ClickHouse cluster name, if any")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def _bar() -> Any:
    bars: dict[str, tqdm[Any]] = {}

    def progress(table: str, done: int, total: int) -> None:
        bar = bars.get(table)
        if bar is None:
            bar = bars[table] = tqdm(total=total, desc=table, unit="row", leave=False)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return progress


def _report(title: str, copied: list[Copied]) -> bool:
    print(title)
    for c in copied:
        print(f"  {c.table:<24} {c.source:>10} → {c.target:>10}  {'ok' if c.ok else 'MISMATCH'}")
    return all(c.ok for c in copied)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.event_store or settings.control_store:
        raise ConfigError("this installation is not embedded: migrate copies DuckDB and SQLite")
    if Remote.if_running(settings) is not None:
        raise ConfigError(
            "stop the server first: the embedded stores must not change while they are copied"
        )
    if not args.control.startswith("postgresql"):
        raise ConfigError("--control must be a postgresql:// URL")
    source = DuckDBEventStore(settings.event_store_path)
    target = ClickHouseEventStore(args.to, cluster=args.cluster)
    control_src = ControlPlane(settings.control_url)
    control_dst = ControlPlane(args.control)
    try:
        if any(control_dst.projects()) or control_dst.audit.count():
            raise ConfigError("the target control plane is not empty; migrate into a new one")
        ok = _report("control plane", copy_control(control_src.engine, control_dst.engine, _bar()))
        ok = _report("event store", copy_events(source, target, _bar())) and ok
        verified = verify_log(control_dst, Auditor(control_dst, settings.keys_path).signer)
        print(
            f"audit chain on the target: {'verified' if verified.ok else 'BROKEN'} "
            f"({verified.entries} entries)"
        )
        Auditor(control_dst, settings.keys_path).record(
            cli_actor(),
            "store.migrate",
            "installation",
            detail={"event_store": "clickhouse", "control_store": "postgresql"},
        )
    finally:
        source.close()
        target.close()
        control_src.close()
        control_dst.close()
    if not (ok and verified.ok):
        print("migration FAILED verification; keep using the embedded stores")
        return 1
    print(
        f"\ndone. Keep {settings.keys_path} (keys travel with the data) and set:\n"
        f'  event_store = "{args.to}"\n  control_store = "{args.control}"'
    )
    return 0
