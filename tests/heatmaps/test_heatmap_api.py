"""Heatmaps through the HTTP API: maps, layers, buckets, element ranking, regulatory
statistics, conversion quadrants, filters, URL rules, settings, snapshot, CSV, access."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clearsight.analyse.conversion import GOAL_KEY, Goal
from clearsight.store.control import ControlPlane
from tests.heatmaps.views import Click, View
from tests.support import Server, create_token, encode

DAY = 86_400_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SITE = "https://apply.bank.test"
ACCEPT = Click("#accept", (600, 1500, 200, 50))
CONSENT = Click("#consent", (100, 1400, 20, 20), reg=True, tag="input", after_ms=5000)
DISCLOSURE = Click("#disc", (100, 1200, 600, 40), reg=True, tag="summary", after_ms=2500)
OFFER = "/loan/123/offer"
KEYS: dict[str, str] = {}


def help_click(sy: float) -> Click:
    """The sticky header's help button, clicked with the page scrolled to ``sy``."""
    return Click("#help", (1300, 10, 80, 30), sy=sy, fixed=True, after_ms=1500)


def dataset() -> list[View]:
    views = []
    for i in range(6):  # desktop
        clicks = [ACCEPT, Click("#accept", (600, 1500, 200, 50), after_ms=4000), CONSENT]
        if i < 3:
            clicks.append(help_click([0.0, 700.0, 1400.0][i]))
        if i % 2 == 0:
            clicks.append(DISCLOSURE)
        sid = f"sess-desk-{i}"
        vid = "v0" if i < 2 else f"v{i}"
        ts = T0 + i * DAY
        views.append(
            View(
                sid,
                f"{SITE}/loan/{100 + i}/offer",
                ts,
                1440,
                vid,
                clicks,
                scrolls=[(2000, 1000.0)],
                moves=[(6000, "#accept", 1000)],
                experiment=("offer-layout", "AB"[i % 2]),
            )
        )
        if i < 3:  # converted
            views.append(
                View(
                    sid,
                    f"{SITE}/loan/{100 + i}/complete",
                    ts + 60_000,
                    1440,
                    vid,
                    seq=1,
                    snapshot=False,
                )
            )
        if i < 2:  # in the scoped token's reach
            views.append(
                View(sid, f"{SITE}/extra/page", ts + 90_000, 1440, vid, seq=2, snapshot=False)
            )
    for i in range(4):  # mobile
        views.append(
            View(
                f"sess-mob-{i}",
                f"{SITE}/loan/{200 + i}/offer",
                T0 + i * DAY,
                390,
                f"m{i}",
                [Click("#accept", (20, 2000, 350, 50))],
            )
        )
    return views


@pytest.fixture(scope="module")
def hm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from tests.support import create_project

    data_dir = tmp_path_factory.mktemp("hm") / "data"
    key = KEYS["bank"] = create_project(data_dir, "bank", SITE)
    control = ControlPlane(f"sqlite:///{data_dir / 'control.sqlite'}")
    control.settings.set("bank", GOAL_KEY, Goal(url_pattern="/loan/*/complete"))
    control.close()
    server = Server(data_dir, token=create_token(data_dir, "admin")).start()
    for view in dataset():
        r = server.post("/api/v1/ingest", encode(view.batch(key)))
        assert r.status_code == 200, r.text
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pages = server.get("/api/v1/heatmaps/pages").json().get("pages", [])
        if sum(p["views"] for p in pages) == 15:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"page views were not stored: {pages}")
    yield server
    server.stop()


def get(server: Server, path: str, **params: Any) -> Any:
    r = server.get(path, params={"url": OFFER} | params)
    assert r.status_code == 200, r.text
    return r.json()


def points(data: dict[str, Any]) -> list[dict[str, Any]]:
    cols = data["points"]
    return [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]


def by_sel(elements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["sel"]: e for e in elements}


def test_pages_are_normalised(hm: Server) -> None:
    pages = {p["url"]: p["views"] for p in hm.get("/api/v1/heatmaps/pages").json()["pages"]}
    assert pages == {"/loan/:id/offer": 10, "/loan/:id/complete": 3, "/extra/page": 2}
    for url in ("/loan/7/offer", f"{SITE}/loan/999/offer?x=1", "/loan/*/offer"):
        assert get(hm, "/api/v1/heatmaps/map", url=url)["pages"] == ["/loan/:id/offer"]
    r = hm.get("/api/v1/heatmaps/map", params={"url": "/nowhere"})
    assert r.status_code == 404 and r.json()["code"] == "page-not-found"
    r = hm.get("/api/v1/heatmaps/map")
    assert r.status_code == 400 and r.json()["code"] == "missing-parameter"


