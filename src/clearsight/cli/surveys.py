"""``clearsight surveys``: define a project's micro-surveys. Changes are audited.

Definitions live in the control plane, so these commands work beside a running
server; the capture script picks a change up with its next session.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import msgspec

from clearsight.cli.common import add_data_dir
from clearsight.cli.context import control_context
from clearsight.errors import ConfigError
from clearsight.surveys.definitions import SurveyBook, parse_survey, to_json


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "surveys",
        help="define the micro-surveys a project's capture script shows",
        description="Micro-surveys ask visitors a question or three (single choice, rating, "
        "short text) on chosen pages, after some time, on exit intent or after a rage or "
        "error click. See docs/surveys.md for the definition format.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list a project's surveys")
    listing.add_argument("project")
    listing.set_defaults(run=_list)
    show = sub.add_parser("show", help="print a survey's definition as JSON")
    show.add_argument("project")
    show.add_argument("id")
    show.set_defaults(run=_show)
    put = sub.add_parser("set", help="create or replace a survey from a JSON definition")
    put.add_argument("project")
    put.add_argument("file", help="the definition as JSON; - reads standard input")
    put.set_defaults(run=_set)
    for name, help_text in (
        ("pause", "stop showing a survey (its answers are kept)"),
        ("resume", "show a paused survey again"),
        ("delete", "delete a survey's definition (its answers are kept)"),
    ):
        action = sub.add_parser(name, help=help_text)
        action.add_argument("project")
        action.add_argument("id")
        action.set_defaults(run=_change, change=name)
    for p in (listing, show, put, *(sub.choices[n] for n in ("pause", "resume", "delete"))):
        add_data_dir(p)


def _list(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        surveys = SurveyBook(ctx.control).all(args.project)
        if not surveys:
            print(f"{args.project} has no surveys; add one with `clearsight surveys set`")
        for s in surveys:
            state = "active" if s.active else "paused"
            pages = ",".join(s.urls) or "every page"
            kinds = ",".join(q.type for q in s.questions)
            print(f"{s.id}\t{state}\t{s.trigger}+{s.seconds}s\t{pages}\t{s.sample_rate:g}\t{kinds}")
    return 0


def _show(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        survey = SurveyBook(ctx.control).get(args.project, args.id)
        print(msgspec.json.format(msgspec.json.encode(to_json(survey))).decode())
    return 0


def _set(args: argparse.Namespace) -> int:
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {args.file}: {exc.strerror}") from None
    survey = parse_survey(raw)
    with control_context(args) as ctx:
        created = SurveyBook(ctx.control, ctx.auditor).save(ctx.actor, args.project, survey)
        print(f"survey {survey.id} {'created' if created else 'updated'} in {args.project}")
    return 0


def _change(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        book = SurveyBook(ctx.control, ctx.auditor)
        if args.change == "delete":
            book.delete(ctx.actor, args.project, args.id)
            print(f"survey {args.id} deleted from {args.project}")
            return 0
        survey = book.get(args.project, args.id)
        book.save(
            ctx.actor, args.project, msgspec.structs.replace(survey, active=args.change == "resume")
        )
        print(f"survey {args.id} {'resumed' if args.change == 'resume' else 'paused'}")
    return 0
