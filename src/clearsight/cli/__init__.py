"""The ``clearsight`` command. Each command group lives in its own module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from clearsight import __version__
from clearsight.cli import (
    audit,
    demo,
    heatmap,
    keys,
    migrate,
    privacy,
    projects,
    purposes,
    report,
    retention,
    segments,
    serve,
    signals,
    subjects,
    surveys,
    users,
)
from clearsight.errors import ClearsightError

GROUPS = [
    serve,
    demo,
    projects,
    users,
    audit,
    keys,
    retention,
    subjects,
    report,
    purposes,
    surveys,
    privacy,
    migrate,
    heatmap,
    segments,
    signals,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clearsight",
        description="Self-hosted session recording and heatmaps for regulated finance.",
        epilog="Run `clearsight COMMAND --help` for a command's options. Docs: docs/cli.md",
    )
    parser.add_argument("--version", action="version", version=f"clearsight {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        result: int = args.run(args)
        return result
    except ClearsightError as exc:
        print(f"clearsight: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
