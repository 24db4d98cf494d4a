"""``clearsight report``: the compliance report for a period, as HTML and PDF."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from clearsight.app import Runtime
from clearsight.browser import html_to_pdf
from clearsight.cli.common import add_data_dir
from clearsight.cli.context import Remote, cli_actor, with_store
from clearsight.errors import ConfigError
from clearsight.govern import report
from clearsight.web.params import time_param


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "report",
        help="produce the compliance report (HTML and PDF)",
        description="Write the compliance report for a period: collection scope and masking "
        "rules, consent and PII incidents, replay access by person and purpose, retention, "
        "audit-chain verification and key rotation.",
    )
    parser.add_argument("--from", dest="since", metavar="DATE", help="default: 30 days ago")
    parser.add_argument("--to", dest="until", metavar="DATE", help="default: today")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("compliance-report"),
        help="file name without extension (default: compliance-report)",
    )
    parser.add_argument("--no-pdf", action="store_true", help="HTML only (no Chromium needed)")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    params = {k: v for k, v in (("from", args.since), ("to", args.until)) if v}
    until = time_param(params, "to", end_of_day=True) or int(time.time() * 1000)
    since = time_param(params, "from") or until - 30 * 86_400_000
    if since >= until:
        raise ConfigError("--from must be before --to")

    def local(rt: Runtime) -> str:
        facts = report.build(rt.report_inputs(), since, until)
        rt.auditor.record(
            cli_actor(), "reports.create", "report", detail={"from": since, "to": until}
        )
        return report.render_html(facts)

    def remote(api: Remote) -> str:
        return api.call("GET", "/api/v1/report", params={"from": since, "to": until}).text

    page = with_store(args, local, remote)
    html_path = args.out.with_suffix(".html")
    html_path.write_text(page)
    print(f"wrote {html_path}")
    if not args.no_pdf:
        pdf_path = args.out.with_suffix(".pdf")
        pdf_path.write_bytes(html_to_pdf(page))
        print(f"wrote {pdf_path}")
    return 0
