"""``clearsight subjects``: data-subject requests (find, export, erase).

The customer id is read from standard input or asked for, never taken from the
command line, so it does not land in shell history or process lists.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

import msgspec

from clearsight.app import Runtime
from clearsight.cli.common import add_data_dir
from clearsight.cli.context import Remote, cli_actor, with_store
from clearsight.errors import ConfigError


def register(commands: Any) -> None:
    subjects = commands.add_parser(
        "subjects",
        help="data-subject requests: find, export, erase a person's sessions",
        description="Find a person's sessions by the customer id your site passed to "
        "identify(). The id is read from standard input (or asked for) and tokenized the same "
        "way the server did. Export and erasure are audited and write a receipt.",
    )
    sub = subjects.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, about in (
        ("find", "list the person's sessions"),
        ("export", "JSON plus a self-contained HTML replay per session"),
        ("erase", "crypto-shred and delete every session of the person"),
    ):
        p = sub.add_parser(name, help=about)
        p.add_argument("--project", required=True)
        if name == "export":
            p.add_argument("--out", type=Path, required=True, help="directory to write into")
        if name == "erase":
            p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        add_data_dir(p)
        p.set_defaults(run=globals()[f"_{name}"])


def _customer_id() -> str:
    if sys.stdin.isatty():
        value = input("Customer id (as passed to identify()): ")
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise ConfigError("no customer id given")
    return value


def _body(args: argparse.Namespace, customer: str) -> dict[str, str]:
    return {"project": args.project, "customer_id": customer}


def _find(args: argparse.Namespace) -> int:
    customer = _customer_id()

    def local(rt: Runtime) -> list[dict[str, Any]]:
        try:
            found = rt.subjects.find(cli_actor(), args.project, customer)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return [msgspec.structs.asdict(s) for s in found]

    def remote(api: Remote) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = api.call(
            "POST", "/api/v1/subjects/find", json=_body(args, customer)
        ).json()["sessions"]
        return found

    sessions = with_store(args, local, remote)
    print(f"{len(sessions)} session(s)")
    for s in sessions:
        print(f"{s['sid']}\t{s['started_at']}\t{s['pages']} pages\t{s['entry_url']}")
    return 0


def _export(args: argparse.Namespace) -> int:
    customer = _customer_id()

    def local(rt: Runtime) -> None:
        try:
            rt.subjects.export(cli_actor(), args.project, customer, args.out)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def remote(api: Remote) -> None:
        data = api.call("POST", "/api/v1/subjects/export", json=_body(args, customer)).content
        args.out.mkdir(parents=True, exist_ok=True)
        zipfile.ZipFile(io.BytesIO(data)).extractall(args.out)

    with_store(args, local, remote)
    receipt = msgspec.json.decode((args.out / "receipt.json").read_bytes())
    print(
        f"exported {receipt['sessions']} session(s) to {args.out} (receipt {receipt['request_id']})"
    )
    return 0


def _erase(args: argparse.Namespace) -> int:
    customer = _customer_id()
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigError("erasure cannot be undone: pass --yes to confirm")
        if input("Erase every session of this person? This cannot be undone [y/N] ") != "y":
            print("nothing erased")
            return 1

    def local(rt: Runtime) -> bytes:
        try:
            return rt.subjects.erase(cli_actor(), args.project, customer, rt.spool.roll).to_json()
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def remote(api: Remote) -> bytes:
        return api.call("POST", "/api/v1/subjects/erase", json=_body(args, customer)).content

    receipt = with_store(args, local, remote)
    sys.stdout.write(receipt.decode() + "\n")
    return 0
