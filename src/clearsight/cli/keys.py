"""``clearsight keys``: key-encryption key rotation and status."""

from __future__ import annotations

import argparse
from typing import Any

from clearsight.cli.common import add_data_dir
from clearsight.cli.context import control_context
from clearsight.errors import ConfigError
from clearsight.govern.keys import Keyring, load_kms
from clearsight.govern.report import _keys


def register(commands: Any) -> None:
    keys = commands.add_parser(
        "keys",
        help="rotate encryption keys; show key status",
        description="Replay chunks and free-text columns are sealed "
        "with per-session keys, wrapped by each project's key-encryption "
        "key (KEK).",
    )
    sub = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    rotate = sub.add_parser(
        "rotate",
        help="new KEK; re-wrap every data key (no downtime)",
        description="Make a new key-encryption key and re-wrap every "
        "session's data key under it. Sealed data is not rewritten, so the "
        "server keeps serving meanwhile.",
    )
    rotate.add_argument("--project", help="only this project (default: all)")
    add_data_dir(rotate)
    rotate.set_defaults(run=_rotate)
    status = sub.add_parser("status", help="current KEK per project and data keys under each")
    add_data_dir(status)
    status.set_defaults(run=_status)


def _rotate(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        if not ctx.settings.encrypt_at_rest:
            raise ConfigError("encryption at rest is off (encrypt_at_rest = false)")
        keyring = Keyring(ctx.control, load_kms(ctx.settings.key_source, ctx.settings.keys_path))
        projects = [args.project] if args.project else [p.id for p in ctx.control.projects()]
        for pid in projects:
            if ctx.control.project(pid) is None:
                raise ConfigError(f"no project {pid!r}")
            rotation = keyring.rotate(pid)
            ctx.auditor.record(
                ctx.actor,
                "keys.rotate",
                f"project:{pid}",
                project=pid,
                detail={"old": rotation.old, "new": rotation.new, "rewrapped": rotation.rewrapped},
            )
            print(f"{pid}: new KEK {rotation.new}; {rotation.rewrapped} data keys re-wrapped")
    return 0


def _status(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        for row in _keys(ctx.control):
            counts = ", ".join(f"{k}: {n}" for k, n in row["data_keys_by_kek"].items()) or "none"
            print(
                f"{row['project']}\tcurrent={row['kek'] or '-'}\trotated_at="
                f"{row['rotated_at'] or '-'}\tdata keys: {counts}"
            )
    return 0
