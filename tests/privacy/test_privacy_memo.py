"""The scrubber remembers its verdicts across batches (``strings.mask_string``).

What it remembers must never change a result, and must never keep a value it
masked: the memory lives as long as the server process.
"""

from __future__ import annotations

import json

from clearsight.privacy import strings
from clearsight.privacy.scrub import scrub

CARD = "4111 1111 1111 1111"
BIRTH = "14/03/1985"


def _batch(texts: list[str], url: str = "https://apply.bank.test/loan/482913/offer") -> bytes:
    events = [
        {"t": "click", "ts": 1_767_000_000_000 + i, "url": url, "sel": "#go", "x": 1, "y": 2}
        for i in range(3)
    ]
    rrweb = [
        {"type": 3, "data": {"source": 5, "text": t, "isChecked": False, "id": 10 + i}}
        for i, t in enumerate(texts)
    ]
    doc = {"v": 1, "key": "pk_x", "sid": "s-1", "seq": 0, "rrweb": rrweb, "events": events}
    return json.dumps(doc, separators=(",", ":")).encode()


def test_a_remembered_value_is_masked_the_same_way_again() -> None:
    body = _batch([f"paid with {CARD}"])
    first = scrub(body)
    again = scrub(body)
    assert CARD.encode() not in first.body
    assert again.body == first.body and again.catches == first.catches
    assert [c.detector for c in again.catches] == ["card"]


def test_the_memory_keeps_no_value_it_masked() -> None:
    scrub(_batch([f"paid with {CARD}", f"dob {BIRTH}"]))
    held = repr(list(strings._MEMO.items())).encode()
    for value in (CARD, BIRTH, CARD.replace(" ", "")):
        assert value.encode() not in held


def test_context_still_decides_after_the_bare_string_was_remembered() -> None:
    """A date alone is no date of birth; the same bytes right after a birth label
    are, although the bare string was remembered as clean first."""
    bare = scrub(_batch([BIRTH]))
    assert BIRTH.encode() in bare.body and not bare.catches
    labelled = scrub(_batch(["Date of birth", BIRTH]))
    assert BIRTH.encode() not in labelled.body
    assert [c.detector for c in labelled.catches] == ["date_of_birth"]


def _texts(body: bytes) -> list[str]:
    return [e["data"]["text"] for e in json.loads(body)["rrweb"]]


def test_a_string_that_is_one_uuid_is_passed_over_and_its_neighbours_are_not() -> None:
    uuid = "5f0c2d7e-4b0a-4c1e-9a77-201234567890"
    out = scrub(_batch([uuid, "call 020 7946 0958", uuid]))
    first, phone, last = _texts(out.body)
    assert first == last == uuid
    assert "7946" not in phone and [c.detector for c in out.catches] == ["phone"]
