"""Experiment statistics against scipy, and per-variant results through the HTTP API."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from scipy import stats as sp

from clearsight.analyse import stats
from tests.journeys.support import MIN, T0, ingest, put, session
from tests.support import Server, cli


def test_two_proportion_test_matches_scipy() -> None:
    rng = random.Random(5)
    for _ in range(200):
        n1, n2 = rng.randint(5, 5000), rng.randint(5, 5000)
        c1, c2 = rng.randint(0, n1), rng.randint(0, n2)
        if c1 + c2 in (0, n1 + n2):
            continue
        got = stats.two_proportions(c1, n1, c2, n2)
        chi2, p, _, _ = sp.chi2_contingency([[c1, n1 - c1], [c2, n2 - c2]], correction=False)
        assert got.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
        assert got.z**2 == pytest.approx(chi2, rel=1e-9)
        assert got.p_value == pytest.approx(2 * sp.norm.sf(abs(got.z)), rel=1e-9, abs=1e-300)


def test_confidence_intervals_match_scipy() -> None:
    rng = random.Random(9)
    for _ in range(200):
        n = rng.randint(1, 3000)
        k = rng.randint(0, n)
        level = rng.choice([0.8, 0.9, 0.95, 0.99])
        want = sp.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
        low, high = stats.wilson_interval(k, n, level)
        assert (low, high) == pytest.approx((want.low, want.high), abs=1e-12)
    c1, n1, c2, n2 = 120, 1000, 150, 1000
    got = stats.two_proportions(c1, n1, c2, n2, 0.95)
    p1, p2 = c1 / n1, c2 / n2
    half = sp.norm.ppf(0.975) * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    assert (got.ci_low, got.ci_high) == pytest.approx((p2 - p1 - half, p2 - p1 + half), rel=1e-12)


def test_required_sample_size() -> None:
    # The classic normal-approximation figure: 10% → 12% at alpha 0.05, power 0.8.
    assert stats.required_sample_size(0.10, 0.2) == 3841
    z_a, z_b = sp.norm.ppf(0.975), sp.norm.ppf(0.9)
    p1, p2 = 0.3, 0.33
    mean = (p1 + p2) / 2
    top = z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    assert stats.required_sample_size(0.3, 0.1, power=0.9) == math.ceil(top**2 / (p2 - p1) ** 2)
    assert stats.required_sample_size(0.0, 0.1) is None
    assert stats.required_sample_size(1.0, 0.1) is None


def _traffic(key: str) -> list[dict]:
    """A: 100 sessions, 20 complete. B: 90 seen by the site, 45 complete; 10 more assigned
    B by an import (5 complete)."""
    out = []
    for n in range(200):
        variant = "A" if n < 100 else "B"
        converts = n < 20 or 100 <= n < 145 or 190 <= n < 195
        steps: list = [(0, "page", "/apply/start"), (MIN, "page", f"/loan/{1000 + n}/offer")]
        if n < 190:
            steps.append((MIN + 1000, "experiment", ("offer-layout", variant)))
        else:
            steps.append((MIN + 1000, "identify", (f"C-{n}", {})))
        if converts:
            steps.append((2 * MIN, "page", "/done"))
        out.append(session(key, f"x{n:03d}", T0 + n * MIN, steps))
    return out


@pytest.fixture
def world(data_dir: Path, project_key: str, admin_token: str, tmp_path: Path):
    srv = Server(data_dir, token=admin_token).start()
    ingest(srv, _traffic(project_key))
    export = tmp_path / "assignments.csv"
    export.write_text(
        "customer_id,exp:offer-layout\n" + "".join(f"C-{n},B\n" for n in range(190, 200))
    )
    run = cli("segments", "import", str(export), "--project", "bank", data_dir=data_dir)
    assert "imported 10 of 10 rows" in run.stdout
    put(srv, "/api/v1/funnels/buy", {"project": "bank", "name": "Buy", "steps": [
        {"label": "Start", "url": "/apply/start"}, {"label": "Done", "url": "/done"}]})  # fmt: skip
    yield srv
    srv.stop()


def test_variants_through_the_api(world) -> None:
    srv = world
    listed = srv.get("/api/v1/experiments?project=bank").json()["experiments"]
    assert listed == [{"name": "offer-layout", "variants": {"A": 100, "B": 100}}]

    put(srv, "/api/v1/experiments/offer-layout", {"project": "bank", "funnel": "buy"})
    early = srv.get("/api/v1/experiments/offer-layout?project=bank").json()
    assert early["state"] == "not_enough_data"
    assert "needs" in early["reason"] and early["required_per_variant"] > 1000

    put(
        srv,
        "/api/v1/experiments/offer-layout",
        {"project": "bank", "funnel": "buy", "minimum_effect": 1.0},
    )
    r = srv.get("/api/v1/experiments/offer-layout?project=bank").json()
    a, b = r["variants"]
    assert (a["variant"], a["sessions"], a["conversions"]) == ("A", 100, 20)
    assert (b["variant"], b["sessions"], b["conversions"]) == ("B", 100, 50)
    assert r["required_per_variant"] == 82 and r["state"] == "significant"
    want = stats.two_proportions(20, 100, 50, 100)
    assert b["vs_control"]["p_value"] == pytest.approx(want.p_value, abs=1e-5)
    assert b["vs_control"]["difference"] == 0.3
    assert r["page"] == "/loan/*/offer"
    assert b["heatmap"] == (
        "/heatmaps?project=bank&url=%2Floan%2F%2A%2Foffer&experiment=offer-layout&variant=B"
        "&bucket=desktop"
    )
    phones = srv.get("/api/v1/experiments/offer-layout?project=bank&bucket=mobile").json()
    assert all(v["heatmap"].endswith("&bucket=mobile") for v in phones["variants"])
    bad = srv.get("/api/v1/experiments/offer-layout?project=bank&bucket=watch")
    assert bad.status_code == 400 and "bucket" in bad.json()["detail"]
    only_b = srv.get("/api/v1/sessions?project=bank&experiment=offer-layout&variant=B").json()
    assert only_b["total"] == 100

    goal = srv.request(
        "PUT", "/api/v1/experiments/offer-layout", content=b'{"project": "bank", "funnel": "nope"}'
    )
    assert goal.status_code == 400
    page = srv.get("/experiments/offer-layout?project=bank", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "A significant difference" in page.text
    assert "Open heatmap of B" in page.text
