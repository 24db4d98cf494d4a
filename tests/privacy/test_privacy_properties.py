"""Properties of masking over generated batches: JSON stays valid with the
same structure, lengths are kept, and masking twice changes nothing."""

from __future__ import annotations

import json
import random
from typing import Any

import privacy_values as pv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearsight.privacy.scrub import scrub, scrub_text

_PII = [v for _, v in pv.pii_values(random.Random(5))]
_LABELLED = [
    f"{label}: {v}" for d, v in pv.pii_values(random.Random(6)) if (label := pv.LABELS.get(d))
]
_NOISE = [
    "12,500.00",
    "1700000000123",
    "v2.14.0",
    "rgba(0, 0, 0, 0.12)",
    "#1a73e8",
    "****",
    "550e8400-e29b-41d4-a716-446655440000",
    "Step 2 of 4",
    "logo@2x.png",
    "a::before",
    "password",
    "hunter22",
]
_KEYS = [
    "textContent",
    "value",
    "text",
    "title",
    "href",
    "url",
    "msg",
    "token",
    "name",
    "id",
    "data-x",
    "props",
    "answer",
    "email",
    "password",
    "type",
]

fragments = st.one_of(
    st.sampled_from(_PII + _LABELLED + _NOISE),
    st.text(max_size=12),
    st.sampled_from([" ", "-", ".", "/", "?q=", "&x=", "%40", "%20", "+", "\\"]),
)
texts = st.lists(fragments, max_size=6).map("".join)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)


def encode(value: Any, rng: random.Random, compact: bool) -> str:
    """JSON with some characters of string values written as escapes, the way
    a hostile or unusual client might."""
    if isinstance(value, str):
        chars = []
        for c in value:
            roll = rng.random()
            if c in '"\\' or ord(c) < 0x20 or roll < 0.08:
                chars.append(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else json.dumps(c)[1:-1])
            elif c == "/" and roll < 0.5:
                chars.append("\\/")
            else:
                chars.append(c)
        return '"' + "".join(chars) + '"'
    sep, colon = (",", ":") if compact else (", ", ": ")
    if isinstance(value, list):
        return "[" + sep.join(encode(v, rng, compact) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + sep.join(
                encode(k, rng, compact) + colon + encode(v, rng, compact) for k, v in value.items()
            )
            + "}"
        )
    return json.dumps(value)


def shape(value: Any) -> Any:
    """The document with every string value blanked (keys kept)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return "" if isinstance(value, str) else value


def batch(doc: Any, seed: int, compact: bool) -> bytes:
    rng = random.Random(seed)
    wrapper = {"v": 1, "rrweb": [{"type": 3, "data": doc, "timestamp": 1}], "events": [doc]}
    return encode(wrapper, rng, compact).encode("utf-8", "surrogatepass")


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(documents, st.integers(0, 2**32), st.booleans())
def test_masking_keeps_json_and_length(doc: Any, seed: int, compact: bool) -> None:
    body = batch(doc, seed, compact)
    out = scrub(body).body
    assert len(out) == len(body)
    assert shape(json.loads(out)) == shape(json.loads(body))


@_SETTINGS
@given(documents, st.integers(0, 2**32), st.booleans())
def test_masking_is_idempotent_and_complete(doc: Any, seed: int, compact: bool) -> None:
    first = scrub(batch(doc, seed, compact))
    second = scrub(first.body)
    assert second.body == first.body
    assert second.catches == []  # nothing detectable is left, so nothing can grow


@_SETTINGS
@given(texts)
def test_scrub_text_properties(text: str) -> None:
    masked, names = scrub_text(text)
    assert len(masked) == len(text)
    assert scrub_text(masked) == (masked, [])
    assert bool(names) == (masked != text)


@_SETTINGS
@given(
    st.one_of(
        st.binary(max_size=300),
        texts.map(str.encode),
        documents.map(lambda d: json.dumps(d).encode()[: len(json.dumps(d)) // 2]),
    )
)
def test_garbage_in_never_raises(body: bytes) -> None:
    """Ingest validates batches first, but a bad body must not crash the filter."""
    assert len(scrub(body).body) == len(body)
