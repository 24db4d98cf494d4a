"""``clearsight demo``: load a month of synthetic loan-application traffic and serve it."""

from __future__ import annotations

import argparse
import logging
import secrets
import time
from pathlib import Path
from typing import Any

from clearsight.app import Runtime, build_runtime
from clearsight.cli.common import add_bind, add_data_dir, settings_from
from clearsight.cli.context import cli_actor
from clearsight.cli.serve import run_server
from clearsight.demo.loader import DEMO_PROJECT, demo_sessions, load_demo
from clearsight.govern.permissions import HUMAN_ROLES
from clearsight.store.control.accounts import Scopes

log = logging.getLogger("clearsight")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "demo",
        help="load demo sessions of a loan-application site and serve them",
        description="Expand the shipped recordings of a personal-loan application site into "
        "N sessions over the last 30 days (all data synthetic), then serve the UI, with the "
        "demo site itself at /demo/.",
    )
    add_bind(parser)
    add_data_dir(parser)
    parser.add_argument(
        "--sessions",
        type=int,
        default=2000,
        metavar="N",
        help="how many sessions to have (default: 2000)",
    )
    parser.add_argument("--days", type=int, default=30, help="spread over this many days (30)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for the expansion")
    parser.add_argument("--no-serve", action="store_true", help="load, then exit")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.sessions < 1:
        raise SystemExit("clearsight demo: --sessions must be at least 1")
    data_dir = args.data_dir or Path("clearsight-demo")
    settings = settings_from(args, data_dir=data_dir, demo_site=True)
    rt = build_runtime(settings)
    rt.start()
    began = time.monotonic()
    try:
        added = load_demo(
            rt.control,
            rt.store,
            rt.ingestor,
            sessions=args.sessions,
            seed=args.seed,
            days=args.days,
            keys_dir=rt.settings.keys_path,
        )
    except BaseException:
        rt.close()
        raise
    if added:  # the bulk load bypasses the spool and its hook: find their signals now
        rt.friction.detector.rebuild(DEMO_PROJECT)
    total = demo_sessions(rt.store)
    log.info(
        "demo: %d sessions stored (%d added in %.1f s)", total, added, time.monotonic() - began
    )
    if args.no_serve:
        rt.close()
        return 0
    password, token = demo_accounts(rt)
    url = f"http://{settings.host}:{settings.port}"
    print(
        f"\n  clearsight demo is ready: {url}/\n"
        f"  Log in as admin / {password}\n"
        "  (users analyst, compliance and viewer share that password: try each role)\n"
        f"  API token (admin): {token}\n"
        f"  The demo loan site itself is at {url}/demo/\n",
        flush=True,
    )
    run_server(rt)
    return 0


def demo_accounts(rt: Runtime) -> tuple[str, str]:
    """One user per role with a fresh shared password, and a fresh admin token. Each run
    replaces the previous ones, so no demo credential outlives the run that printed it."""
    password = secrets.token_urlsafe(12)
    actor = cli_actor()
    for role in HUMAN_ROLES:
        found = rt.control.accounts.user_with_hash(role)
        if found is None:
            rt.accounts.create_user(role, password, role, Scopes())
            rt.auditor.record(actor, "users.create", f"user:{role}", detail={"role": role})
        else:
            rt.accounts.set_password(found[0], password)
            rt.auditor.record(actor, "users.update", f"user:{role}", detail={"password": "reset"})
    for old in rt.control.accounts.tokens():
        if old.name == "demo" and old.revoked_at is None:
            rt.control.accounts.revoke_token(old.id)
    made = rt.accounts.create_token("demo", "admin", Scopes())
    rt.auditor.record(actor, "tokens.create", f"token:{made.token.id}", detail={"role": "admin"})
    return password, made.secret
