"""Funnel numbers through the HTTP API, against a fixture computed by hand.

Funnel: 1 /apply/start → 2 /loan/*/income → 3 event offer_accepted → 4 server
event disbursed, window 60 minutes. On 2026-01-01 (offsets in minutes):

    s1  start 0, income 2, accepted 5, C-1 disbursed 30       → 4 (2, 3, 25)
    s2  start 0, income 4, accepted 10, C-2 disbursed 120     → 3 (4, 6): late disbursement
    s3  start 0, income 1                                     → 2 (1)
    s4  start 0                                               → 1
    s5  income 0, start 1                                     → 1: income came first
    s6  start 0, income 3, accepted 4, C-6 disbursed 10       → 4 (3, 1, 6)
    s7  /other only                                           → not in the funnel
    s8  start 0, accepted 1, income 2                         → 2 (2): accepted before income
    s9  start 0, income 5, accepted 8, C-9 disbursed 7        → 3 (5, 3): disbursed before accepting

    reached   8, 6, 4, 2          dropped 2, 2, 2
    medians   step1→2 of 2,4,1,3,2,5 min = 2.5 min; 2→3 of 3,6,1,3 = 3 min; 3→4 of 25,6 = 15.5 min

On 2026-01-10: s10 start, income (→ 2); s11 start (→ 1).
On 2026-01-05: s12 start 0, accepted 1, income 2, accepted 3 → 3 (2, 1): the second
acceptance counts, the first came before income.
Traits: tier "big" for s1, s2, s3; "small" for s6, s9; none for the rest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.journeys.support import DAY, MIN, T0, ingest, put, server_events, session
from tests.support import Server, create_token

FUNNEL = {
    "project": "bank",
    "name": "Loan",
    "window_minutes": 60,
    "steps": [
        {"label": "Start", "url": "/apply/start"},
        {"label": "Income", "url": "/loan/*/income"},
        {"label": "Accepted", "event": "offer_accepted"},
        {"label": "Disbursed", "server": "disbursed"},
    ],
}


def _fixture(key: str) -> list[dict]:
    def who(customer: str, tier: str | None) -> tuple[int, str, tuple[str, dict]]:
        return (30_000, "identify", (customer, {"tier": tier} if tier else {}))

    income = "/loan/10023/income"
    plan = {
        "s1": [(0, "page", "/apply/start"), who("C-1", "big"), (2 * MIN, "page", income),
               (5 * MIN, "event", "offer_accepted")],
        "s2": [(0, "page", "/apply/start"), who("C-2", "big"), (4 * MIN, "page", income),
               (10 * MIN, "event", "offer_accepted")],
        "s3": [(0, "page", "/apply/start"), who("C-3", "big"), (1 * MIN, "page", income)],
        "s4": [(0, "page", "/apply/start")],
        "s5": [(0, "page", income), (1 * MIN, "page", "/apply/start")],
        "s6": [(0, "page", "/apply/start"), who("C-6", "small"), (3 * MIN, "page", income),
               (4 * MIN, "event", "offer_accepted")],
        "s7": [(0, "page", "/other")],
        "s8": [(0, "page", "/apply/start"), (1 * MIN, "event", "offer_accepted"),
               (2 * MIN, "page", income)],
        "s9": [(0, "page", "/apply/start"), who("C-9", "small"), (5 * MIN, "page", income),
               (8 * MIN, "event", "offer_accepted")],
    }  # fmt: skip
    out = [
        session(key, sid, T0 + n * 2 * 3_600_000, steps)
        for n, (sid, steps) in enumerate(plan.items())
    ]
    later = T0 + 9 * DAY
    out.append(session(key, "s10", later, [(0, "page", "/apply/start"), (MIN, "page", income)]))
    out.append(session(key, "s11", later + MIN, [(0, "page", "/apply/start")]))
    again = [(0, "page", "/apply/start"), (MIN, "event", "offer_accepted"),
             (2 * MIN, "page", income), (3 * MIN, "event", "offer_accepted")]  # fmt: skip
    out.append(session(key, "s12", T0 + 4 * DAY, again))
    return out


def _disbursed() -> dict:
    start = {f"C-{n}": T0 + i * 2 * 3_600_000 for i, n in enumerate(range(1, 10))}
    return {
        "project": "bank",
        "events": [
            {"customer_id": "C-1", "name": "disbursed", "ts": start["C-1"] + 30 * MIN, "id": "d1"},
            {"customer_id": "C-2", "name": "disbursed", "ts": start["C-2"] + 120 * MIN},
            {"customer_id": "C-6", "name": "disbursed", "ts": start["C-6"] + 10 * MIN},
            {"customer_id": "C-9", "name": "disbursed", "ts": start["C-9"] + 7 * MIN},
            {"customer_id": "C-6", "name": "approved", "ts": start["C-6"] + 9 * MIN},
        ],
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    from tests.support import create_project

    data_dir = tmp_path_factory.mktemp("funnels") / "data"
    key = create_project(data_dir, "bank", "https://apply.bank.test")
    admin = create_token(data_dir, "admin")
    los = create_token(data_dir, "server")
    srv = Server(data_dir, token=admin).start()
    ingest(srv, _fixture(key))
    stored = server_events(srv, los, _disbursed())
    assert stored == {"stored": 5, "duplicates": 0, "rejected": []}
    put(srv, "/api/v1/funnels/loan", FUNNEL)
    yield srv, los, data_dir
    srv.stop()


def _column(steps: list[dict], name: str) -> list:
    return [s[name] for s in steps]


def test_numbers_match_the_hand_computed_fixture(world) -> None:
    srv, _, _ = world
    r = srv.get("/api/v1/funnels/loan/report?project=bank&from=2026-01-01&to=2026-01-01")
    assert r.status_code == 200, r.text
    steps = r.json()["steps"]
    assert _column(steps, "sessions") == [8, 6, 4, 2]
    assert _column(steps, "conversion") == [1.0, 0.75, 0.5, 0.25]
    assert _column(steps, "dropped") == [2, 2, 2, None]
    assert _column(steps, "drop_off") == [0.25, 0.3333, 0.5, None]
    assert _column(steps, "median_ms_to_next") == [150_000, 180_000, 930_000, None]
    assert _column(steps, "from_previous") == [1.0, 0.75, 0.6667, 0.5]
    assert _column(steps, "kind") == ["url", "url", "event", "server"]


def test_breakdown_by_trait_and_by_segment(world) -> None:
    srv, _, _ = world
    day = "from=2026-01-01&to=2026-01-01"
    r = srv.get(f"/api/v1/funnels/loan/report?project=bank&{day}&breakdown=trait.tier").json()
    groups = {g["value"]: _column(g["steps"], "sessions") for g in r["breakdown"]["groups"]}
    assert groups == {"big": [3, 3, 2, 1], "small": [2, 2, 2, 1], "(none)": [3, 1, 0, 0]}

    seg = put(
        srv,
        "/api/v1/segments/big",
        {
            "project": "bank",
            "conditions": [{"attribute": "trait.tier", "op": "is", "value": "big"}],
        },
    )
    assert seg["members"] == 3
    only = srv.get(f"/api/v1/funnels/loan/report?project=bank&{day}&segment=big").json()
    assert _column(only["steps"], "sessions") == [3, 3, 2, 1]
    both = srv.get(f"/api/v1/funnels/loan/report?project=bank&{day}&breakdown=segments").json()
    groups = {g["value"]: _column(g["steps"], "sessions") for g in both["breakdown"]["groups"]}
    assert groups["big"] == [3, 3, 2, 1] and groups["(none)"] == [5, 3, 2, 1]


def test_two_date_ranges_compared(world) -> None:
    srv, _, _ = world
    r = srv.get(
        "/api/v1/funnels/loan/report?project=bank&from=2026-01-01&to=2026-01-01"
        "&compare_from=2026-01-10&compare_to=2026-01-10"
    ).json()
    assert _column(r["steps"], "sessions") == [8, 6, 4, 2]
    assert _column(r["compare"]["steps"], "sessions") == [2, 1, 0, 0]
    everything = srv.get("/api/v1/funnels/loan/report?project=bank").json()
    assert _column(everything["steps"], "sessions") == [11, 8, 5, 2]
    fifth = srv.get("/api/v1/funnels/loan/report?project=bank&from=2026-01-05&to=2026-01-05")
    steps = fifth.json()["steps"]
    assert _column(steps, "sessions") == [1, 1, 1, 0]
    assert _column(steps, "median_ms_to_next") == [2 * MIN, MIN, None, None]


def test_one_click_opens_the_sessions_that_dropped(world) -> None:
    srv, _, _ = world
    r = srv.get("/api/v1/funnels/loan/report?project=bank&from=2026-01-01&to=2026-01-01").json()
    link = r["steps"][1]["dropped_sessions"]
    assert link.startswith("/sessions?") and "dropped_at=2" in link
    api = srv.get("/api/v1" + link).json()
    assert sorted(s["sid"] for s in api["items"]) == ["s3", "s8"]
    page = srv.get(link, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "dropped at step 2 (Income)" in page.text
    assert page.text.count('href="/sessions/s') == 2
    reached = srv.get("/api/v1/sessions?project=bank&funnel=loan&reached=4").json()
    assert sorted(s["sid"] for s in reached["items"]) == ["s1", "s6"]


def test_server_events_are_tokenized_idempotent_and_need_a_server_token(world) -> None:
    srv, los, data_dir = world
    again = server_events(srv, los, _disbursed())
    assert again == {"stored": 0, "duplicates": 5, "rejected": []}
    bad = server_events(
        srv,
        los,
        {
            "project": "bank",
            "events": [
                {"customer_id": "", "name": "approved", "ts": T0},
                {"customer_id": "C-1", "name": "has space", "ts": T0},
                {"customer_id": "C-1", "name": "approved", "ts": 1_700_000},
            ],
        },
    )
    assert bad["stored"] == 0 and [x["index"] for x in bad["rejected"]] == [0, 1, 2]
    assert "customer_id" in bad["rejected"][0]["reason"]
    refused = srv.post("/api/v1/events", b'{"project": "bank", "events": []}')
    assert refused.status_code == 403  # an admin is not the loan system
    raw = (data_dir / "events.duckdb").read_bytes()
    assert b"C-1" not in raw and b"C-6" not in raw


def test_funnel_definitions_are_validated(world) -> None:
    srv, _, _ = world
    for steps, code in [
        ([{"label": "only", "url": "/a"}], "invalid-funnel"),
        ([{"label": "a", "url": "/a", "event": "x"}, {"label": "b", "url": "/b"}], "invalid-step"),
        ([{"label": "a", "url": "a"}, {"label": "b", "url": "/b"}], "invalid-step"),
    ]:
        r = srv.request("PUT", "/api/v1/funnels/bad", content=_body(steps))
        assert r.status_code == 400 and r.json()["code"] == code, r.text
    assert srv.get("/api/v1/funnels/nope/report?project=bank").status_code == 404
    listed = srv.get("/api/v1/funnels?project=bank").json()["funnels"]
    assert [f["id"] for f in listed] == ["loan"]


def _body(steps: list) -> bytes:
    from tests.support import encode

    return encode({"project": "bank", "name": "x", "steps": steps})


def test_pages_render(world, tmp_path: Path) -> None:
    srv, _, _ = world
    html = {"Accept": "text/html"}
    page = srv.get("/funnels/loan?project=bank&breakdown=trait.tier", headers=html)
    assert page.status_code == 200 and "Replays of the" in page.text
    assert srv.get("/funnels?project=bank", headers=html).status_code == 200
