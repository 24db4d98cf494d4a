"""The scrubber remembers its verdicts across batches (``strings.mask_string``).

What it remembers must never change a result, and must never keep a value it
masked: the memory lives as long as the server process.
"""

from __future__ import annotations

import json
import re

from clearsight.privacy import engine, rx, strings
from clearsight.privacy.detectors import DETECTORS
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


def test_context_keys_keep_every_label() -> None:
    """Memory keys write a context's digits as '0' unless they follow a
    letter (``strings.label_context``). That is sound only while no label
    holds a digit anywhere else: a new label such as '3ds' would make two
    contexts share a key although only one of them names the value."""
    for det in (d for d in DETECTORS if d.needs_label):
        for label in det.context:
            assert not re.search(r"(?:^|[^A-Za-z])[0-9]", label), (det.name, label)
            text = f"17 {label}: 2024-05 {label.upper()}9".encode()
            pattern = rx.compile(engine.label_regex(det))
            spans = [m.span() for m in pattern.finditer(text)]
            assert spans == [m.span() for m in pattern.finditer(strings.label_context(text))]
        if det.label_pattern:
            without_counts = re.sub(r"\{[0-9]+(?:,[0-9]*)?\}", "", det.label_pattern)
            assert not re.search(r"[0-9]", without_counts), det.name
