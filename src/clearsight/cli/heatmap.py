"""``clearsight heatmap``: export a map as PNG (and its element statistics as CSV), change a
project's heatmap settings, rebuild the heatmap tables.

Each runs in-process when no server holds the event store, and otherwise
through the running server's API with the local credential (``cli/context.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import msgspec

from clearsight.analyse.heatmap_elements import ranking_csv
from clearsight.analyse.heatmap_urls import HeatmapSettings, UrlRule, settings_of
from clearsight.app import Runtime
from clearsight.cli.common import add_data_dir
from clearsight.cli.context import Remote, cli_actor, with_store
from clearsight.errors import ConfigError
from clearsight.store import heatmaps as upkeep
from clearsight.web.heatmap_params import elements_json, project_for
from clearsight.web.heatmaps import HeatmapService

FILTERS = ("project", "kind", "layer", "bucket", "device", "visitor", "converted", "segment")


def register(commands: Any) -> None:
    parser = commands.add_parser("heatmap", help="export heatmaps; heatmap settings and upkeep")
    sub = parser.add_subparsers(dest="heatmap_command", metavar="COMMAND", required=True)
    _add_export(sub)
    _add_settings(sub)
    rebuild = sub.add_parser(
        "rebuild",
        help="re-derive and re-cluster the heatmap tables",
        description="Re-derive every heatmap row from the raw tables and rewrite the tables in "
        "page order (fast per-page reads). Run it after bulk loads, or nightly.",
    )
    add_data_dir(rebuild)
    rebuild.set_defaults(run=run_rebuild)


def _add_export(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="write a heatmap as PNG (and its element statistics as CSV)",
        description="Render one page's heatmap on the page itself, with server-side Chromium, "
        "and write it as PNG. Filters are those of the heatmap page (docs/heatmaps.md).",
    )
    export.add_argument("--url", required=True, help="page URL, path or glob (/loan/*/offer)")
    export.add_argument("--out", type=Path, required=True, help="the PNG to write")
    export.add_argument("--csv", type=Path, help="also write the element statistics here")
    export.add_argument("--project", help="project id (needed when there are several)")
    export.add_argument("--kind", default="click", help="click, move, scroll or attention")
    export.add_argument("--layer", default="all", help="all, page, sticky or regulatory")
    export.add_argument("--bucket", help="mobile, tablet or desktop (default: most common)")
    export.add_argument("--from", dest="since", metavar="DATE")
    export.add_argument("--to", dest="until", metavar="DATE")
    export.add_argument("--device", help="desktop, tablet or mobile")
    export.add_argument("--visitor", help="new or returning")
    export.add_argument("--converted", help="yes or no")
    export.add_argument("--segment", help="a saved segment's id")
    add_data_dir(export)
    export.set_defaults(run=run_export)


def _add_settings(sub: Any) -> None:
    settings = sub.add_parser(
        "settings",
        help="show or change a project's heatmap settings",
        description="URL normalisation rules, regulatory selectors and the minimum sample. "
        "Changing the URL rules re-derives the heatmap tables.",
    )
    settings.add_argument("--project", help="project id (needed when there are several)")
    settings.add_argument(
        "--rule",
        action="append",
        metavar="PATTERN=REPLACEMENT",
        help="a URL rule: a path segment fully matching PATTERN (RE2) becomes REPLACEMENT; "
        "repeat for several, in order. Replaces the project's rules.",
    )
    settings.add_argument("--default-rules", action="store_true", help="back to the defaults")
    settings.add_argument(
        "--regulatory", action="append", metavar="SELECTOR", help="a regulatory selector"
    )
    settings.add_argument("--min-sample", type=int, help="page views below which a map is flagged")
    add_data_dir(settings)
    settings.set_defaults(run=run_settings)


def _params(args: argparse.Namespace) -> dict[str, str]:
    params = {name: getattr(args, name) for name in FILTERS}
    params |= {"url": args.url, "from": args.since, "to": args.until}
    return {k: str(v) for k, v in params.items() if v}


def _service(rt: Runtime) -> HeatmapService:
    return HeatmapService(rt.store, rt.sealer, rt.control, rt.auditor)


def run_export(args: argparse.Namespace) -> int:
    params = _params(args)

    def local(rt: Runtime) -> tuple[bytes, str | None]:
        svc = _service(rt)
        csv = None
        if args.csv:
            csv = ranking_csv(elements_json(rt.store, svc.request(cli_actor(), params)))
        return svc.png(cli_actor(), params), csv

    def remote(api: Remote) -> tuple[bytes, str | None]:
        png = api.call("GET", "/api/v1/heatmaps/export.png", params=params).content
        csv = None
        if args.csv:
            csv = api.call("GET", "/api/v1/heatmaps/elements.csv", params=params).text
        return png, csv

    png, csv = with_store(args, local, remote)
    args.out.write_bytes(png)
    print(f"wrote {args.out}")
    if args.csv and csv is not None:
        args.csv.write_text(csv)
        print(f"wrote {args.csv}")
    return 0


def _changed(args: argparse.Namespace, current: HeatmapSettings) -> HeatmapSettings:
    rules = current.url_rules
    if args.default_rules:
        rules = None
    elif args.rule:
        rules = []
        for text in args.rule:
            pattern, sep, replacement = text.rpartition("=")
            if not sep or not pattern:
                raise ConfigError(f"--rule {text!r}: write it as PATTERN=REPLACEMENT")
            rules.append(UrlRule(pattern, replacement))
    return HeatmapSettings(
        url_rules=rules,
        regulatory_selectors=args.regulatory
        if args.regulatory is not None
        else current.regulatory_selectors,
        min_sample=args.min_sample if args.min_sample is not None else current.min_sample,
    )


def run_settings(args: argparse.Namespace) -> int:
    query = {"project": args.project} if args.project else {}
    wants_change = bool(args.rule or args.default_rules or args.regulatory or args.min_sample)

    def local(rt: Runtime) -> Any:
        project = project_for(rt.control, cli_actor(), query)
        current = settings_of(rt.control, project)
        if wants_change:
            current = _changed(args, current)
            _service(rt).save_settings(cli_actor(), project, current)
        return {"project": project} | msgspec.to_builtins(current)

    def remote(api: Remote) -> Any:
        found = api.call("GET", "/api/v1/heatmaps/settings", params=query).json()
        current = msgspec.convert(
            {k: found[k] for k in ("url_rules", "regulatory_selectors", "min_sample")},
            HeatmapSettings,
        )
        if wants_change:
            current = _changed(args, current)
            body = msgspec.json.encode(current)
            api.call("PUT", "/api/v1/heatmaps/settings", params=query, content=body)
        return {"project": found["project"]} | msgspec.to_builtins(current)

    print(msgspec.json.format(msgspec.json.encode(with_store(args, local, remote))).decode())
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    def local(rt: Runtime) -> Any:
        _service(rt).sync_rules()
        result = upkeep.rebuild(rt.store)
        rt.auditor.record(cli_actor(), "heatmaps.rebuild", "heatmaps", detail=result)
        return result

    def remote(api: Remote) -> Any:
        return api.call("POST", "/api/v1/heatmaps/rebuild").json()

    result = with_store(args, local, remote)
    print(", ".join(f"{k}: {v:g}" for k, v in result.items()))
    return 0
