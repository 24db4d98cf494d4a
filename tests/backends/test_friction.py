"""Frustration signals, issues, form analytics and anomalies, identically on every backend.

The same synthetic sessions go into each store, and the same detection and
analyses run over them. Every test asserts fixed expected values, so passing
on DuckDB and on ClickHouse means both give the same answers.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from clearsight.analyse import anomalies, forms, funnels, heatmap, issues, signals, surveys
from clearsight.analyse.anomalies import AlertSettings
from clearsight.analyse.funnels import Funnel, Step
from clearsight.analyse.heatmap_query import HeatQuery
from clearsight.analyse.heatmap_urls import HeatmapSettings, resolve_pages, rules_of
from clearsight.analyse.signals import Detector
from clearsight.analyse.signals_rules import RULES_KEY
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane
from tests.backends.test_event_store import accepted
from tests.friction.sessions import Visit

HOUR, DAY, WEEK = 3_600_000, 86_400_000, 7 * 86_400_000
T0 = 1_767_225_600_000  # 2026-01-01, a Thursday
CHANGED = {"mut": True}


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    # The control plane only holds rules and goals here; its own suite covers PostgreSQL.
    plane = ControlPlane(f"sqlite:///{tmp_path_factory.mktemp('friction') / 'control.sqlite'}")
    yield plane
    plane.close()


def put(store: EventStore, project: str, *visits: Visit, parts: int = 1) -> None:
    batches = [b for v in visits for b in v.batches(parts)]
    store.apply([accepted(project, b) for b in batches])


def signals_of(store: EventStore, project: str, sid: str) -> list[tuple[str, str, str, int]]:
    rows = store.timeline(project, sid)["signals"].to_pylist()
    return [(r["signal"], r["sel"], r["page"], r["n"]) for r in rows]


def one_of_each(t: int) -> dict[str, Visit]:
    """A session per signal, each doing that one frustrating thing (and a calm one)."""
    v: dict[str, Visit] = {}
    v["rage"] = Visit("k", t=t).page("/loan/1234/offer")
    for i in range(6):
        v["rage"].click("#accept-offer", 180 if i else 900, x=600 + i, y=400 - i, dis=True)
    v["rage"].click("#consent", 2500, x=200, y=300, mut=True, focus=True)
    v["dead"] = Visit("k", t=t).page("/")
    v["dead"].click("#rate-explainer", 1000, tag="span", inter=False)
    v["dead"].click("#rate-explainer", 2500, tag="span", inter=False)
    v["dead"].click("#footnote", 2500, tag="span", inter=False, x=100, y=900)
    v["error"] = Visit("k", t=t).page("/loan/1234/income")
    v["error"].click("#annual-income", 900, tag="input", err=True)
    v["error"].click("#verify-bank", 400, err=True).error()
    v["error"].click("#verify-bank", 3000, err=True).error()
    v["submit"] = Visit("k", t=t).page("/apply/contact")
    for _ in range(3):
        v["submit"].field("#email").click("#send", 500, inval=True).submit("#contact-form")
    v["uturn"] = Visit("k", t=t).page("/rates").page("/cards", 500).page("/rates", 3000)
    v["abandon"] = Visit("k", t=t).page("/apply/details")
    v["abandon"].field("#name").field("#email").field("#phone")
    v["toggle"] = Visit("k", t=t).page("/compare")
    for _ in range(4):
        v["toggle"].click("#plan-a", 1500, **CHANGED).click("#plan-b", 1500, **CHANGED)
    v["hesitate"] = Visit("k", t=t).page("/loan/1234/terms")
    v["hesitate"].move("#agree", 500, 500, 6000, wait=100).move("#agree", 501, 500, 2000)
    v["hesitate"].click("#agree", 500, **CHANGED)
    v["thrash"] = Visit("k", t=t).page("/help")
    for i in range(8):
        v["thrash"].move("#menu", 300 if i % 2 else 700, 400, 50, wait=100)
    v["thrash"].click("#menu", 300, **CHANGED)
    for i in range(3):  # the page's norm: two reversals per page view
        v[f"reader{i}"] = Visit("k", t=t).page("/faq")
        for sy in (0, 800, 300, 900):
            v[f"reader{i}"].scroll(sy)
    v["scroll"] = Visit("k", t=t).page("/faq")
    for sy in (0, 500, 100, 600, 50, 700, 20, 800, 0, 900):
        v["scroll"].scroll(sy)
    v["calm"] = Visit("k", t=t).page("/").click("#apply", 1500, **CHANGED).page("/apply/details")
    return v


EXPECTED = {
    "rage": [("rage_click", "#accept-offer", "/loan/*/offer", 6)],
    "dead": [("dead_click", "#rate-explainer", "/", 1)] * 2,
    "error": [("error_click", "#verify-bank", "/loan/*/income", 1)] * 2,
    "submit": [("failed_submit", "#contact-form", "/apply/contact", 3)] * 3,
    "uturn": [("u_turn", "", "/cards", 3000)],
    "abandon": [("form_abandon", "#phone", "/apply/details", 3)],
    "toggle": [("toggling", "#plan-a|#plan-b", "/compare", 6)],
    "hesitate": [("hesitation", "#agree", "/loan/*/terms", 8000)],
    "thrash": [("thrashed_cursor", "", "/help", 6)],
    "reader0": [],
    "scroll": [("excessive_scroll", "", "/faq", 8)],
    "calm": [],
}


def signalled(store: EventStore, control: ControlPlane, project: str, t: int) -> dict[str, Visit]:
    """``one_of_each`` stored, with its signals detected."""
    visits = one_of_each(t)
    put(store, project, *visits.values())
    Detector(store, control).rebuild(project)
    return visits


def test_every_signal_is_found_alike(
    store: EventStore, project: str, control: ControlPlane
) -> None:
    visits = one_of_each(T0)
    put(store, project, *visits.values())
    run = Detector(store, control).rebuild(project)
    assert run.total > 0
    found = {name: signals_of(store, project, visits[name].sid) for name in EXPECTED}
    assert found == EXPECTED
    scores = {
        name: s.frustration
        for name in ("rage", "submit", "calm")
        if (s := store.get_session(visits[name].sid)) is not None
    }
    assert scores == {"rage": 12.0, "submit": 30.0, "calm": 0.0}


def test_incremental_detection_agrees_with_a_rebuild(
    store: EventStore, project: str, control: ControlPlane
) -> None:
    detector = Detector(store, control)
    v = one_of_each(T0 + DAY)["rage"]
    first, second = v.batches(parts=2)
    store.apply([accepted(project, first)])
    detector.sessions(project, [v.sid])
    assert signals_of(store, project, v.sid) == [
        ("rage_click", "#accept-offer", "/loan/*/offer", 3)
    ]
    store.apply([accepted(project, second)])
    detector.sessions(project, [v.sid])
    grown = signals_of(store, project, v.sid)
    assert grown == [("rage_click", "#accept-offer", "/loan/*/offer", 6)]
    detector.sessions(project, [v.sid])  # again, with nothing new: no duplicates
    detector.rebuild(project)
    assert signals_of(store, project, v.sid) == grown
    features = store.query(
        "SELECT count(*) AS n FROM signal_features WHERE project = :p", {"p": project}
    )
    assert features.column("n")[0].as_py() == 6
    # A stricter rule re-derives the signals from the stored features.
    control.settings.set(project, RULES_KEY, {"rage_min_clicks": 7})
    detector.recompute(project)
    assert signals_of(store, project, v.sid) == []
    assert store.get_session(v.sid) is not None
    assert store.get_session(v.sid).frustration == 0.0  # type: ignore[union-attr]


def test_session_list_by_signal_and_score(
    store: EventStore, project: str, control: ControlPlane
) -> None:
    visits = signalled(store, control, project, T0 + 2 * DAY)
    mine = (project,)
    worst = store.list_sessions(SessionFilter(projects=mine, sort="frustration", per_page=3))
    assert worst.total == len(visits)
    assert [s.frustration for s in worst.items] == [30.0, 24.0, 16.0]
    assert worst.items[0].sid == visits["submit"].sid
    errors = store.list_sessions(SessionFilter(projects=mine, signal="error_click"))
    assert [s.sid for s in errors.items] == [visits["error"].sid]
    newest = store.list_sessions(SessionFilter(projects=mine, per_page=500))
    assert sorted(s.frustration for s in newest.items)[-1] == 30.0


def test_erasure_takes_the_derived_rows(
    store: EventStore, project: str, control: ControlPlane
) -> None:
    visits = signalled(store, control, project, T0 + 3 * DAY)
    gone = [visits["rage"].sid, visits["error"].sid]
    store.delete_sessions(project, gone, replay_only=False)
    for table in ("signal_features", "signals", "session_frustration"):
        left = store.query(f"SELECT count(*) AS n FROM {table} WHERE project = :p", {"p": project})
        assert left.column("n")[0].as_py() > 0, table
    rows = store.query(
        "SELECT g.signal AS signal FROM signals g JOIN signal_features f ON f.fid = g.fid "
        "WHERE g.project = :p ORDER BY signal",
        {"p": project},
    ).column("signal")
    assert "rage_click" not in rows.to_pylist() and "error_click" not in rows.to_pylist()
    scored = store.query(
        "SELECT count(*) AS n FROM session_frustration WHERE project = :p", {"p": project}
    )
    assert scored.column("n")[0].as_py() == 8  # ten sessions had signals


def _offer_traffic(t: int) -> list[Visit]:
    """20 sessions on one offer page: 8 hit a rage burst (2 of them go on to finish),
    12 do not (9 finish). The goal is the completion page."""
    out = []
    for i in range(20):
        v = Visit("k", t=t + i * 60_000).page("/loan/4321/offer")
        if i < 8:
            for k in range(4 + i % 3):
                v.click("#accept-offer", 150 if k else 900, x=600, y=400, dis=True)
        v.click("#consent", 2500, x=200, y=300, **CHANGED)
        if (i < 8 and i % 4 == 0) or (i >= 8 and i % 4 != 0):
            v.page("/loan/4321/complete", 2000)
        out.append(v)
    return out


def test_issues_ranked_by_impact_alike(
    store: EventStore, project: str, control: ControlPlane
) -> None:
    control.settings.set(project, "goal", {"url_pattern": "/loan/*/complete"})
    steps = [Step("Start", url="/apply/**"), Step("Offer", url="/loan/*/offer")]
    funnels.saved(control).put(project, "loan", Funnel("loan", "Loan application", steps))
    visits = _offer_traffic(T0 + 4 * DAY)
    put(store, project, *visits)
    Detector(store, control).rebuild(project)
    mine = SessionFilter(projects=(project,))
    since, until = T0 + 4 * DAY, T0 + 5 * DAY
    shown, hidden = issues.ranked_issues(store, control, project, mine, since, until, 5)
    assert hidden == 0 and len(shown) == 1
    issue = shown[0]
    assert (issue.signal, issue.page, issue.sel) == ("rage_click", "/loan/*/offer", "#accept-offer")
    assert (issue.sessions, issue.occurrences, issue.page_views, issue.page_sessions) == (
        8,
        8,
        20,
        20,
    )
    assert issue.share == 0.4 and issue.trend == [8]
    assert issue.funnel_step == "Loan application · step 2: Offer"
    assert (issue.conversion_affected, issue.conversion_unaffected) == (0.25, 0.75)
    assert issue.lost_conversions == pytest.approx(4.0)
    assert issue.confidence == pytest.approx(0.9723, abs=1e-4)
    replays = issues.representative_replays(
        store, project, mine, "rage_click", "/loan/*/offer", "#accept-offer", since, until, 3
    )
    by_sid = {v.sid: v for v in visits}
    assert [r["n"] for r in replays] == [5, 5, 5]  # the median burst
    for r in replays:  # the burst began 1.4 s in: the replay opens at its start
        assert r["ts"] - by_sid[r["sid"]].start == 1400 and r["offset_ms"] == 0


def test_form_analytics_alike(store: EventStore, project: str, control: ControlPlane) -> None:
    t = T0 + 5 * DAY
    left = Visit("k", t=t).page("/apply/details").field("#name", dur=4000)
    left.field("#email", dur=9000, dels=3)
    done = []
    for i in range(3):
        v = Visit("k", t=t + (i + 1) * 60_000).page("/apply/details")
        v.field("#name", dur=2000).field("#email", dur=3000 + 1000 * i)
        v.field("#email", dur=1000, edits=2).submit("#details-form").page("/apply/income")
        done.append(v)
    put(store, project, left, *done)
    Detector(store, control).rebuild(project)
    stats = forms.field_stats(store, project, SessionFilter(projects=(project,)), t, t + DAY)
    # page, sel, position, sessions, views, median ms, corrected, refilled, invalid,
    # abandoned, abandon rate
    assert [msgspec.structs.astuple(f) for f in stats] == [
        ("/apply/details", "#name", 1.0, 4, 4, 2000.0, 0.0, 0.0, 0, 0, 0.0),
        ("/apply/details", "#email", 2.0, 4, 4, 5500.0, 0.25, 0.75, 0, 1, 0.25),
    ]


def test_anomalies_against_the_weekday_baseline_alike(
    store: EventStore, project: str, control: ControlPlane
) -> None:
    end = T0 + 5 * WEEK + 10 * HOUR  # a Thursday, 10:00
    visits = []
    for week in range(5):
        start = end - HOUR - week * WEEK
        for i in range(12):
            v = Visit("k", t=start + i * 240_000).page("/loan/1/offer")
            if week == 0 and i < 6:  # this hour, half of the visitors hit a dead button
                for k in range(4):
                    v.click("#accept-offer", 150 if k else 900, x=600, y=400, dis=True)
            v.click("#consent", 2000, x=200, y=300, **CHANGED).page("/loan/1/next", 30_000)
            visits.append(v)
    put(store, project, *visits)
    Detector(store, control).rebuild(project)
    found = anomalies.findings(store, project, end, "hour", AlertSettings(min_volume=5))
    assert [
        (f.page, f.metric, f.value, f.baseline, f.spread, f.score, f.volume) for f in found
    ] == [("/loan/1/offer", "rage_rate", 50.0, 0.0, 2.0, 25.0, 12)]
    assert found[0].bucket_start == end - HOUR


def test_frustration_layers_of_the_heatmap_alike(
    store: EventStore, project: str, control: ControlPlane
) -> None:
    signalled(store, control, project, T0 + 3 * DAY)

    def clicked(url: str, layer: str) -> dict[str, int]:
        refs = resolve_pages(store, project, url, rules_of(HeatmapSettings()))
        q = HeatQuery(project=project, pages=tuple(r.page for r in refs), bucket=2, layer=layer)
        cols = heatmap.click_points(store, q)
        out: dict[str, int] = {}
        for sel, n in zip(cols["sel"], cols["n"], strict=True):
            out[sel] = out.get(sel, 0) + int(n)
        return out

    everything = clicked("/loan/*/offer", "all")
    assert everything["#accept-offer"] >= 6 and "#consent" in everything
    assert clicked("/loan/*/offer", "rage") == {"#accept-offer": 1}  # the burst, once
    assert clicked("/", "dead") == {"#rate-explainer": 2}
    assert clicked("/loan/*/income", "error") == {"#verify-bank": 2}
    assert clicked("/loan/*/offer", "error") == {}


def test_survey_responses_show_their_sessions_issues_alike(
    store: EventStore, project: str, control: ControlPlane
) -> None:
    visits = signalled(store, control, project, T0 + 4 * DAY)
    wanted = [visits[n].sid for n in ("rage", "error", "calm")]
    found = signals.session_issues(store, control, project, wanted)
    assert found == {
        visits["rage"].sid: "Rage click on #accept-offer, /loan/*/offer",
        visits["error"].sid: "Error click ×2 on #verify-bank, /loan/*/income",
    }
    assert "issues" in [c.key for c in surveys.CONTEXT]
