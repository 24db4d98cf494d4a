"""``clearsight purposes``: the purposes a viewer can give for opening a replay."""

from __future__ import annotations

import argparse
import re
from typing import Any

from clearsight.cli.common import add_data_dir
from clearsight.cli.context import control_context
from clearsight.errors import ConfigError
from clearsight.store.control.governance import Purpose


def register(commands: Any) -> None:
    purposes = commands.add_parser(
        "purposes",
        help="the purposes offered before a replay opens",
        description="Opening a replay requires one of these "
        "purposes; those marked as needing a reference also need a "
        "case or complaint number. Changes are audited.",
    )
    sub = purposes.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list purposes")
    add_data_dir(listing)
    listing.set_defaults(run=_list)
    add = sub.add_parser("add", help="add or change a purpose")
    add.add_argument("id", help="short id, e.g. fraud")
    add.add_argument("label", help="what viewers see, e.g. 'Fraud investigation'")
    add.add_argument("--needs-reference", action="store_true")
    add_data_dir(add)
    add.set_defaults(run=_add)
    disable = sub.add_parser("disable", help="stop offering a purpose")
    disable.add_argument("id")
    add_data_dir(disable)
    disable.set_defaults(run=_disable)


def _list(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        for p in ctx.control.governance.purposes(include_inactive=True):
            flags = ("needs reference" if p.needs_reference else "") + (
                "" if p.active else " (disabled)"
            )
            print(f"{p.id}\t{p.label}\t{flags.strip()}")
    return 0


def _add(args: argparse.Namespace) -> int:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", args.id):
        raise ConfigError("purpose ids are lowercase letters, digits and '-'")
    with control_context(args) as ctx:
        ctx.control.governance.set_purpose(Purpose(args.id, args.label, args.needs_reference))
        ctx.auditor.record(
            ctx.actor,
            "purposes.set",
            f"purpose:{args.id}",
            detail={"label": args.label, "needs_reference": args.needs_reference},
        )
        print(f"purpose {args.id} saved")
    return 0


def _disable(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        found = next(
            (p for p in ctx.control.governance.purposes(include_inactive=True) if p.id == args.id),
            None,
        )
        if found is None:
            raise ConfigError(f"no purpose {args.id!r}")
        ctx.control.governance.set_purpose(
            Purpose(found.id, found.label, found.needs_reference, active=False)
        )
        ctx.auditor.record(ctx.actor, "purposes.disable", f"purpose:{args.id}")
        print(f"purpose {args.id} disabled")
    return 0