def test_buckets_default_to_the_most_common(hm: Server) -> None:
    m = get(hm, "/api/v1/heatmaps/map")
    assert m["bucket"] == "desktop"
    assert m["buckets"]["desktop"] == {"views": 6, "sessions": 6}
    assert m["buckets"]["mobile"] == {"views": 4, "sessions": 4}
    assert m["buckets"]["tablet"] == {"views": 0, "sessions": 0}
    mobile = get(hm, "/api/v1/heatmaps/map", bucket="mobile")
    assert set(mobile["points"]["sel"]) == {"#accept"}
    assert sum(mobile["points"]["n"]) == 4
    assert m["sample"]["too_small"] and m["sample"]["min"] == 30


def test_element_ranking_is_exact_and_marks_sticky_elements(hm: Server) -> None:
    e = by_sel(get(hm, "/api/v1/heatmaps/elements")["elements"])
    assert (e["#accept"]["clicks"], e["#accept"]["views"], e["#accept"]["sessions"]) == (12, 6, 6)
    assert e["#accept"]["share"] == 1.0 and e["#accept"]["rank"] == 1
    assert e["#consent"]["layer"] == "regulatory" and e["#consent"]["rank"] == 2
    assert (e["#disc"]["clicks"], e["#disc"]["share"], e["#disc"]["rank"]) == (3, 0.5, 3)
    assert e["#help"]["layer"] == "sticky" and e["#help"]["rank"] is None
    assert e["#help"]["clicks"] == 3


def test_sticky_clicks_stay_on_the_header_whatever_the_scroll(hm: Server) -> None:
    sticky = points(get(hm, "/api/v1/heatmaps/map", layer="sticky"))
    assert [(p["sel"], p["fixed"], p["n"]) for p in sticky] == [("#help", True, 3)]
    assert sticky[0]["ay"] == 25.0  # viewport y: 10 + 0.5 * 30, at scrollY 0, 700 and 1400
    page = get(hm, "/api/v1/heatmaps/map", layer="page")["points"]
    assert "#help" not in page["sel"]
    reg = get(hm, "/api/v1/heatmaps/map", layer="regulatory")["points"]
    assert set(reg["sel"]) == {"#consent", "#disc"}


def test_regulatory_statistics(hm: Server) -> None:
    reg = get(hm, "/api/v1/heatmaps/elements")["regulatory"]
    assert reg["visitors"] == 5  # v0 came twice
    rows = by_sel(reg["elements"])
    assert rows["#consent"]["kind"] == "consent"
    assert rows["#consent"]["time_to_tick_ms"] == {"median": 5000, "p90": 5000}
    assert rows["#consent"]["share_of_visitors"] == 1.0
    assert rows["#disc"]["kind"] == "disclosure"
    assert (rows["#disc"]["visitors"], rows["#disc"]["share_of_visitors"]) == (3, 0.6)


def test_filters(hm: Server) -> None:
    returning = by_sel(get(hm, "/api/v1/heatmaps/elements", visitor="returning")["elements"])
    assert returning["#accept"]["clicks"] == 2 and returning["#accept"]["sessions"] == 1
    new = get(hm, "/api/v1/heatmaps/map", visitor="new")
    assert new["sample"]["views"] == 5
    converted = get(hm, "/api/v1/heatmaps/map", converted="yes")
    assert converted["sample"]["views"] == 3
    not_converted = get(hm, "/api/v1/heatmaps/map", converted="no")
    assert not_converted["bucket"] == "mobile"  # the most common bucket of what is selected
    assert get(hm, "/api/v1/heatmaps/map", converted="no", bucket="desktop")["sample"]["views"] == 3
    ranged = get(hm, "/api/v1/heatmaps/map", **{"from": "2026-01-03", "to": "2026-01-04"})
    assert ranged["sample"]["views"] == 2
    assert get(hm, "/api/v1/heatmaps/map", device="mobile")["buckets"]["desktop"]["views"] == 0
    r = hm.get("/api/v1/heatmaps/map", params={"url": OFFER, "layer": "bogus"})
    assert r.status_code == 400 and "layer" in r.json()["detail"]
    r = hm.get("/api/v1/heatmaps/map", params={"url": OFFER, "segment": "nobody"})
    assert r.status_code == 200 and r.json()["sample"]["views"] == 0


