"""The control plane, identically on SQLite and a real PostgreSQL server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor, verify_log
from clearsight.store.control import ControlPlane
from clearsight.store.control.accounts import Scopes
from clearsight.store.control.governance import Policy
from clearsight.store.control.schema import metadata

ROOT = Path(__file__).resolve().parent.parent.parent


def test_migrations_build_exactly_the_declared_schema(control: ControlPlane) -> None:
    with control.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"schema.py and the migrations disagree: {diff}"


def test_round_trips(control: ControlPlane, tmp_path: Path) -> None:
    project = control.create_project("loans", origins=["https://apply.bank.test"])
    assert control.project_by_key(project.key) == project
    control.record_consent(
        project="loans",
        vid="v1",
        sid="s1",
        state="granted",
        policy="p1",
        banner_hash="ab" * 32,
        source="banner",
        client_ts=1,
    )
    assert control.consent_decisions_of("loans", ["v1"])[0]["state"] == "granted"
    assert control.forget_visitors("loans", ["v1"]) == 1
    user = control.accounts.create_user("dana", "hash", "analyst", Scopes(projects=["loans"]))
    assert control.accounts.user(user.id) == user
    control.keys.put_many_if_absent([("loans", "s1", "replay", "kek1", b"\x00\x01")])
    assert control.keys.get("loans", "s1", "replay") == ("kek1", b"\x00\x01")
    assert control.keys.shred("loans", ["s1"], ("replay",)) == 1
    control.governance.set_policy(Policy("loans", 7, 90))
    assert control.governance.policy("loans", 30, 395) == Policy("loans", 7, 90)
    control.settings.set("loans", "goal", {"url_pattern": "/done"})
    assert control.settings.all("loans") == {"goal": {"url_pattern": "/done"}}
    auditor = Auditor(control, tmp_path / "keys", checkpoint_every=3)
    for i in range(7):
        auditor.record(Access("dana", "analyst"), "sessions.list", f"o{i}")
    report = verify_log(control, auditor.signer)
    assert report.ok and report.entries == 7 and report.checkpoints == 2


def test_concurrent_processes_keep_the_audit_chain_whole(control_url: str, tmp_path: Path) -> None:
    ControlPlane(control_url).close()  # migrate once, as the first server would
    worker = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / "src")!r})
        from pathlib import Path
        from clearsight.govern.access import Access
        from clearsight.govern.audit import Auditor
        from clearsight.store.control import ControlPlane
        control = ControlPlane({control_url!r})
        auditor = Auditor(control, Path({str(tmp_path / "keys")!r}), checkpoint_every=25)
        for i in range(40):
            auditor.record(Access("worker-" + sys.argv[1], "admin"), "sessions.list", str(i))
        control.close()
    """)
    Auditor(ControlPlane(control_url), tmp_path / "keys")  # make the shared keys first
    procs = [subprocess.Popen([sys.executable, "-c", worker, str(n)]) for n in range(4)]
    assert all(p.wait(timeout=180) == 0 for p in procs)
    control = ControlPlane(control_url)
    try:
        auditor = Auditor(control, tmp_path / "keys")
        report = verify_log(control, auditor.signer)
        assert report.ok, report.problems
        assert report.entries == 160 and report.head_seq == 160
    finally:
        control.close()


def test_batch_claims_let_exactly_one_worker_store_an_id(control: ControlPlane) -> None:
    from clearsight.store.control.claims import BatchClaims

    a, b = BatchClaims(control.engine, "host:w0"), BatchClaims(control.engine, "host:w1")
    assert a.claim(["x", "y"]) == {"x", "y"}
    assert b.claim(["x", "y", "z"]) == {"z"}
    assert a.claim(["x", "z"]) == {"x"}, "a worker re-claims its own ids after a restart"
    assert b.forget_before(10**15) == 3
    assert b.claim(["x"]) == {"x"}
