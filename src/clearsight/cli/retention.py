"""``clearsight retention`` and ``holds``: purge expired data, set policies, legal holds."""

from __future__ import annotations

import argparse
from typing import Any

from clearsight.app import Runtime
from clearsight.cli.common import add_data_dir
from clearsight.cli.context import Remote, cli_actor, control_context, with_store
from clearsight.errors import ConfigError
from clearsight.govern.retention import status_json
from clearsight.store.control.governance import Policy


def register(commands: Any) -> None:
    retention = commands.add_parser(
        "retention",
        help="purge expired data; set policies",
        description="Replays and analysis rows have separate "
        "retention per project. `serve` also runs the purge on a "
        "schedule (retention_interval_minutes).",
    )
    sub = retention.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="purge expired data now and crypto-shred its keys")
    add_data_dir(run)
    run.set_defaults(run=_run)
    status = sub.add_parser("status", help="policy and oldest stored replay per project")
    add_data_dir(status)
    status.set_defaults(run=_status)
    policy = sub.add_parser("set", help="set a project's retention policy")
    policy.add_argument("project")
    policy.add_argument("--replay-days", type=int, required=True)
    policy.add_argument("--analysis-days", type=int, required=True)
    add_data_dir(policy)
    policy.set_defaults(run=_set)

    holds = commands.add_parser(
        "holds",
        help="legal holds: exempt sessions from purges",
        description="A session under a legal hold is never purged or "
        "erased until the hold is released. Every change is audited.",
    )
    hsub = holds.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = hsub.add_parser("add", help="place a hold on a session")
    add.add_argument("sid")
    add.add_argument("--reason", required=True)
    add_data_dir(add)
    add.set_defaults(run=_hold)
    release = hsub.add_parser("release", help="release a hold by its number")
    release.add_argument("id", type=int)
    add_data_dir(release)
    release.set_defaults(run=_release)
    listing = hsub.add_parser("list", help="active holds")
    add_data_dir(listing)
    listing.set_defaults(run=_holds)


def _run(args: argparse.Namespace) -> int:
    def local(rt: Runtime) -> list[dict[str, Any]]:
        return [r.__dict__ for r in rt.retention.run(cli_actor(), progress=print)]

    def remote(api: Remote) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = api.call("POST", "/api/v1/retention/run").json()["runs"]
        for r in runs:
            print(
                f"{r['project']}: {r['replays_purged']} replays and {r['sessions_purged']} "
                f"sessions purged, {r['held']} held"
            )
        return runs

    with_store(args, local, remote)
    return 0


def _status(args: argparse.Namespace) -> int:
    rows = with_store(
        args,
        lambda rt: status_json(rt.retention.status()),
        lambda api: api.call("GET", "/api/v1/retention").json()["projects"],
    )
    for r in rows:
        age = (
            "no replays"
            if r["oldest_replay_days"] is None
            else f"oldest replay {r['oldest_replay_days']:.1f} days"
        )
        state = "within policy" if r["compliant"] else "OVER POLICY"
        print(
            f"{r['project']}\treplays {r['replay_days']}d, analysis {r['analysis_days']}d\t"
            f"{age}\t{state}\tholds: {r['holds']}"
        )
    return 0


def _set(args: argparse.Namespace) -> int:
    policy = Policy(args.project, args.replay_days, args.analysis_days)

    def local(rt: Runtime) -> None:
        if rt.control.project(args.project) is None:
            raise ConfigError(f"no project {args.project!r}")
        try:
            rt.retention.set_policy(cli_actor(), policy)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    with_store(
        args,
        local,
        lambda api: api.call(
            "PUT",
            f"/api/v1/retention/{args.project}",
            json={"replay_days": args.replay_days, "analysis_days": args.analysis_days},
        ),
    )
    print(f"{args.project}: replays {args.replay_days} days, analysis {args.analysis_days} days")
    return 0


def _hold(args: argparse.Namespace) -> int:
    def local(rt: Runtime) -> dict[str, Any]:
        session = rt.store.get_session(args.sid)
        if session is None:
            raise ConfigError("no such session")
        hold = rt.control.governance.add_hold(
            session.project, session.sid, args.reason, cli_actor().actor
        )
        rt.auditor.record(
            cli_actor(),
            "holds.add",
            rt.auditor.session_ref(session.sid),
            project=session.project,
            detail={"hold": hold.id, "reason": args.reason},
        )
        return {"id": hold.id}

    made = with_store(
        args,
        local,
        lambda api: api.call(
            "POST", "/api/v1/holds", json={"sid": args.sid, "reason": args.reason}
        ).json(),
    )
    print(f"legal hold {made['id']} placed")
    return 0


def _release(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        hold = ctx.control.governance.release_hold(args.id)
        if hold is None:
            raise ConfigError(f"no legal hold {args.id}")
        ctx.auditor.record(
            ctx.actor,
            "holds.release",
            ctx.auditor.session_ref(hold.sid),
            project=hold.project,
            detail={"hold": hold.id},
        )
        print(f"legal hold {hold.id} released")
    return 0


def _holds(args: argparse.Namespace) -> int:
    with control_context(args) as ctx:
        for h in ctx.control.governance.holds():
            print(f"{h.id}\t{h.project}\t{h.sid}\t{h.created_by}\t{h.reason}")
    return 0
