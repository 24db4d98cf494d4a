"""``clearsight users``, ``tokens`` and ``roles``: accounts, API tokens, scopes."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any

from clearsight.cli.common import add_data_dir
from clearsight.cli.context import ControlContext, control_context
from clearsight.errors import ConfigError
from clearsight.govern.accounts import MIN_PASSWORD, check_role
from clearsight.govern.permissions import HUMAN_ROLES, ROLES
from clearsight.store.control.accounts import Scopes


def add_scopes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        action="append",
        metavar="ID",
        help="limit to this project (repeatable; default: all projects)",
    )
    parser.add_argument(
        "--url-pattern",
        action="append",
        metavar="GLOB",
        help="limit to sessions that visited a matching path, e.g. '/cards/**' (repeatable)",
    )
    parser.add_argument(
        "--segment",
        action="append",
        metavar="NAME",
        help="limit to sessions in this saved segment (repeatable)",
    )


def scopes_from(args: argparse.Namespace) -> Scopes:
    return Scopes(projects=args.project, url_patterns=args.url_pattern, segments=args.segment)


def register(commands: Any) -> None:
    users = commands.add_parser(
        "users",
        help="create and manage user accounts",
        description="User accounts for the web UI and API. Roles: "
        + ", ".join(HUMAN_ROLES)
        + ". See docs/compliance.md.",
    )
    sub = users.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser(
        "create",
        help="create a user",
        description="Create a user. The password is read from standard "
        "input when it is not a terminal, asked for otherwise, or generated "
        "and printed with --generate-password.",
    )
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=HUMAN_ROLES)
    create.add_argument(
        "--generate-password", action="store_true", help="make a strong password and print it once"
    )
    add_scopes(create)
    add_data_dir(create)
    create.set_defaults(run=_create_user)
    listing = sub.add_parser("list", help="list users with their roles and scopes")
    add_data_dir(listing)
    listing.set_defaults(run=_list_users)
    change = sub.add_parser("set", help="change a user's role, scopes, password or status")
    change.add_argument("username")
    change.add_argument("--role", choices=HUMAN_ROLES)
    change.add_argument("--disable", action="store_true", help="block log-in")
    change.add_argument("--enable", action="store_true")
    change.add_argument(
        "--reset-password", action="store_true", help="generate a new password and print it once"
    )
    change.add_argument("--clear-scopes", action="store_true", help="remove every limit")
    add_scopes(change)
    add_data_dir(change)
    change.set_defaults(run=_set_user)

    tokens = commands.add_parser(
        "tokens",
        help="create and revoke API tokens",
        description="Bearer tokens for scripts and systems (`Authorization: Bearer cst_…`).",
    )
    tsub = tokens.add_subparsers(dest="action", metavar="ACTION", required=True)
    tcreate = tsub.add_parser("create", help="create a token and print it once")
    tcreate.add_argument(
        "--role",
        required=True,
        choices=list(ROLES),
        help="'server' is for systems that post server-side events",
    )
    tcreate.add_argument("--name", default="api", help="what the token is for")
    tcreate.add_argument("--days", type=int, help="expire after this many days")
    add_scopes(tcreate)
    add_data_dir(tcreate)
    tcreate.set_defaults(run=_create_token)
    tlist = tsub.add_parser("list", help="list tokens (never their secrets)")
    add_data_dir(tlist)
    tlist.set_defaults(run=_list_tokens)
    revoke = tsub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id")
    add_data_dir(revoke)
    revoke.set_defaults(run=_revoke_token)

    roles = commands.add_parser(
        "roles",
        help="show roles; limit a whole role's scope",
        description="Roles come from govern/permissions.py. A role's "
        "scope applies to every user and token with that role, on top "
        "of their own.",
    )
    rsub = roles.add_subparsers(dest="action", metavar="ACTION", required=True)
    rshow = rsub.add_parser("list", help="roles and their permissions")
    add_data_dir(rshow)
    rshow.set_defaults(run=_list_roles)
    rscope = rsub.add_parser("scope", help="set (or --clear) a role's scope")
    rscope.add_argument("role", choices=list(ROLES))
    rscope.add_argument("--clear", action="store_true")
    add_scopes(rscope)
    add_data_dir(rscope)
    rscope.set_defaults(run=_scope_role)


def _password(args: argparse.Namespace) -> str:
    if args.generate_password:
        return secrets.token_urlsafe(15)
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD} characters): ")
    if first != getpass.getpass("Again: "):
        raise ConfigError("the passwords differ")
    return first


def _create_user(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        password = _password(args)
        user = ctx.accounts.create_user(args.username, password, args.role, scopes_from(args))
        ctx.auditor.record(
            ctx.actor,
            "users.create",
            f"user:{user.username}",
            detail={"role": user.role, "scopes": _scopes_dict(user.scopes)},
        )
        print(f"user {user.username} created with role {user.role}")
        if args.generate_password:
            print(f"password: {password}")
    return 0


def _scopes_dict(scopes: Scopes) -> dict[str, Any]:
    return {
        k: v
        for k, v in (
            ("projects", scopes.projects),
            ("url_patterns", scopes.url_patterns),
            ("segments", scopes.segments),
        )
        if v is not None
    }


def _describe(scopes: Scopes) -> str:
    parts = [f"{k}={','.join(v)}" for k, v in _scopes_dict(scopes).items()]
    return " ".join(parts) or "(no limits)"


def _list_users(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        for u in ctx.control.accounts.users():
            state = "disabled" if u.disabled else "active"
            print(f"{u.username}\t{u.role}\t{state}\t{_describe(u.scopes)}")
    return 0


def _user(ctx: ControlContext, name: str) -> Any:
    found = ctx.control.accounts.user_with_hash(name)
    if found is None:
        raise ConfigError(f"no user {name!r}; `clearsight users list` shows them")
    return found[0]


def _set_user(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        user = _user(ctx, args.username)
        changes: dict[str, Any] = {}
        if args.role:
            changes["role"] = args.role
        if args.disable or args.enable:
            changes["disabled"] = bool(args.disable)
        if args.clear_scopes or args.project or args.url_pattern or args.segment:
            changes["scopes"] = Scopes() if args.clear_scopes else scopes_from(args)
        if changes:
            ctx.control.accounts.update_user(user.id, **changes)
            if "role" in changes or changes.get("disabled"):
                ctx.control.accounts.close_user_sessions(user.id)
        detail = {k: (_scopes_dict(v) if isinstance(v, Scopes) else v) for k, v in changes.items()}
        if args.reset_password:
            password = secrets.token_urlsafe(15)
            ctx.accounts.set_password(user, password)
            detail["password"] = "reset"
            print(f"new password: {password}")
        if not detail:
            raise ConfigError("nothing to change; see `clearsight users set --help`")
        ctx.auditor.record(ctx.actor, "users.update", f"user:{user.username}", detail=detail)
        print(f"user {user.username} updated")
    return 0


def _create_token(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        check_role(args.role, human=False)
        made = ctx.accounts.create_token(args.name, args.role, scopes_from(args), days=args.days)
        ctx.auditor.record(
            ctx.actor,
            "tokens.create",
            f"token:{made.token.id}",
            detail={
                "role": args.role,
                "name": args.name,
                "days": args.days,
                "scopes": _scopes_dict(made.token.scopes),
            },
        )
        print(made.secret)
    return 0


def _list_tokens(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        for t in ctx.control.accounts.tokens():
            state = "revoked" if t.revoked_at else "active"
            print(f"{t.id}\t{t.name}\t{t.role}\t{state}\t{_describe(t.scopes)}")
    return 0


def _revoke_token(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        if not ctx.control.accounts.revoke_token(args.id):
            raise ConfigError(f"no active token {args.id!r}")
        ctx.auditor.record(ctx.actor, "tokens.revoke", f"token:{args.id}")
        print(f"token {args.id} revoked")
    return 0


def _list_roles(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        for role, permissions in ROLES.items():
            scope = _describe(ctx.control.accounts.role_scopes(role))
            print(f"{role}\t{scope}\t{', '.join(sorted(permissions))}")
    return 0


def _scope_role(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        scopes = Scopes() if args.clear else scopes_from(args)
        ctx.control.accounts.set_role_scopes(args.role, scopes)
        ctx.auditor.record(
            ctx.actor, "roles.scope", f"role:{args.role}", detail=_scopes_dict(scopes)
        )
        print(f"role {args.role}: {_describe(scopes)}")
    return 0
