"""``clearsight privacy``: a project's privacy rules, and re-scanning stored replays."""

from __future__ import annotations

import argparse
from typing import Any

import msgspec
from tqdm import tqdm

from clearsight.app import Runtime
from clearsight.cli.common import add_data_dir
from clearsight.cli.context import Remote, cli_actor, control_context, with_store
from clearsight.errors import ClearsightError, ConfigError
from clearsight.govern.privacy_rules import RuleBook
from clearsight.privacy.rules import LIST_FIELDS, PrivacyRules
from clearsight.web.privacy import run_scan

_SCALARS = ("sample_rate", "erase_on_withdraw")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "privacy",
        help="privacy rules of a project; re-scan stored replays",
        description="Capture rules (served to capture.js and enforced again by the server), "
        "tokenized fields and erasure on withdrawal, per project. See docs/privacy.md.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    rules = sub.add_parser(
        "rules",
        help="show or change a project's privacy rules",
        description="Without options, prints the rules as JSON. Every change is audited. "
        f"List fields: {', '.join(LIST_FIELDS)}. Other fields: {', '.join(_SCALARS)}.",
    )
    rules.add_argument("project")
    rules.add_argument("--add", nargs=2, action="append", default=[], metavar=("FIELD", "VALUE"))
    rules.add_argument("--remove", nargs=2, action="append", default=[], metavar=("FIELD", "VALUE"))
    rules.add_argument("--clear", action="append", default=[], metavar="FIELD")
    rules.add_argument("--set", nargs=2, action="append", default=[], metavar=("FIELD", "VALUE"))
    add_data_dir(rules)
    rules.set_defaults(run=_rules)
    scan = sub.add_parser(
        "scan",
        help="re-scan stored replays with the current detectors and mask in place",
        description="Opens every stored replay chunk, scrubs it with today's detectors, and "
        "writes back (sealed again) the ones that had something to mask, with their "
        "incidents. Safe to repeat or interrupt. Works while the server runs.",
    )
    scan.add_argument("--project", help="only this project (default: all)")
    scan.add_argument("--quiet", action="store_true", help="no progress bar")
    add_data_dir(scan)
    scan.set_defaults(run=_scan)


def edited(rules: PrivacyRules, args: argparse.Namespace) -> PrivacyRules:
    """The rules with the command line's --add/--remove/--clear/--set applied."""
    values = msgspec.to_builtins(rules)
    for field in args.clear:
        _list_field(field)
        values[field] = []
    for field, value in args.add:
        if value not in values[_list_field(field)]:
            values[field].append(value)
    for field, value in args.remove:
        if value not in values[_list_field(field)]:
            raise ConfigError(f"{field} has no entry {value!r}")
        values[field].remove(value)
    for field, value in args.set:
        if field not in _SCALARS:
            raise ConfigError(f"--set takes {' or '.join(_SCALARS)}; use --add for lists")
        values[field] = value
    try:
        return msgspec.convert(values, PrivacyRules, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid rules: {exc}") from None


def _list_field(field: str) -> str:
    if field not in LIST_FIELDS:
        raise ConfigError(f"{field!r} is not a list field; use one of {', '.join(LIST_FIELDS)}")
    return field


def _rules(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        if ctx.control.project(args.project) is None:
            raise ConfigError(f"no project {args.project!r}; `clearsight projects list` shows them")
        book = RuleBook(ctx.control)
        rules = book.read(args.project)
        if args.add or args.remove or args.clear or args.set:
            try:
                rules = book.change(ctx.actor, ctx.auditor, args.project, edited(rules, args))
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        print(msgspec.json.format(msgspec.json.encode(rules)).decode())
    return 0


def _scan(args: argparse.Namespace) -> int:
    bar = tqdm(total=0, unit="chunk", desc="re-scanning replays", disable=args.quiet or None)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    def local(rt: Runtime) -> dict[str, Any]:
        if args.project and rt.control.project(args.project) is None:
            raise ConfigError(f"no project {args.project!r}")
        return run_scan(rt, cli_actor(), args.project, progress)

    def remote(api: Remote) -> dict[str, Any]:
        for line in api.lines("POST", "/api/v1/privacy/scan", json={"project": args.project}):
            if "error" in line:
                raise ClearsightError(line["error"])
            if "result" in line:
                return dict(line["result"])
            progress(line["done"], line["total"])
        raise ClearsightError("the server ended the re-scan without a result")

    try:
        result = with_store(args, local, remote)
    finally:
        bar.close()
    found = ", ".join(f"{k} {v}" for k, v in sorted(result["detectors"].items())) or "nothing"
    print(
        f"{result['chunks']} replay chunks scanned, {result['rewritten']} masked in place "
        f"({result['incidents']} values: {found}); {result['unreadable']} unreadable "
        "(erased or expired)"
    )
    return 0
