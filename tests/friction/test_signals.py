"""Each signal, detected as batches arrive, through the HTTP API: what counts and what does not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.friction.sessions import Visit, settle, signal_names, wait_for
from tests.support import Server, create_project, create_token

CHANGED = {"mut": True}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    data_dir = tmp_path_factory.mktemp("signals") / "data"
    key = create_project(data_dir, "bank", "https://apply.bank.test")
    srv = Server(data_dir, token=create_token(data_dir, "admin")).start()
    yield srv, key
    srv.stop()


def test_rage_burst_on_a_disabled_button_is_one_rage_click(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/loan/1234/offer")
    for i in range(6):
        v.click("#accept-offer", 180 if i else 900, x=600 + i, y=400 - i, dis=True)
    v.click("#consent", 2500, x=200, y=300, mut=True, focus=True)
    # The burst spans two batches: found on the first, grown by the second.
    first = wait_for(srv, v.send(srv, parts=2, only=0).sid, signals=1)["signals"]
    assert [(s["signal"], s["n"]) for s in first] == [("rage_click", 3)]
    v.send(srv, parts=2, only=1)
    settle(srv, key)
    tl = wait_for(srv, v.sid)
    assert signal_names(tl) == ["rage_click"]
    rage = tl["signals"][0]
    assert rage["sel"] == "#accept-offer" and rage["n"] == 6
    assert rage["page"] == "/loan/*/offer" and rage["ts"] == tl["clicks"][0]["ts"]


def test_what_rage_and_dead_clicks_leave_alone(world: tuple[Server, str]) -> None:
    srv, key = world
    stepper = Visit(key).page("/")
    for _ in range(6):  # a stepper: every click changes the amount
        stepper.click("#amount-plus", 200, x=300, y=200, mut=True)
    typing = Visit(key).page("/apply/details")
    for _ in range(5):  # clicks in a text field to place the caret
        typing.click("#email", 150, tag="input", x=400, y=300)
    select = Visit(key).page("/faq")
    select.click("#answer>p", 900, tag="p", inter=False, n=1)  # double click selects a word
    select.click("#answer>p", 120, tag="p", inter=False, n=2)
    for v in (stepper, typing, select):
        v.send(srv)
    settle(srv, key)
    for v in (stepper, typing, select):
        assert wait_for(srv, v.sid)["signals"] == [], v.events[1]["sel"]


def test_dead_clicks_on_text_need_a_second_try(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/")
    v.click("#rate-explainer", 1000, tag="span", inter=False)
    v.click("#rate-explainer", 2500, tag="span", inter=False)
    v.click("#footnote", 2500, tag="span", inter=False, x=100, y=900)
    tl = wait_for(srv, v.send(srv).sid, signals=2)
    assert [(s["signal"], s["sel"]) for s in tl["signals"]] == [
        ("dead_click", "#rate-explainer"),
        ("dead_click", "#rate-explainer"),
    ]


def test_error_click_goes_to_the_click_before_the_error(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/loan/1234/income")
    v.click("#annual-income", 900, tag="input", err=True)  # its window saw the next click's error
    v.click("#verify-bank", 400, err=True).error()
    v.click("#verify-bank", 3000, err=True).error()
    tl = wait_for(srv, v.send(srv).sid, signals=2)
    assert [(s["signal"], s["sel"]) for s in tl["signals"]] == [("error_click", "#verify-bank")] * 2


def test_repeated_failed_submit_is_not_also_error_clicks(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/apply/details").field("#full-name").field("#email")
    for _ in range(3):
        v.click("#details-continue", 1500, inval=True, mut=True).submit("#details-form")
    v.field("#email", dels=3)
    v.click("#details-continue", 1500, nav=True).submit("#details-form")
    v.page("/loan/1234/income")
    tl = wait_for(srv, v.send(srv).sid, signals=3)
    assert signal_names(tl) == ["failed_submit"] * 3
    assert {s["sel"] for s in tl["signals"]} == {"#details-form"} and tl["signals"][0]["n"] == 3


def test_a_single_validation_error_is_an_error_click(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/apply/details").field("#email")
    v.click("#details-continue", 1500, inval=True).submit("#details-form")
    v.field("#email").click("#details-continue", 1500, nav=True).submit("#details-form")
    v.page("/loan/1/income")
    assert signal_names(wait_for(srv, v.send(srv).sid, signals=1)) == ["error_click"]


def test_form_abandonment_at_the_last_field(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/").page("/apply/details").field("#full-name").field("#email")
    v.field("#phone", edits=4)
    tl = wait_for(srv, v.send(srv).sid, signals=1)
    assert [(s["signal"], s["sel"], s["n"]) for s in tl["signals"]] == [
        ("form_abandon", "#phone", 3)
    ]
    one_field = Visit(key).page("/loan/5/income").field("#employment-status", edits=1)
    one_field.send(srv)
    settle(srv, key)
    assert wait_for(srv, one_field.sid)["signals"] == []


def test_u_turn_is_reported_on_the_page_left_quickly(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/loan/77/income").page("/loan/77/offer", 20_000)
    v.page("/loan/77/income", 1_800).page("/loan/77/offer", 6_000).page("/loan/77/esign", 30_000)
    tl = wait_for(srv, v.send(srv).sid, signals=1)
    assert [(s["signal"], s["path"]) for s in tl["signals"]] == [("u_turn", "/loan/77/offer")]


def test_toggling_between_two_options(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/loan/9/offer")
    for i in range(6):
        v.click("#term-36" if i % 2 else "#term-60", 900, tag="input", x=300 + 200 * (i % 2),
                **CHANGED)  # fmt: skip
    tl = wait_for(srv, v.send(srv).sid, signals=1)
    assert [(s["signal"], s["sel"], s["n"]) for s in tl["signals"]] == [
        ("toggling", "#term-36|#term-60", 4)
    ]


def test_hesitation_before_acting_and_not_after(world: tuple[Server, str]) -> None:
    srv, key = world
    v = Visit(key).page("/loan/9/offer")
    for _ in range(7):  # 7 s resting on Accept (drifting between its parts), then clicking
        v.move("#accept-offer>span", 700, 500, 1000)
    v.click("#accept-offer", 100, x=700, y=500, nav=True)
    after = Visit(key).page("/loan/9/offer")
    after.click("#disclosure-toggle", 500, x=300, y=300, mut=True)
    for _ in range(4):  # resting on what it opened: reading, not hesitating
        after.move("#disclosure-toggle", 300, 300, 2000)
    after.click("#next", 500, x=900, y=700, mut=True)
    after.send(srv)
    v.send(srv)
    settle(srv, key)
    tl = wait_for(srv, v.sid)
    assert [(s["signal"], s["sel"]) for s in tl["signals"]] == [("hesitation", "#accept-offer")]
    assert wait_for(srv, after.sid)["signals"] == []


def test_thrashed_cursor_and_excessive_scrolling(world: tuple[Server, str]) -> None:
    srv, key = world
    for _ in range(3):  # the page's norm: a couple of reversals per view
        usual = Visit(key).page("/loan/3/disbursement")
        for sy in (300, 900, 400, 1200):
            usual.scroll(sy)
        usual.send(srv)
    v = Visit(key).page("/loan/3/disbursement")
    for i in range(8):  # shaking the pointer left and right
        v.move("#main", 400 + (150 if i % 2 else 0), 300, 110)
    for i in range(10):  # up and down, again and again
        v.scroll(1500 if i % 2 else 200, 600)
    v.click("#disburse", 900, nav=True)
    v.send(srv)
    settle(srv, key)
    assert signal_names(wait_for(srv, v.sid)) == ["excessive_scroll", "thrashed_cursor"]


def test_session_list_filters_by_signal_and_sorts_by_score(world: tuple[Server, str]) -> None:
    srv, key = world
    calm = Visit(key).page("/").click("#calc-apply", 900, nav=True).page("/apply/details")
    angry = Visit(key).page("/loan/2/offer")
    for i in range(5):
        angry.click("#accept-offer", 150 if i else 900, dis=True)
    angry.page("/apply/details").field("#full-name").field("#email")
    calm.send(srv)
    wait_for(srv, angry.send(srv).sid, signals=2)
    rage = srv.get("/api/v1/sessions?signal=rage_click&per_page=500").json()
    assert angry.sid in {s["sid"] for s in rage["items"]} and calm.sid not in str(rage)
    top = srv.get("/api/v1/sessions?sort=frustration&per_page=3").json()["items"]
    assert top[0]["frustration"] >= top[-1]["frustration"] > 0
    scores = {
        s["sid"]: s["frustration"] for s in srv.get("/api/v1/sessions?per_page=500").json()["items"]
    }
    assert scores[angry.sid] == 22.0 and scores[calm.sid] == 0.0  # rage 12 + abandoned form 10
    bad = srv.get("/api/v1/sessions?signal=nope")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid-parameter"
    assert srv.get("/api/v1/sessions?sort=score").status_code == 400
