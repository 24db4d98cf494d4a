"""``clearsight signals`` and ``alerts``: recompute signals, show their rules, check anomalies."""

from __future__ import annotations

import argparse
import time
from typing import Any

from clearsight.analyse.anomalies import PERIODS
from clearsight.analyse.signals_rules import RULES, overrides_of
from clearsight.app import Runtime
from clearsight.cli.common import add_data_dir
from clearsight.cli.context import Remote, cli_actor, control_context, with_store
from clearsight.errors import ConfigError


def register(commands: Any) -> None:
    signals = commands.add_parser(
        "signals",
        help="frustration signals: recompute them, show their rules",
        description="Frustration signals (docs/friction.md). The server keeps them up to date "
        "as batches arrive; a recompute re-derives every signal of a project.",
    )
    sub = signals.add_subparsers(dest="action", metavar="ACTION", required=True)
    recompute = _project_command(sub, "recompute", "re-derive signals and scores now", _recompute)
    recompute.add_argument(
        "--rebuild",
        action="store_true",
        help="find every feature from the raw rows again first (slow: after an upgrade)",
    )
    rules = sub.add_parser("rules", help="a project's signal rules, with defaults and reasons")
    rules.add_argument("project")
    add_data_dir(rules)
    rules.set_defaults(run=_rules)

    alerts = commands.add_parser(
        "alerts",
        help="anomaly alerts: check now",
        description="Check the last complete hour and day for anomalies, as `serve` does "
        "every anomaly_interval_minutes, and deliver new alerts.",
    )
    asub = alerts.add_subparsers(dest="action", metavar="ACTION", required=True)
    _project_command(asub, "run", "check for anomalies now", _alerts)


def _project_command(sub: Any, name: str, about: str, run: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=about)
    parser.add_argument("--project", default="", help="one project (default: all)")
    add_data_dir(parser)
    parser.set_defaults(run=run)
    return parser


def _projects(rt: Runtime, name: str) -> list[str]:
    if name and rt.control.project(name) is None:
        raise ConfigError(f"no project {name!r}")
    return [name] if name else [p.id for p in rt.control.projects()]


def _recompute(args: argparse.Namespace) -> int:
    def local(rt: Runtime) -> list[dict[str, Any]]:
        projects = _projects(rt, args.project)
        det = rt.friction.detector
        runs = [det.rebuild(p) if args.rebuild else det.recompute(p) for p in projects]
        rt.auditor.record(cli_actor(), "signals.recompute", "signals",
                          detail={"projects": projects, "rebuild": args.rebuild})  # fmt: skip
        return [{"project": r.project, "seconds": r.total} for r in runs]

    def remote(api: Remote) -> list[dict[str, Any]]:
        body = {"project": args.project, "rebuild": args.rebuild}
        runs: list[dict[str, Any]] = api.call(
            "POST", "/api/v1/signals/recompute", json=body
        ).json()["runs"]
        return runs

    for run in with_store(args, local, remote):
        print(f"{run['project']}: signals recomputed in {float(run['seconds']):.2f} s")
    return 0


def _rules(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        if ctx.control.project(args.project) is None:
            raise ConfigError(f"no project {args.project!r}")
        overrides = overrides_of(ctx.control, args.project)
    for rule in RULES:
        value = overrides.get(rule.key, rule.default)
        mark = "" if rule.key not in overrides else f"  (default {rule.default:g})"
        print(f"{rule.key:<24} {value:>8g} {rule.unit:<10}{mark}\n    {rule.why}")
    return 0


def _alerts(args: argparse.Namespace) -> int:
    now = int(time.time() * 1000)

    def local(rt: Runtime) -> list[dict[str, Any]]:
        projects = _projects(rt, args.project)
        raised = []
        for project in projects:
            for period, size in PERIODS.items():
                raised += rt.friction.alerter.run(project, now // size * size, (period,))
        return [{"project": a.project, "text": a.metric + " on " + a.page} for a in raised]

    def remote(api: Remote) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = api.call(
            "POST", "/api/v1/alerts/run", json={"project": args.project}
        ).json()["alerts"]
        return found

    raised = with_store(args, local, remote)
    for alert in raised:
        print(f"{alert['project']}: {alert['text']}")
    print(f"{len(raised)} new alert{'' if len(raised) == 1 else 's'}")
    return 0
