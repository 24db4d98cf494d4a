"""``clearsight audit``: verify, export and inspect the tamper-evident audit log."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

import msgspec

from clearsight.cli.common import add_data_dir
from clearsight.cli.context import control_context
from clearsight.govern.audit import verify_log
from clearsight.govern.signing import Verifier
from clearsight.web.api_govern import AUDIT_COLUMNS
from clearsight.web.params import time_param


def register(commands: Any) -> None:
    audit = commands.add_parser(
        "audit",
        help="verify, export and show the audit log",
        description="The audit log is append-only and hash-chained, "
        "with Ed25519-signed checkpoints.",
    )
    sub = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = sub.add_parser(
        "verify",
        help="check the hash chain and signed checkpoints",
        description="Walk every entry; report any edited, deleted or "
        "reordered entry by number. Exit status 1 when anything is wrong.",
    )
    verify.add_argument(
        "--public-key",
        type=Path,
        metavar="PEM",
        help="verify signatures with this public key (default: the server's "
        "own key, keys/audit-signing.pub)",
    )
    add_data_dir(verify)
    verify.set_defaults(run=_verify)
    export = sub.add_parser("export", help="export entries as CSV or JSON for auditors")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--from", dest="since", metavar="DATE")
    export.add_argument("--to", dest="until", metavar="DATE")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    add_data_dir(export)
    export.set_defaults(run=_export)
    show = sub.add_parser("show", help="the newest entries")
    show.add_argument("--limit", type=int, default=20)
    add_data_dir(show)
    show.set_defaults(run=_show)
    checkpoint = sub.add_parser("checkpoint", help="sign a checkpoint at the current head now")
    add_data_dir(checkpoint)
    checkpoint.set_defaults(run=_checkpoint)


def _verify(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        verifier = Verifier.from_file(args.public_key) if args.public_key else ctx.auditor.signer
        report = verify_log(ctx.control, verifier)
        if report.ok:
            print(
                f"audit log OK: {report.entries} entries, {report.checkpoints} signed "
                f"checkpoints, head at entry {report.head_seq}"
            )
            return 0
        print(f"audit log FAILED verification: {len(report.problems)} problem(s)")
        for p in report.problems:
            print(f"  entry {p.seq}: {p.what}")
        return 1


def _rows(ctx: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    params = {k: v for k, v in (("from", args.since), ("to", args.until)) if v}
    since = time_param(params, "from")
    until = time_param(params, "to", end_of_day=True)
    return [msgspec.structs.asdict(e) for e in ctx.control.audit.entries(since=since, until=until)]


def _export(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        rows = _rows(ctx, args)
        ctx.auditor.record(
            ctx.actor, "audit.export", "audit", detail={"format": args.format, "entries": len(rows)}
        )
        out = args.out.open("w", newline="") if args.out else sys.stdout
        try:
            if args.format == "json":
                out.write(msgspec.json.format(msgspec.json.encode(rows)).decode() + "\n")
            else:
                writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
        finally:
            if args.out:
                out.close()
        if args.out:
            print(f"{len(rows)} entries written to {args.out}", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        for e in ctx.control.audit.entries(limit=args.limit, newest_first=True):
            purpose = f" purpose={e.purpose}" if e.purpose else ""
            print(f"{e.seq}\t{e.ts}\t{e.actor}\t{e.action}\t{e.object}\t{e.result}{purpose}")
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        cp = ctx.auditor.checkpoint("manual")
        print(
            "nothing to sign: the log is empty"
            if cp is None
            else f"checkpoint signed at entry {cp.seq} with key {cp.key_id}"
        )
    return 0
