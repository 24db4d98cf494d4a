"""``clearsight segments``: import customer attributes from CRM or loan-system exports,
and list saved segments.

The export's customer ids are tokenized with the project's secret, exactly as
the server tokenizes ``identify()`` ids, before anything is stored. The report
names rejected rows by line number and reason only, never by id or value.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from clearsight.analyse import imports, segments
from clearsight.app import Runtime
from clearsight.cli.common import add_data_dir
from clearsight.cli.context import Remote, cli_actor, with_store
from clearsight.errors import ConfigError

ABOUT = "import customer attributes (CSV/JSON) and list saved segments"
DESCRIPTION = (
    "Attributes from CRM or loan-system exports, keyed by the customer id your site passes "
    "to identify(); saved segments built on them. See docs/journeys.md."
)
IMPORT_DESCRIPTION = (
    "Each row: the customer id (column --key) and attribute columns. Rows that cannot be "
    "used are reported by line and skipped; the good rows are kept. Exit status 0: all rows "
    "imported; 1: some were rejected; 2: nothing imported."
)
# (flags, keyword arguments) of each action's options, besides --data-dir and --config.
OPTIONS: dict[str, list[tuple[tuple[str, ...], dict[str, Any]]]] = {
    "import": [
        (("file",), {"type": Path, "help": "the export; - reads standard input"}),
        (("--project",), {"required": True}),
        (("--format",), {"choices": ["auto", "csv", "json"], "default": "auto"}),
        (("--key",), {"default": "customer_id", "help": "the customer-id column"}),
        (("--source",), {"default": "import", "help": "where the data came from"}),
        (("--dry-run",), {"action": "store_true", "help": "check the file, store nothing"}),
    ],
    "list": [(("--project",), {"required": True})],
}


def register(commands: Any) -> None:
    group = commands.add_parser("segments", help=ABOUT, description=DESCRIPTION)
    sub = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions = {
        "import": ("import a CSV or JSON export of customer attributes", _import),
        "list": ("saved segments with their member counts", _list),
    }
    for name, (about, run) in actions.items():
        text = IMPORT_DESCRIPTION if name == "import" else about
        action = sub.add_parser(name, help=about, description=text)
        for flags, kw in OPTIONS[name]:
            action.add_argument(*flags, **kw)
        add_data_dir(action)
        action.set_defaults(run=run)


def _read(path: Path) -> bytes:
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _import(args: argparse.Namespace) -> int:
    data = _read(args.file)
    options = imports.Options(args.format, args.key, args.source, args.dry_run)

    def local(rt: Runtime) -> dict[str, Any]:
        if rt.control.project(args.project) is None:
            raise ConfigError(f"no project {args.project!r}")
        return imports.import_file(
            rt.store,
            rt.control,
            rt.auditor,
            cli_actor(),
            rt.settings.keys_path,
            args.project,
            data,
            options,
        )

    def remote(api: Remote) -> dict[str, Any]:
        params = {"project": args.project, "format": args.format, "key": args.key}
        params |= {"source": args.source, "dry_run": "1" if args.dry_run else ""}
        call = api.call("POST", "/api/v1/segments/import", params=params, content=data)
        found: dict[str, Any] = call.json()
        return found

    report = with_store(args, local, remote)
    print(describe(report))
    if not report["imported"]:
        return 2
    return 1 if report["rejected"] else 0


def describe(report: dict[str, Any]) -> str:
    verb = "checked (dry run, nothing stored)" if report["dry_run"] else "imported"
    lines = [
        f"{verb} {report['imported']} of {report['rows']} rows "
        f"({report['customers']} customers), attributes: {', '.join(report['attributes'])} "
        f"[source: {report['source']}]"
    ]
    rejected = report["rejected"]
    if rejected:
        kept = "the good rows were kept" if not report["dry_run"] else "fix them and re-run"
        lines.append(f"rejected {len(rejected)} row(s) ({kept}):")
        lines += [f"  line {r['line']}: {r['reason']}" for r in rejected]
    for seg, members in report.get("segments", {}).items():
        lines.append(f"segment {seg}: {members} sessions")
    return "\n".join(lines)


def _list(args: argparse.Namespace) -> int:
    def local(rt: Runtime) -> list[dict[str, Any]]:
        return segments.listing(rt.store, rt.control, args.project)

    def remote(api: Remote) -> list[dict[str, Any]]:
        call = api.call("GET", "/api/v1/segments", params={"project": args.project})
        found: list[dict[str, Any]] = call.json()["segments"]
        return found

    for s in with_store(args, local, remote):
        print(f"{s['id']}\t{s['members']} sessions\t{s['name']}")
    return 0
