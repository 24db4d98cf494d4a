"""``clearsight projects``: create and list projects, manage their allowed origins."""

from __future__ import annotations

import argparse
from typing import Any

from clearsight.cli.common import add_data_dir, settings_from
from clearsight.errors import ConfigError
from clearsight.store.control import ControlPlane


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "projects",
        help="create and list projects",
        description="A project is one site or app that sends sessions, with its own key.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser(
        "create",
        help="create a project and print its key",
        description="Create a project and print the key for capture.js.",
    )
    create.add_argument("id", help="short id: lowercase letters, digits, - or _")
    create.add_argument("--name", help="display name (default: the id)")
    create.add_argument(
        "--origin",
        action="append",
        default=[],
        metavar="URL",
        help="a site origin allowed to send, e.g. https://apply.bank.example "
        "(repeatable; without any, only same-origin pages may send)",
    )
    add_data_dir(create)
    create.set_defaults(run=_create)
    listing = sub.add_parser("list", help="list projects with their keys and origins")
    add_data_dir(listing)
    listing.set_defaults(run=_list)
    origins = sub.add_parser("origins", help="add or remove allowed origins of a project")
    origins.add_argument("id")
    origins.add_argument("--add", action="append", default=[], metavar="URL")
    origins.add_argument("--remove", action="append", default=[], metavar="URL")
    add_data_dir(origins)
    origins.set_defaults(run=_origins)


def _control(args: argparse.Namespace) -> ControlPlane:
    settings = settings_from(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return ControlPlane(settings.control_url)


def _check_origin(origin: str) -> str:
    origin = origin.rstrip("/")
    if not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
        raise ConfigError(
            f"origin {origin!r}: give scheme and host only, e.g. https://bank.example"
        )
    return origin


def _create(args: argparse.Namespace) -> int:
    control = _control(args)
    origins = [_check_origin(o) for o in args.origin]
    project = control.create_project(args.id, args.name, origins=origins)
    print(f"project {project.id} created")
    print(f"key: {project.key}")
    print("origins: " + (", ".join(project.origins) or "(same origin only)"))
    return 0


def _list(args: argparse.Namespace) -> int:
    control = _control(args)
    projects = control.projects()
    if not projects:
        print("no projects; create one with `clearsight projects create ID`")
    for p in projects:
        print(f"{p.id}\t{p.key}\t{', '.join(p.origins) or '(same origin only)'}\t{p.name}")
    return 0


def _origins(args: argparse.Namespace) -> int:
    control = _control(args)
    project = control.project(args.id)
    if project is None:
        raise ConfigError(f"no project {args.id!r}; `clearsight projects list` shows them")
    current = [o for o in project.origins if o not in {_check_origin(r) for r in args.remove}]
    current += [o for o in map(_check_origin, args.add) if o not in current]
    control.set_origins(project.id, current)
    print(f"{project.id}: " + (", ".join(current) or "(same origin only)"))
    return 0
