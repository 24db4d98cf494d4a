"""``clearsight serve``: run the server."""

from __future__ import annotations

import argparse
import logging
from typing import Any

import uvicorn

from clearsight.app import Runtime, build_runtime, create_app
from clearsight.cli.common import add_bind, add_data_dir, settings_from
from clearsight.cli.workers import run_workers
from clearsight.errors import ConfigError
from clearsight.privacy import scan

log = logging.getLogger("clearsight")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the server (ingest, API and web UI)",
        description="Run the clearsight server: ingest endpoint, read API and web UI, "
        "on the embedded stores in DATA_DIR.",
    )
    add_bind(parser)
    add_data_dir(parser)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes sharing the port (needs a ClickHouse server as "
        "event store); each has its own spool",
    )
    parser.set_defaults(run=run)


def run_server(rt: Runtime) -> None:
    settings = rt.settings
    log.info(
        "clearsight: serving on http://%s:%d (data in %s)",
        settings.host,
        settings.port,
        settings.data_dir,
    )
    # A server without the compiled walk still masks everything, at a lower
    # rate: the operator should know, not find out from ingest latency.
    (log.info if scan.compiled() else log.warning)(scan.describe_walk())
    uvicorn.run(
        create_app(rt),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        proxy_headers=settings.trust_forwarded_for,
        server_header=False,
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.workers < 1:
        raise ConfigError("--workers must be at least 1")
    if args.workers > 1:
        return run_workers(settings, args.workers)
    rt = build_runtime(settings)
    if not rt.control.projects():
        log.warning(
            "no projects yet: create one with "
            "`clearsight projects create ID --origin https://your.site`"
        )
    run_server(rt)
    return 0