def test_saved_segments_funnel_stages_and_variants(hm: Server) -> None:
    """The journeys' filters mean the same sessions on a heatmap as everywhere else."""
    r = hm.request(
        "PUT",
        "/api/v1/segments/phones",
        content=encode(
            {
                "project": "bank",
                "name": "Phones",
                "conditions": [{"attribute": "viewport", "op": "is", "value": "xs (<576)"}],
            }
        ),
    )
    assert r.status_code == 200, r.text
    phones = get(hm, "/api/v1/heatmaps/map", segment="phones")
    assert phones["bucket"] == "mobile" and phones["sample"]["views"] == 4
    assert phones["buckets"]["desktop"]["views"] == 0
    # The experiment page's side-by-side maps: variant B was shown in desktop views 1, 3, 5.
    b = get(hm, "/api/v1/heatmaps/elements", experiment="offer-layout", variant="B")
    assert by_sel(b["elements"])["#accept"]["clicks"] == 6
    assert by_sel(b["elements"])["#help"]["clicks"] == 1  # only view 1 of 0..2 is in B
    r = hm.get("/api/v1/heatmaps/map", params={"url": OFFER, "experiment": "offer-layout"})
    assert r.status_code == 400 and r.json()["code"] == "variant-required"
    funnel = {
        "project": "bank",
        "name": "Offer to completion",
        "steps": [
            {"label": "Offer", "url": "/loan/*/offer"},
            {"label": "Complete", "url": "/loan/*/complete"},
        ],
    }
    r = hm.request("PUT", "/api/v1/funnels/offer", content=encode(funnel))
    assert r.status_code == 200, r.text
    dropped = get(hm, "/api/v1/heatmaps/map", funnel="offer", dropped_at="1", bucket="desktop")
    assert dropped["sample"]["views"] == 3  # desktop views 3, 4, 5 never completed


def test_clicks_against_conversion(hm: Server) -> None:
    data = get(hm, "/api/v1/heatmaps/elements")
    assert data["goal"] == "/loan/*/complete"
    assert data["totals"]["conversion_cut"] == 0.5
    e = by_sel(data["elements"])
    assert e["#accept"]["conversion"] == 0.5
    assert e["#accept"]["quadrant"].startswith("Many clicks, high conversion")
    assert e["#disc"]["quadrant"] is None  # 3 sessions: too few to judge


def test_scroll_and_attention_maps(hm: Server) -> None:
    scroll = get(hm, "/api/v1/heatmaps/map", kind="scroll")["scroll"]
    shares = [b["share"] for b in scroll["bands"]]
    assert shares[:13] == [1.0] * 13 and shares[13:] == [0.0] * 7  # deepest: 1800 of 3000 px
    assert scroll["fold_px"] == 800.0
    attention = get(hm, "/api/v1/heatmaps/map", kind="attention")["attention"]
    ms = [b["ms"] for b in attention["bands"]]
    assert ms[0] == 2000.0 and ms[8] == 5000.0 and ms[15] == 0.0
    assert ms[5] == pytest.approx(2000 / 3, abs=1) and ms[6] == pytest.approx(5000 / 3, abs=1)
    move = points(get(hm, "/api/v1/heatmaps/map", kind="move"))
    assert [(p["sel"], p["n"], p["w"]) for p in move] == [("#accept", 6, 6000.0)]


