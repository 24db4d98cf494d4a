"""The adversarial corpus: every detector's values, written every way, in
every place a client can leak them. Zero may survive scrubbing."""

from __future__ import annotations

import random
from pathlib import Path

import privacy_placements as pp
import privacy_values as pv
import pytest
from privacy_checks import leaks

from clearsight.privacy.detectors import CARD_CODE_LABELS, PASSPORT_LABELS
from clearsight.privacy.scrub import scrub

RNG = random.Random(20240501)
VALUES = pv.pii_values(RNG)
SECRET_NAMES = ("csrf_token", "api_key", "access_token", "client_secret")
INPUT_NAMES = {
    "date_of_birth": "date_of_birth",
    "bank_account": "account_number",
    "passport_number": "passport_number",
    "us_aba_routing": "routing_number",
    "de_steuer_id": "steuer_id",
    "nl_bsn": "bsn",
    "pl_pesel": "pesel",
    "se_personnummer": "personnummer",
    "dk_cpr": "cpr",
    "at_svnr": "svnr",
    "pt_nif": "nif",
    "ie_pps": "pps_number",
    "gb_nhs": "nhs_number",
}


def rendered(detector: str, value: str) -> str:
    label = pv.LABELS.get(detector)
    return f"{label}: {value}" if label else value


def _cases() -> list[tuple[str, str, str]]:
    return [(det, value, where) for det, value in VALUES for where in pp.PLACEMENTS]


@pytest.mark.parametrize(("detector", "value", "where"), _cases())
def test_no_value_survives(detector: str, value: str, where: str) -> None:
    body = pp.PLACEMENTS[where](rendered(detector, value))
    result = scrub(body)
    assert not leaks(result.body, value), (detector, where)
    assert len(result.body) == len(body)
    assert detector in {c.detector for c in result.catches}


@pytest.mark.parametrize(("detector", "value"), [(d, v) for d, v in VALUES if d in INPUT_NAMES])
def test_labelled_by_the_input_name(detector: str, value: str) -> None:
    """A hidden input named "bsn" leaks a bare BSN: its name is the label."""
    result = scrub(pp.named_input(INPUT_NAMES[detector], value))
    assert not leaks(result.body, value)
    assert [c.detector for c in result.catches] == [detector]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_hidden_secret_inputs(name: str) -> None:
    secret = pv.token(RNG, 40)
    result = scrub(pp.named_input(name, secret))
    assert not leaks(result.body, secret)
    assert [(c.detector, c.where) for c in result.catches] == [
        ("secret", "rrweb.fullsnapshot.attributes.value")
    ]


CARDS = [v for d, v in VALUES if d == "card" and v.isdigit()]


@pytest.mark.parametrize("value", CARDS)
@pytest.mark.parametrize("where", sorted(pp.split_card("4111111111111111")))
def test_split_card_numbers(value: str, where: str) -> None:
    result = scrub(pp.split_card(value)[where])
    assert not leaks(result.body, value), where
    assert [c.detector for c in result.catches] == ["card"]


@pytest.mark.parametrize("country", ["DE", "GB", "FR", "NL", "ES", "IT", "BE", "PL"])
@pytest.mark.parametrize("where", sorted(pp.split_iban("DE89370400440532013000")))
def test_split_ibans(country: str, where: str) -> None:
    value = pv.iban_for(country, RNG)
    result = scrub(pp.split_iban(value)[where])
    assert not leaks(result.body, value), where
    assert [c.detector for c in result.catches] == ["iban"]


@pytest.mark.parametrize("country", pv.iban_countries())
def test_every_iban_country(country: str) -> None:
    value = pv.iban_for(country, RNG)
    spaced = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    # Typed IBANs come in any case; an input event carries them as typed.
    for text in (value, spaced, value.lower(), spaced.lower(), spaced.title()):
        for where in ("snapshot.text", "input"):
            result = scrub(pp.PLACEMENTS[where](f"Pay to {text}."))
            assert not leaks(result.body, text), (text, where)
            assert "iban" in {c.detector for c in result.catches}, (text, where)


def _corpus() -> list[tuple[str, str, str]]:
    rows = []
    for line in (Path(__file__).parent / "corpus" / "pii.tsv").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            detector, text, value = line.split("\t")
            rows.append((detector, text, value))
    return rows


@pytest.mark.parametrize(("detector", "text", "value"), _corpus())
@pytest.mark.parametrize(
    "where",
    ["snapshot.text", "snapshot.attr.title", "console.string", "pageview.url", "escaped.slash"],
)
def test_handwritten_corpus(detector: str, text: str, value: str, where: str) -> None:
    result = scrub(pp.PLACEMENTS[where](text))
    assert not leaks(result.body, value), where
    assert detector in {c.detector for c in result.catches}


@pytest.mark.parametrize("where", sorted(pp.PLACEMENTS))
def test_card_security_codes(where: str) -> None:
    """Three digits are too short to look for alone: the CVV label finds them."""
    text = "CVV: 735"
    result = scrub(pp.PLACEMENTS[where](f"Card ending 4242, {text}"))
    assert not leaks(result.body, text), where
    assert "card_security_code" in {c.detector for c in result.catches}, where


@pytest.mark.parametrize("label", CARD_CODE_LABELS)
def test_every_card_code_label_finds_its_code(label: str) -> None:
    """Each label must also wake the prefilter: three digits alone do not."""
    text = f"{label.capitalize()}: 735"
    result = scrub(pp.PLACEMENTS["snapshot.text"](text))
    assert not leaks(result.body, text), label
    assert [c.detector for c in result.catches] == ["card_security_code"]


@pytest.mark.parametrize("label", PASSPORT_LABELS)
def test_every_passport_label_finds_its_number(label: str) -> None:
    """A German passport number has no run of six digits: the label finds it."""
    text = f"{label.capitalize()}: C01X00T47"
    result = scrub(pp.PLACEMENTS["snapshot.text"](text))
    assert not leaks(result.body, "C01X00T47"), label
    assert [c.detector for c in result.catches] == ["passport_number"]


@pytest.mark.parametrize("name", ["cvv", "cvc2", "cc-csc", "card_verification_code"])
def test_card_security_code_inputs(name: str) -> None:
    result = scrub(pp.named_input(name, "735"))
    assert b'"735"' not in result.body
    assert [c.detector for c in result.catches] == ["card_security_code"]
