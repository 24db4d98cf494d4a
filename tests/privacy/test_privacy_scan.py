"""The fast pass on raw bytes: only string values are touched, wherever they are."""

from __future__ import annotations

import json

import pytest

from clearsight.privacy import strings
from clearsight.privacy.scrub import scrub

CARD = "4111111111111111"


def test_keys_numbers_and_literals_are_never_masked() -> None:
    body = json.dumps({CARD: 4111111111111111, "jane@example.com": [True, None, 1e21]}).encode()
    assert scrub(body).body == body


@pytest.mark.parametrize(
    "doc",
    [
        {"a": 'quote" ' + CARD},
        {"a": "Name:", "b": CARD},  # a string ending in ':' before ','
        {"a": [",", CARD, "]"]},
        {"a": "\\", "b": "x\\\\" + CARD},
        {"a": "tab\tnew\nline " + CARD},
    ],
)
@pytest.mark.parametrize("indent", [None, 2])
def test_string_state_with_awkward_neighbours(doc: dict[str, object], indent: int | None) -> None:
    body = json.dumps(doc, indent=indent, separators=None if indent else (",", ":")).encode()
    out = scrub(body).body
    assert CARD not in out.decode() and json.loads(out).keys() == doc.keys()


def test_invalid_utf8_inside_a_string() -> None:
    body = b'{"a":"x\xff\xfey ' + CARD.encode() + b'","b":"' + CARD.encode() + b'"}'
    assert strings.string_end(body, 6) == body.index(b'","')
    assert scrub(body).body.count(b"9999999999999999") == 2


def test_long_strings_are_examined_around_every_hit() -> None:
    filler = ".grid>.col{flex:0 0 100%;max-width:100%} " * 300
    text = f"{CARD} {filler} jane@example.com {filler} DE89 3704 0044 0532 0130 00 {filler}"
    result = scrub(json.dumps({"css": text, "after": CARD}).encode())
    out = json.loads(result.body)
    assert CARD not in out["css"] and "jane@" not in out["css"] and "3704" not in out["css"]
    assert out["after"] == "9" * 16
    assert len(out["css"]) == len(text)
    assert sorted(c.detector for c in result.catches) == ["card", "card", "email", "iban"]


def test_values_after_a_base64_payload_in_the_same_string() -> None:
    blob = "data:image/png;base64," + "iVBORw0KGgo" * 400
    body = json.dumps({"src": blob + " jane@example.com"}).encode()
    out = json.loads(scrub(body).body)["src"]
    assert out.startswith(blob) and out.endswith("****@*******.***")


def test_escaped_letters_and_digits_in_raw_json() -> None:
    body = b'{"t":"mail \\u006aane\\u0040example.com card \\u0034111111111111111"}'
    out = scrub(body).body
    decoded = json.loads(out)["t"]
    assert decoded == "mail ****@*******.*** card 9999999999999999"
    assert len(out) == len(body) and b"\\u002a" in out and b"\\u0039" in out


def test_percent_encoded_in_urls() -> None:
    url = "https://x.test/a?e=jane%2Edoe%40example.com&c=4111+1111+1111+1111&n=%34111111111111111"
    out = json.loads(scrub(json.dumps({"url": url}).encode()).body)["url"]
    assert out == (
        "https://x.test/a?e=****%2E***%40*******.***&c=9999+9999+9999+9999&n=%39999999999999999"
    )


@pytest.mark.parametrize(
    "name",
    [
        "csrf_token",
        "_xsrf",
        "nonce",
        "api_key",
        "apiKey",
        "auth_token",
        "client_secret",
        "signature",
        "credential",
        "Authorization",
        "passcode",
        "pwd",
    ],
)
def test_a_value_named_by_a_secret_word_is_masked(name: str) -> None:
    # The name and the value are separate strings, and the value holds no
    # trigger of its own: only the prefilter's keyword hit on the name leads
    # the scan to the value beside it.
    token = "Xk9fQ2mP-z8LrT4vWq1_Zy7B"
    attributes = {"type": "hidden", "name": name, "value": token}
    body = json.dumps({"attributes": attributes}, separators=(",", ":")).encode()
    result = scrub(body)
    assert json.loads(result.body)["attributes"]["value"] == "*" * len(token)
    assert [c.detector for c in result.catches] == ["secret"]