def test_csv_export(hm: Server) -> None:
    r = hm.get("/api/v1/heatmaps/elements.csv", params={"url": OFFER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0].startswith("rank,selector,tag,layer")
    assert lines[1].startswith("1,#accept,button,page,no,12,6,1.0,6,0.5,")
    assert any(line.startswith(",#help,button,sticky") for line in lines)


def test_snapshot_names_no_session_and_is_audited(hm: Server) -> None:
    r = hm.get("/api/v1/heatmaps/snapshot", params={"url": OFFER, "bucket": "mobile"})
    assert r.status_code == 200, r.text
    events = r.json()
    assert [e["type"] for e in events] == [4, 2]
    assert events[0]["data"] == {"href": SITE + "/loan/:id/offer", "width": 390, "height": 768}
    assert all(e["timestamp"] == 0 for e in events)
    assert "sess-" not in r.text and "/loan/20" not in r.text
    # A single-page app's route has no full snapshot of its own: the nearest one shows
    # the page it was navigated from, so it is not drawn on.
    spa = View("sess-spa", f"{SITE}/spa/step-two", T0, 1440, "v-spa").batch(KEYS["bank"])
    spa["rrweb"][0]["data"]["href"] = f"{SITE}/spa/step-one"
    assert hm.post("/api/v1/ingest", encode(spa)).status_code == 200
    deadline = time.monotonic() + 10
    while hm.get("/api/v1/heatmaps/map", params={"url": "/spa/step-two"}).status_code != 200:
        assert time.monotonic() < deadline, "the SPA view was not stored"
        time.sleep(0.1)
    r = hm.get("/api/v1/heatmaps/snapshot", params={"url": "/spa/step-two"})
    assert r.status_code == 404 and r.json()["code"] == "no-snapshot"
    audit = hm.get("/api/v1/audit", params={"action": "heatmaps.snapshot"}).json()["entries"]
    assert audit and audit[0]["object"].startswith("session:")
    assert "sess-" not in str(audit)


def test_access(hm: Server) -> None:
    viewer = Server(hm.data_dir, token=create_token(hm.data_dir, "viewer"), port=hm.port)
    assert viewer.get("/api/v1/heatmaps/map", params={"url": OFFER}).status_code == 200
    r = viewer.request("PUT", "/api/v1/heatmaps/settings", content=b"{}")
    assert r.status_code == 403
    scoped = Server(
        hm.data_dir,
        token=create_token(hm.data_dir, "viewer", "--url-pattern", "/extra/**"),
        port=hm.port,
    )
    e = by_sel(get(scoped, "/api/v1/heatmaps/elements")["elements"])
    assert e["#accept"]["clicks"] == 4 and set(e) == {"#accept", "#consent", "#help", "#disc"}


def test_settings_change_rules_and_sample_size(hm: Server) -> None:
    body = encode({"url_rules": [{"pattern": "[0-9]+", "replacement": ":loan"}], "min_sample": 3})
    r = hm.request("PUT", "/api/v1/heatmaps/settings", content=body)
    assert r.status_code == 200 and r.json()["rebuilt"] is True
    m = get(hm, "/api/v1/heatmaps/map", url="/loan/55/offer")
    assert m["pages"] == ["/loan/:loan/offer"] and not m["sample"]["too_small"]
    settings = hm.get("/api/v1/heatmaps/settings").json()
    assert settings["rules_in_force"] == [["[0-9]+", ":loan"]]
    bad = encode({"url_rules": [{"pattern": "(", "replacement": ":x"}]})
    r = hm.request("PUT", "/api/v1/heatmaps/settings", content=bad)
    assert r.status_code == 400 and r.json()["code"] == "invalid-url-rule"
    r = hm.request("PUT", "/api/v1/heatmaps/settings", content=encode({"min_sample": 30}))
    assert r.status_code == 200 and r.json()["rebuilt"] is True  # back to the default rules
    assert get(hm, "/api/v1/heatmaps/map")["pages"] == ["/loan/:id/offer"]


def test_rebuild_keeps_every_row(hm: Server, tmp_path: Path) -> None:
    before = get(hm, "/api/v1/heatmaps/elements")["elements"]
    r = hm.request("POST", "/api/v1/heatmaps/rebuild")
    assert r.status_code == 200 and r.json()["heat_clicks"] == 28
    assert get(hm, "/api/v1/heatmaps/elements")["elements"] == before


def test_only_the_heatmap_page_may_be_framed_and_only_by_us(hm: Server) -> None:
    html = {"Accept": "text/html"}
    page = hm.get("/heatmaps", params={"url": OFFER, "embed": "1"}, headers=html)
    assert page.status_code == 200 and page.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert 'class="topbar"' not in page.text  # embedded: no navigation inside the frame
    other = hm.get("/sessions", headers=html)
    assert other.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in other.headers["content-security-policy"]
