"""The compiled walk (``_walk.cpp``) against the Python walk it mirrors.

Both must leave the same bytes, report the same strings and fragments, and
visit the same places, whatever the verdict memory already holds: the
compiled walk answers from the memory where it can, the Python walk always
asks ``mask_string``. The rest of the privacy suite runs on the compiled
walk (the default), so every leak test holds it to zero leaks too.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import privacy_batches as pb
import privacy_placements as pp
import privacy_values as pv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_privacy_properties import batch, documents
from tests.support import Server

from clearsight.demo.expand import expand, load_recordings
from clearsight.demo.loader import DEMO_ALLOW_VALUES
from clearsight.privacy import native, scan, strings
from clearsight.privacy.rules import PrivacyRules
from clearsight.privacy.scan import Scan

pytestmark = pytest.mark.skipif(
    not scan.compiled() and os.environ.get(native.ENV, "on") == "off",
    reason=f"{native.ENV}=off: the compiled walk is turned off on purpose",
)

DEMO_ALLOW = PrivacyRules(allow_values=list(DEMO_ALLOW_VALUES)).allowed()


def outcome(result: Scan) -> tuple[Any, ...]:
    return (
        bytes(result.out) if result.out is not None else None,
        sorted(result.strings),
        [(f.start, f.end, f.key) for f in result.fragments],
        sorted(result.done),
        result.current,
    )


def assert_same(body: bytes, allow: frozenset[str] = frozenset()) -> None:
    # Python first, so the compiled walk meets a memory that knows these
    # strings; then again from an empty memory, so it meets none of them.
    python = outcome(scan.scan(body, allow, compiled=False))
    assert outcome(scan.scan(body, allow, compiled=True)) == python
    strings.memo().clear()
    assert outcome(scan.scan(body, allow, compiled=True)) == python
    assert outcome(scan.scan(body, allow, compiled=False)) == python


def test_the_compiled_walk_is_built() -> None:
    """`make test` installs g++ and libre2-dev first, so the extension must
    have been built; a silent fallback would leave it untested."""
    assert scan.compiled(), native.WHY_NOT
    assert scan.describe_walk() == "privacy scanner: compiled walk"


@pytest.mark.parametrize("placement", sorted(pp.PLACEMENTS))
def test_every_placement_of_every_value(placement: str) -> None:
    place = pp.PLACEMENTS[placement]
    for _, value in pv.pii_values(random.Random(11)):
        assert_same(place(value))


def test_split_values_and_secret_inputs() -> None:
    rng = random.Random(12)
    for _, value in pv.pii_values(rng):
        assert_same(pp.named_input("api_key", value))
        assert_same(pp.named_input("csrf_token", value))
    for card in (pv.card(rng) for _ in range(5)):
        for body in pp.split_card(card).values():
            assert_same(body)
    for iban in (pv.iban_for(c, rng) for c in ("DE", "GB", "FR", "NL")):
        for body in pp.split_iban(iban).values():
            assert_same(body)


def test_synthetic_snapshots_and_activity() -> None:
    rng = random.Random(13)
    for kb in (60, 140):
        assert_same(pb.snapshot_batch(rng, kb))
        assert_same(pb.snapshot_batch(rng, kb, leaks=3))
    for seq in range(6):
        assert_same(pb.activity_batch(rng, seq, leaks=seq % 2 * 2))


def test_demo_recordings_with_and_without_the_projects_rules() -> None:
    sessions = expand(load_recordings(), 2, now_ms=1_767_000_000_000, seed=3)
    for session in sessions:
        for body in session:
            assert_same(body, DEMO_ALLOW)
            assert_same(body)


@pytest.mark.parametrize(
    ("bare", "labelled"),
    [
        (b'{"ref":"55779911"}', b'{"x":"Account number","v":"55779911"}'),
        (b'{"n":"C01X00T47"}', b'[{"t":"Passport number:"},{"v":"C01X00T47"}]'),
        (b'{"ref":"14/03/1987"}', b'{"label":"Date of birth","value":"14/03/1987"}'),
    ],
)
def test_a_value_seen_bare_is_caught_beside_its_label(bare: bytes, labelled: bytes) -> None:
    """The memory knows the value as clean on its own; next to a label it
    is a customer's account, passport or birth date, and must be masked."""
    for compiled in (True, False):
        strings.memo().clear()
        assert scan.scan(bare, compiled=compiled).out is None
        assert scan.scan(bare, compiled=compiled).out is None  # now from the memory
        masked = scan.scan(labelled, compiled=compiled).out
        assert masked is not None and b"55779911" not in masked and b"C01X00T47" not in masked
        assert b"1987" not in masked


def test_label_contexts_key_the_same_way() -> None:
    """Both walks must write a context's digits the same way, or the compiled
    walk's memory lookups would miss (or worse, hit the wrong verdict)."""
    label = b'"cvv2":"' + json.dumps({"ts": 1766779653761, "x": 12}).encode()
    body = b'{"a":"' + b"h1 v22 x9 " * 30 + b'","b":' + label + b'","c":"4111 1111 1111 1111"}'
    assert strings.label_context(b"cvv2 12:34 a1b22 ,5") == b"cvv2 00:00 a1b22 ,0"
    assert_same(body)


_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(documents, st.integers(0, 2**32), st.booleans())
def test_generated_batches(doc: Any, seed: int, compact: bool) -> None:
    assert_same(batch(doc, seed, compact))


@_SETTINGS
@given(st.binary(max_size=400))
def test_garbage(body: bytes) -> None:
    assert_same(body)


def test_turned_off_by_the_environment() -> None:
    """CLEARSIGHT_COMPILED_SCAN=off runs the Python walk, and says so."""
    code = "from clearsight.privacy import scan; print(scan.compiled(), scan.describe_walk())"
    env = {**os.environ, native.ENV: "off"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == (
        f"False privacy scanner: pure-Python walk, several times slower: {native.ENV} is off"
    )


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({}, "INFO clearsight: privacy scanner: compiled walk"),
        ({native.ENV: "off"}, "WARNING clearsight: privacy scanner: pure-Python walk, several "),
    ],
)
def test_the_server_says_which_walk_it_runs(tmp_path: Path, env: dict[str, str], line: str) -> None:
    srv = Server(tmp_path / "data", env=env).start()
    try:
        assert line in srv.log()
    finally:
        srv.stop()
