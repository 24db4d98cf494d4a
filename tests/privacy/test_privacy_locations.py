"""What a catch says: detector, JSON path kind, selector hint, page, count."""

from __future__ import annotations

import random

import msgspec
import privacy_batches as pb
import privacy_placements as pp
import pytest

from clearsight.privacy.scrub import Catch, scrub

EMAIL = "jane.doe@example.com"
STEP2 = pb.BASE_URL + "/apply/step-2"
APPLY = pb.BASE_URL + "/apply"


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("snapshot.text", ("rrweb.fullsnapshot.text", "p.summary", STEP2)),
        ("snapshot.attr.value", ("rrweb.fullsnapshot.attributes.value", 'input[name="x"]', STEP2)),
        ("snapshot.attr.data", ("rrweb.fullsnapshot.attributes.data-account", "div", STEP2)),
        ("snapshot.attr.aria-label", ("rrweb.fullsnapshot.attributes.aria-label", "button", STEP2)),
        ("snapshot.src.query", ("rrweb.fullsnapshot.attributes.src", "img", STEP2)),
        ("snapshot.css", ("rrweb.fullsnapshot.css", "style", STEP2)),
        ("mutation.text", ("rrweb.mutation.text", "", STEP2)),
        ("mutation.adds.text", ("rrweb.mutation.adds.text", "", STEP2)),
        ("mutation.adds.attr", ("rrweb.mutation.adds.attributes.title", "span", STEP2)),
        ("mutation.attr", ("rrweb.mutation.attributes.aria-label", "", STEP2)),
        ("input", ("rrweb.input.text", "", STEP2)),
        ("console.string", ("rrweb.console.payload", "", STEP2)),
        ("meta.href", ("rrweb.meta.href", "", APPLY)),
        ("error.msg", ("events[].msg", "", APPLY)),
        ("custom.props", ("events[].props.note", "", APPLY)),
        ("survey.answer", ("events[].answer", "", APPLY)),
    ],
)
def test_where_selector_and_page(where: str, expected: tuple[str, str, str]) -> None:
    result = scrub(pp.PLACEMENTS[where](f"Contact {EMAIL} today"))
    assert result.catches == [Catch("email", *expected, count=1)]


def test_url_catch_reports_the_masked_path() -> None:
    result = scrub(pp.PLACEMENTS["pageview.url"](EMAIL))
    (catch,) = result.catches
    assert (catch.where, catch.url) == ("events[].url", f"{pb.BASE_URL}/u/****.***%40*******.***")


def _input_page(*rrweb_tail: dict[str, object]) -> bytes:
    field = pp.el("input", {"id": "f-email", "name": "email", "value": "****"}, node_id=42)
    label = pp.el("span", {"class": "hint", "data-testid": "email-hint"}, pp.txt("x", 43))
    page = pb.full_snapshot(pp.page(field, label), pp.TS + 1)
    return pb.batch([pb.meta(pp.TS, "/apply"), page, *rrweb_tail])


def test_input_and_text_mutations_name_the_element_from_the_snapshot() -> None:
    typed = {
        "type": 3,
        "data": {"source": 5, "text": EMAIL, "isChecked": False, "id": 42},
        "timestamp": pp.TS + 9,
    }
    text = {
        "type": 3,
        "data": {
            "source": 0,
            "texts": [{"id": 43, "value": EMAIL}],
            "attributes": [],
            "removes": [],
            "adds": [],
        },
        "timestamp": pp.TS + 10,
    }
    result = scrub(_input_page(typed, text))
    assert result.catches == [
        Catch("email", "rrweb.input.text", "input#f-email", APPLY, 1),
        Catch("email", "rrweb.mutation.text", 'span[data-testid="email-hint"].hint', APPLY, 1),
    ]


def test_repeats_are_counted_not_listed() -> None:
    kids = [pp.txt(f"{EMAIL} ", 300 + i) for i in range(3)]
    result = scrub(pp.snapshot_batch(pp.el("li", {"class": "row"}, *kids)))
    assert result.catches == [Catch("email", "rrweb.fullsnapshot.text", "li.row", STEP2, 3)]


def test_catches_never_carry_the_value() -> None:
    for where, place in pp.PLACEMENTS.items():
        for value in (EMAIL, "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00"):
            catches = scrub(place(value)).catches
            assert catches, where
            text = msgspec.json.encode(catches).decode()
            for piece in (value, value.replace(" ", ""), "jane.doe", "0130"):
                assert piece not in text, (where, catches)


def test_selectors_skip_attribute_values_that_are_not_identifiers() -> None:
    node = pp.el("div", {"id": EMAIL, "class": "x y", "data-user": EMAIL}, pp.txt(EMAIL))
    (catch,) = {c for c in scrub(pp.snapshot_batch(node)).catches if c.where.endswith("text")}
    assert catch.selector == "div.x.y"


def test_clean_batches_are_returned_as_is() -> None:
    body = pb.activity_batch(random.Random(3), 1)
    result = scrub(body)
    assert result.body is body and result.catches == []
