"""The demo reproduces the seeds' story: drop-off at income verification concentrated in
loans above $20K, once sessions are segmented by the imported loan-amount tier."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import Server, create_token


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    load = subprocess.run(
        [sys.executable, "-m", "clearsight", "demo", "--no-serve", "--sessions", "700",
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert load.returncode == 0, load.stderr[-2000:]
    srv = Server(data_dir, token=create_token(data_dir, "admin")).start()
    yield srv
    srv.stop()


def test_drop_off_at_income_is_concentrated_above_20k(demo) -> None:
    r = demo.get(
        "/api/v1/funnels/loan-application/report?project=demo&breakdown=import.loan_amount_tier"
    ).json()
    assert [s["label"] for s in r["steps"]][:2] == ["Application start", "Income verification"]
    income = {g["value"]: g["steps"][1] for g in r["breakdown"]["groups"]}
    assert {">20k", "5k-20k"} <= set(income)
    large = income[">20k"]["drop_off"]
    rest = [income[t] for t in ("5k-20k", "<5k") if t in income]
    small = sum(s["dropped"] for s in rest) / sum(s["sessions"] for s in rest)
    assert large >= 0.2 and large >= 4 * small, (large, small)
    # The loan system's events end the funnel, through the tokenized customer ids.
    assert r["steps"][-1]["kind"] == "server" and r["steps"][-1]["sessions"] > 0


def test_demo_segments_experiment_and_dashboard(demo) -> None:
    segments = {s["id"]: s for s in demo.get("/api/v1/segments?project=demo").json()["segments"]}
    assert segments["large-loans"]["members"] > 0
    large = demo.get("/api/v1/sessions?project=demo&segment=large-loans&per_page=1").json()
    assert large["total"] == segments["large-loans"]["members"]
    attrs = {
        a["name"] for a in demo.get("/api/v1/segments/attributes?project=demo").json()["attributes"]
    }
    assert {
        "import.loan_amount_tier",
        "trait.amount_tier",
        "import.service_tier",
        "source",
    } <= attrs
    exp = demo.get("/api/v1/experiments/offer-layout?project=demo").json()
    assert [v["variant"] for v in exp["variants"]] == ["A", "B"]
    assert exp["page"] == "/demo/loan/*/offer"
    kpis = demo.get("/api/v1/kpis?project=demo&days=30").json()
    assert kpis["funnel"]["id"] == "loan-application"
    assert {k["key"] for k in kpis["journeys"]} >= {"completion", "time_on_page", "error_clicks"}
    completion = next(k for k in kpis["journeys"] if k["key"] == "completion")
    assert 0.3 < completion["value"] < 0.9
