"""Rule enforcement as pure functions: selectors, the DOM walk, sampling, rule checks."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from tests.privacy.server_support import TS, element, mutation, page, text
from tests.support import batch, encode

from clearsight import events as ev
from clearsight.privacy.domrules import DomRules
from clearsight.privacy.enforce import EnforceRules
from clearsight.privacy.filters import Filtered
from clearsight.privacy.rules import PrivacyRules, check, fnv1a32, in_sample
from clearsight.privacy.scrub import scrub
from clearsight.privacy.selectors import SelectorError, SelectorSet, parse_one
from clearsight.store.control import Project

PROJECT = Project("p", "p", "pk_p", [], 0)


@pytest.mark.parametrize(
    ("selector", "attrs", "tag", "hit"),
    [
        (".a", {"class": "x a"}, "div", True),
        ("div.a.b", {"class": "a"}, "div", False),
        ("#iban", {"id": "iban"}, "span", True),
        ("input[name=iban]", {"name": "iban"}, "input", True),
        ('input[name="iban"]', {"name": "ibanx"}, "input", False),
        ("[data-pii]", {"data-pii": ""}, "p", True),
        ("[class~=b]", {"class": "a b"}, "p", True),
        ("[href^='/acc']", {"href": "/account"}, "a", True),
        ("[href$=pdf]", {"href": "/x.pdf"}, "a", True),
        ("[title*=Doe]", {"title": "Jane Doe"}, "a", True),
        ("SPAN", {}, "span", True),
        ("*", {}, "b", True),
        (".a, #b", {"id": "b"}, "i", True),
    ],
)
def test_simple_selectors(selector: str, attrs: dict[str, str], tag: str, hit: bool) -> None:
    node = {"type": 2, "tagName": tag, "attributes": attrs}
    assert SelectorSet([selector]).matches(node) is hit


@pytest.mark.parametrize("selector", ["div span", "ul > li", "a:hover", "a + b", "", "[x=']"])
def test_selectors_the_server_cannot_enforce(selector: str) -> None:
    with pytest.raises(SelectorError):
        for part in selector.split(",") or [""]:
            parse_one(part)


def test_rules_are_checked_and_tidied() -> None:
    rules = check(PrivacyRules(mask_selectors=[" .a ", ".a"], exclude_urls=["/x/*"]))
    assert rules.mask_selectors == [".a"]
    for bad in (
        PrivacyRules(sample_rate=-0.1),
        PrivacyRules(exclude_urls=["x/*"]),
        PrivacyRules(block_selectors=["a b"]),
        PrivacyRules(tokenize_props=[""]),
    ):
        with pytest.raises(ValueError):
            check(bad)


def test_sampling_is_a_stable_function_of_the_session_id() -> None:
    assert fnv1a32("") == 0x811C9DC5 and fnv1a32("a") == 0xE40C292C  # published vectors
    sids = [f"session-{i}" for i in range(2000)]
    share = sum(in_sample(s, 0.3) for s in sids) / len(sids)
    assert 0.25 < share < 0.35
    assert all(in_sample(s, 1.0) for s in sids) and not any(in_sample(s, 0.0) for s in sids)
    assert [in_sample(s, 0.3) for s in sids] == [in_sample(s, 0.3) for s in sids]


def raws(events: list[dict[str, Any]]) -> list[bytes]:
    return [msgspec.json.encode(e) for e in events]


def test_children_added_before_their_parent_are_still_masked() -> None:
    dom = DomRules()
    mask = SelectorSet([".secret"])
    key = ("p", "s")
    dom.apply(
        key,
        raws(page([element(5, "div", {"class": "secret"}, [])], "https://x/")),
        SelectorSet([]),
        mask,
    )
    adds = [
        {"parentId": 30, "nextId": None, "node": text(31, "Jane Doe")},
        {"parentId": 5, "nextId": None, "node": element(30, "p", {}, [])},
    ]
    out, changed = dom.apply(key, raws([mutation(TS, adds=adds)]), SelectorSet([]), mask)
    assert changed and b"Jane" not in out[0] and b"**** ***" in out[0]


def test_stylesheet_text_is_left_alone_inside_a_masked_element() -> None:
    css = {"type": 3, "textContent": ".a { color: red }", "isStyle": True, "id": 7}
    body = [element(5, "div", {"class": "secret"}, [element(6, "style", {}, [css])])]
    out, _ = DomRules().apply(
        ("p", "s"), raws(page(body, "https://x/")), SelectorSet([]), SelectorSet([".secret"])
    )
    assert b".a { color: red }" in b"".join(out)


def enforce(rules: PrivacyRules, body: dict[str, Any]) -> bytes | Filtered:
    raw = encode(body)
    return EnforceRules(lambda _: rules)(raw, msgspec.json.decode(raw, type=ev.Batch), PROJECT)


def test_projects_without_rules_pass_batches_through_untouched() -> None:
    body = batch("pk_p")
    assert enforce(PrivacyRules(), body) == encode(body)


def test_an_excluded_page_inside_a_batch_loses_only_its_own_events() -> None:
    body = batch("pk_p", url="https://x/open", rrweb=page([], "https://x/open"))
    body["rrweb"] += page(
        [element(5, "p", {}, [text(6, "statement")])], "https://x/secret/1", TS + 50
    )
    body["events"].append(
        {"t": "pageview", "ts": TS + 50, "pv": "pv2", "url": "https://x/secret/1"}
    )
    out = enforce(PrivacyRules(exclude_urls=["/secret/*"]), body)
    assert isinstance(out, bytes)
    kept = json.loads(out)
    assert [e["type"] for e in kept["rrweb"]] == [4, 2]
    assert [e["url"] for e in kept["events"]] == ["https://x/open", "https://x/open"]
    assert b"statement" not in out


def test_selectors_in_interaction_events_label_nothing() -> None:
    """``sel`` names an element: "#signature" or "#phone" around an event's URL and
    page-view id must not make them a secret or a phone number."""
    body = batch("pk_p", url="https://loans.test/demo/loan/430358/esign")
    body["events"][1] |= {"sel": "#signature", "pv": "a3170549-5e56-4586-8b0a-f843016b1379"}
    body["events"].append(
        {"t": "field", "ts": TS, "pv": "13666bc3-1e7d-48ca-a6ae-17e68176cedb", "sel": "#phone"}
    )
    raw = encode(body)
    assert scrub(raw).catches == []
    hidden = raw.replace(b'"sel":"#phone"', b'"sel":"#phone","token":"q8Zr2LmX0pVt7sKd3nWy"')
    masked = scrub(hidden)
    assert b"q8Zr2LmX0pVt7sKd3nWy" not in masked.body, "a key still labels"
    assert {c.detector for c in masked.catches} == {"secret"}
