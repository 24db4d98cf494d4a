"""The detector table, row by row: what each accepts, rejects and needs."""

from __future__ import annotations

import json
import random

import privacy_values as pv
import pytest
import re2

from clearsight.privacy import checksums, validators
from clearsight.privacy.detectors import DETECTORS, Mask
from clearsight.privacy.scrub import scrub, scrub_text

RNG = random.Random(11)
NAMES = sorted({d.name for d in DETECTORS})


def test_every_row_is_complete_re2() -> None:
    for det in DETECTORS:
        re2.compile(det.pattern)
        assert det.fp, f"{det.name} has no false-positive note"
        assert det.mask in (Mask.SHAPE, Mask.OPAQUE)


@pytest.mark.parametrize(("detector", "value"), pv.pii_values(RNG))
def test_found_alone_and_in_prose(detector: str, value: str) -> None:
    label = pv.LABELS.get(detector)
    for text in (f"{label} {value}" if label else value, f"Hi, ({label or 'ref'}: {value})."):
        masked, names = scrub_text(text)
        assert value not in masked
        assert names == [detector]


@pytest.mark.parametrize(
    ("detector", "value"), [(d, v) for d, v in pv.pii_values(RNG) if d in pv.LABELS]
)
def test_weak_ids_need_a_label(detector: str, value: str) -> None:
    masked, names = scrub_text(f"Reference {value} confirmed")
    assert names == [] and masked == f"Reference {value} confirmed"


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # Luhn fails
        "1700000000000123",  # ms timestamp as text: prefix 1 is no card network
        "DE89 3704 0044 0532 0130 01",  # mod-97 fails
        "666-12-3456",  # SSA never issues area 666
        "900-12-3456",
        "123-00-4567",
        "+999 20 7946 0958",  # no such country code
        "logo@2x.png",
        "pkg@1.2.3",
        "1.2.3.4",
        "10.0.0.0",
        "12:30:45",
        "bad::bed",
        "0x0000000000000000000000000000000000000000",
        "0x52908400098527886E0F7030069857D2E4169Ee7",  # EIP-55 case wrong
        "eyJub3RqdyI6MX0.eyJzdWIiOiIxIn0.c2ln",  # header has no alg
        "Bearer of this card",
        "Sort by: 12-05-24",
        "DOB",
    ],
)
def test_near_misses_are_left_alone(text: str) -> None:
    assert scrub_text(text) == (text, [])


def test_mask_shapes() -> None:
    assert scrub_text("jane.doe@example.com")[0] == "****.***@*******.***"
    assert scrub_text("4111-1111-1111-1111")[0] == "9999-9999-9999-9999"
    assert scrub_text("GB82 WEST 1234 5698 7654 32")[0] == "**99 **** 9999 9999 9999 99"
    assert scrub_text("Authorization: Bearer abc.DEF-123_456/789")[0] == (
        "Authorization: Bearer *******************"
    )
    assert scrub_text("?api_key=Zx81Qw2Lm9Kp4Tr7Yv3N&x=1")[0] == "?api_key=********************&x=1"


def test_masks_are_not_detectable() -> None:
    for _, value in pv.pii_values(random.Random(12)):
        masked, _ = scrub_text(value)
        assert scrub_text(masked) == (masked, [])


def test_context_prefers_the_nearest_label() -> None:
    bsn = pv.until_valid(RNG, lambda r: pv.digits(r, 9), lambda v: validators.nl_bsn_check(v) > 0)
    assert scrub_text(f"SSN on file. BSN: {bsn}")[1] == ["nl_bsn"]


def test_split_labels_and_camel_case() -> None:
    assert scrub_text("userDob=1985-04-12")[1] == ["date_of_birth"]
    assert scrub_text("dateOfBirth: 12/04/1985")[1] == ["date_of_birth"]
    assert scrub_text("dobrze 1985-04-12")[1] == []  # Polish "good", not a label


@pytest.mark.parametrize(
    "text",
    [
        "Date of birth: 14 March 1987",
        "DOB: March 14th, 1987",
        "dob 14-Mar-1987",
        "Date of birth 14TH OF MARCH 1987",
        "Geburtsdatum: 14. März 1987",
        "Date de naissance : 1er\u00a0mars 1987",
        "Fecha de nacimiento: 14 de marzo de 1987",
        "Data urodzenia: 14 marca 1987",
        "Syntymäaika 14. maaliskuuta 1987",
    ],
)
def test_dates_of_birth_in_words(text: str) -> None:
    masked, names = scrub_text(text)
    assert names == ["date_of_birth"]
    assert "1987" not in masked and "14" not in masked


@pytest.mark.parametrize(
    "text",
    [
        "Offer ends 14 March 1987",  # no birth label
        "Date of birth: 31 February 1987",  # no such day
        "Date of birth: 14 March",  # no year
        "Date of birth: Omar 14, 1987",  # a name, not a month
    ],
)
def test_dates_in_words_that_are_not_births(text: str) -> None:
    assert scrub_text(text) == (text, [])


def test_iban_every_registry_country() -> None:
    for country in pv.iban_countries():
        value = pv.iban_for(country, RNG)
        assert validators.iban(value) == len(value), country


def test_iban_trims_greedy_candidates() -> None:
    value = pv.iban_for("DE", RNG)
    masked, names = scrub_text(f"{value[:4]} {value[4:]} BIC COBADEFFXXX")
    assert names == ["iban"] and masked.endswith(" BIC COBADEFFXXX")


def test_checksums() -> None:
    assert checksums.luhn("79927398713") and not checksums.luhn("79927398710")
    assert checksums.base58check_payload(pv.btc_legacy(RNG)) is not None
    assert checksums.segwit_address(pv.btc_segwit(RNG, 0))
    assert checksums.segwit_address(pv.btc_segwit(RNG, 1))
    assert not checksums.segwit_address("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx")
    assert checksums.eip55(pv.eth(RNG)[2:])
    assert checksums.be_nn("85073003328") and not checksums.be_nn("85073003329")
    assert checksums.dk_cpr("0101901234") and not checksums.dk_cpr("3201901234")


def test_phone_needs_plus_format_or_label() -> None:
    assert scrub_text("Call 020 7946 0958")[1] == ["phone"]
    assert scrub_text("Ref 020 7946 0958")[1] == []
    assert scrub_text("(415) 555-0132")[1] == ["phone"]
    assert scrub_text("unicode-range: U+2000-206F")[1] == []


def test_password_fields() -> None:
    def run(doc: object) -> tuple[object, list[str]]:
        result = scrub(json.dumps(doc, separators=(",", ":")).encode())
        return json.loads(result.body), [c.detector for c in result.catches]

    field = {
        "type": "password",
        "name": "password",
        "autocomplete": "current-password",
        "class": "form-control",
        "value": "hunter22",
    }
    masked, names = run({"attributes": field})
    assert masked == {"attributes": {**field, "value": "********"}} and names == ["password"]
    assert run({"props": {"confirm_password": "Tr0ub4dor&3"}}) == (
        {"props": {"confirm_password": "***********"}},
        ["password"],
    )
    quiet = [
        {"attributes": {"type": "password", "value": "****"}},  # masked by the client
        {"textContent": "Forgot your password?"},
        {"textContent": "Password"},
    ]
    for doc in quiet:
        assert run(doc) == (doc, [])
