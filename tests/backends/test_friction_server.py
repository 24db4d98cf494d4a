"""Frustration signals through a real server on ClickHouse (the chDB engine).

The detection hook runs as batches arrive, beside the spool's writer, and the
API reads issues, forms and the session list from ClickHouse. The analyses'
numbers are compared across engines in ``test_friction.py``; this is the
product path on the second engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearsight.analyse.conversion import GOAL_KEY, Goal
from clearsight.analyse.issues import ISSUES_KEY, IssueSettings
from clearsight.store.control import ControlPlane
from tests.friction.sessions import Visit, settle, signal_names, wait_for
from tests.support import Server, create_project, create_token

HOUR = 3_600_000


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    data_dir = tmp_path / "data"
    key = create_project(data_dir, "bank", "https://apply.bank.test")
    control = ControlPlane(f"sqlite:///{data_dir / 'control.sqlite'}")
    control.settings.set("bank", GOAL_KEY, Goal("/loan/*/complete", "Loan completed"))
    control.settings.set("bank", ISSUES_KEY, IssueSettings(min_sessions=4))
    control.close()
    env = {
        "CLEARSIGHT_EVENT_STORE": f"chdb://{tmp_path / 'clickhouse'}",
        "CLEARSIGHT_ANOMALY_INTERVAL_MINUTES": "0",
    }
    srv = Server(data_dir, token=create_token(data_dir, "admin"), env=env).start()
    yield srv, key
    srv.stop()


def offer(key: str, at: int, rage: bool) -> Visit:
    v = Visit(key, t=at).page("/").page("/loan/123456/offer", 3000)
    if rage:
        for i in range(5):
            v.click("#accept-offer", 180 if i else 2000, dis=True)
        return v
    return v.click("#accept-offer", 1500, nav=True).page("/loan/123456/complete", 200)


def test_signals_issues_and_forms_on_clickhouse(world: tuple[Server, str]) -> None:
    srv, key = world
    assert srv.get("/healthz").json()["store"] == "clickhouse"
    now = int(time.time() * 1000)
    split = Visit(key, t=now - 5 * HOUR).page("/loan/123456/offer")
    for i in range(6):
        split.click("#accept-offer", 180 if i else 2000, dis=True)
    first = wait_for(srv, split.send(srv, parts=2, only=0).sid, signals=1)
    assert [(s["signal"], s["n"]) for s in first["signals"]] == [("rage_click", 3)]
    split.send(srv, parts=2, only=1)  # the burst grows: the hook rewrites its signal
    for i in range(3):
        offer(key, now - (i + 1) * HOUR, rage=True).send(srv)
    for i in range(4):
        offer(key, now - (i + 1) * HOUR - 600_000, rage=False).send(srv)
    left = Visit(key, t=now - 2 * HOUR).page("/apply/details").field("#full-name")
    left.field("#email").field("#phone", dels=2).send(srv)
    settle(srv, key)
    tl = wait_for(srv, split.sid)
    assert [(s["signal"], s["n"]) for s in tl["signals"]] == [("rage_click", 6)]
    assert signal_names(wait_for(srv, left.sid)) == ["form_abandon"]

    worst = srv.get("/api/v1/sessions?project=bank&sort=frustration&per_page=4").json()
    assert [s["frustration"] for s in worst["items"]] == [12.0] * 4
    raging = srv.get("/api/v1/sessions?project=bank&signal=rage_click").json()
    assert raging["total"] == 4

    top = srv.get("/api/v1/issues?project=bank").json()["issues"][0]
    assert (top["signal"], top["page"], top["sel"]) == (
        "rage_click",
        "/loan/*/offer",
        "#accept-offer",
    )
    assert (top["sessions"], top["page_sessions"]) == (4, 8)
    assert (top["conversion_affected"], top["conversion_unaffected"]) == (0.0, 1.0)
    assert top["lost_conversions"] == pytest.approx(4.0)
    fields = srv.get("/api/v1/forms?project=bank&page=/apply/details").json()["fields"]
    assert [(f["sel"], f["abandoned"]) for f in fields] == [
        ("#full-name", 0),
        ("#email", 0),
        ("#phone", 1),
    ]

    excluded = srv.request(
        "POST",
        "/api/v1/signals/exclusions",
        json={"project": "bank", "signal": "rage_click", "sel": "#accept-offer"},
    )
    assert excluded.status_code == 201, excluded.text
    assert wait_for(srv, split.sid)["signals"] == []
    rebuilt = srv.request(
        "POST", "/api/v1/signals/recompute", json={"project": "bank", "rebuild": True}
    )
    assert rebuilt.status_code == 200, rebuilt.text
    assert signal_names(wait_for(srv, left.sid)) == ["form_abandon"]
    assert srv.get("/api/v1/sessions?project=bank&signal=rage_click").json()["total"] == 0
