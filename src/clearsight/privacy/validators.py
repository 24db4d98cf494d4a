"""Validators: the Python half of each detector row.

A validator gets the candidate text a detector's RE2 pattern found and
returns how many of its characters are the value (0 rejects the candidate).
Most accept all or nothing; the IBAN validator trims a greedy candidate to
its country's length. No validator reads the clock, the environment or a
file, so the scrubber stays a pure function.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

import phonenumbers
from stdnum import iban as std_iban
from stdnum import numdb
from stdnum.at import vnr as at_vnr
from stdnum.de import idnr as de_idnr
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.fi import hetu as fi_hetu
from stdnum.fr import nir as fr_nir
from stdnum.gb import nhs as gb_nhs
from stdnum.ie import pps as ie_pps
from stdnum.it import codicefiscale as it_cf
from stdnum.nl import bsn as nl_bsn
from stdnum.pl import pesel as pl_pesel
from stdnum.pt import nif as pt_nif
from stdnum.us import rtn as us_rtn
from stdnum.us import ssn as us_ssn

from clearsight.privacy import checksums, months

Validator = Callable[[str], int]

_NON_DIGIT = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_IBAN_FIELD = re.compile(r"(\d+)!([nac])")


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def whole(check: Callable[[str], bool]) -> Validator:
    """Adapt a yes/no check to the validator signature."""

    def run(value: str) -> int:
        return len(value) if check(value) else 0

    run.__name__ = getattr(check, "__name__", "check")
    run.__doc__ = check.__doc__
    return run


def stdnum_digits(module: object) -> Validator:
    """A python-stdnum ``is_valid`` applied to the digits of the candidate."""
    is_valid: Callable[[str], bool] = module.is_valid  # type: ignore[attr-defined]
    return whole(lambda value: bool(is_valid(_digits(value))))


def stdnum_text(module: object) -> Validator:
    """A python-stdnum ``is_valid`` applied to the candidate as written."""
    is_valid: Callable[[str], bool] = module.is_valid  # type: ignore[attr-defined]
    return whole(lambda value: bool(is_valid(value)))


# --- payment -----------------------------------------------------------------


# (first digits low, high, allowed lengths): the major networks' IIN ranges.
# A Luhn-valid run outside them (prefix 1 covers ms timestamps written as
# text; 7-9 are fuel, health and national cards) is not taken for a card.
_CARD_RANGES = (
    (4, 4, (13, 16, 19)),  # Visa
    (51, 55, (16,)),  # Mastercard
    (2221, 2720, (16,)),  # Mastercard 2-series
    (2200, 2204, (16, 17, 18, 19)),  # Mir
    (34, 34, (15,)),  # Amex
    (37, 37, (15,)),
    (3528, 3589, (16, 17, 18, 19)),  # JCB
    (300, 305, (14, 15, 16, 17, 18, 19)),  # Diners
    (36, 36, (14, 15, 16, 17, 18, 19)),
    (38, 39, (16, 17, 18, 19)),
    (6011, 6011, (16, 17, 18, 19)),  # Discover
    (644, 649, (16, 17, 18, 19)),
    (65, 65, (16, 17, 18, 19)),
    (62, 62, (16, 17, 18, 19)),  # UnionPay
    (50, 50, (13, 14, 15, 16, 17, 18, 19)),  # Maestro
    (56, 69, (13, 14, 15, 16, 17, 18, 19)),
)


def card_network(digits: str) -> bool:
    """The number's prefix and length belong to a major card network."""
    for low, high, lengths in _CARD_RANGES:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return True
    return False


def card(value: str) -> int:
    digits = _digits(value)
    ok = (
        13 <= len(digits) <= 19
        and card_network(digits)
        and len(set(digits)) > 1
        and checksums.luhn(digits)
    )
    return len(value) if ok else 0


@lru_cache(maxsize=256)
def iban_length(country: str) -> int:
    """Total IBAN length for a country from python-stdnum's registry copy."""
    info = numdb.get("iban").info(country + "00")
    props = info[0][1] if info else {}
    bban = props.get("bban", "")
    return 4 + sum(int(n) for n, _ in _IBAN_FIELD.findall(bban)) if bban else 0


def iban_countries() -> tuple[str, ...]:
    """Country codes that have IBANs in python-stdnum's registry copy."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return tuple(a + b for a in letters for b in letters if iban_length(a + b))


def iban(value: str) -> int:
    """Trim the greedy candidate to the country's length, then mod-97 and the
    BBAN structure (national check digits are not required: a mod-97-valid
    IBAN-shaped string is masked even if its bank part is mistyped)."""
    want = iban_length(value[:2].upper())
    if not want:
        return 0
    seen = 0
    for i, ch in enumerate(value):
        if ch.isalnum():
            seen += 1
            if seen == want:
                return i + 1 if std_iban.is_valid(value[: i + 1], check_country=False) else 0
    return 0


def aba(value: str) -> int:
    digits = _digits(value)
    prefix = int(digits[:2])
    # Federal Reserve routing symbols: 00-12, 21-32 (thrifts), 61-72, 80.
    ok_prefix = prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80
    return len(value) if ok_prefix and us_rtn.is_valid(digits) else 0


def uk_sort_account(value: str) -> int:
    digits = _digits(value)
    return len(value) if len(digits) == 14 and len(set(digits)) > 2 else 0


# --- people ------------------------------------------------------------------


def us_ssn_check(value: str) -> int:
    digits = _digits(value)
    if len(digits) != 9:
        return 0
    return len(value) if us_ssn.is_valid(digits) else 0


_NINO_BAD_FIRST = set("DFIQUV")
_NINO_BAD_SECOND = set("DFIOQUV")
_NINO_BAD_PREFIX = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def uk_nino(value: str) -> int:
    compact = _NON_ALNUM.sub("", value).upper()
    pre = compact[:2]
    ok = (
        len(compact) == 9
        and pre[0] not in _NINO_BAD_FIRST
        and pre[1] not in _NINO_BAD_SECOND
        and pre not in _NINO_BAD_PREFIX
    )
    return len(value) if ok else 0


def se_pnr(value: str) -> int:
    digits = _digits(value)
    if len(digits) == 12:
        digits = digits[2:]
    return len(value) if checksums.se_personnummer(digits) else 0


dk_cpr = whole(lambda v: checksums.dk_cpr(_digits(v)))
be_nn = whole(lambda v: checksums.be_nn(_digits(v)))
de_steuer_id = stdnum_digits(de_idnr)
fr_nir_check = stdnum_text(fr_nir)
es_dni_check = stdnum_text(es_dni)
es_nie_check = stdnum_text(es_nie)
it_cf_check = stdnum_text(it_cf)
nl_bsn_check = stdnum_digits(nl_bsn)
pl_pesel_check = stdnum_digits(pl_pesel)
fi_hetu_check = stdnum_text(fi_hetu)
at_vnr_check = stdnum_digits(at_vnr)
pt_nif_check = stdnum_digits(pt_nif)
ie_pps_check = stdnum_text(ie_pps)
gb_nhs_check = stdnum_digits(gb_nhs)


def date_of_birth(value: str) -> int:
    parts = [int(p) for p in re.split(r"[./\-]", value)]
    if parts[0] > 31:  # year first
        year, month, day = parts
    else:
        day, month, year = parts
        if month > 12:  # US order
            day, month = month, day
    return len(value) if _plausible_birth(year, month, day) else 0


def _plausible_birth(year: int, month: int, day: int) -> bool:
    if year < 100:
        year += 1900
    return 1900 <= year <= 2100 and checksums.valid_date(year, month, day)


_WORD = re.compile(r"[^\W\d_]+")


def date_of_birth_in_words(value: str) -> int:
    """'14 March 1987', 'March 14th, 1987', '14 de marzo de 1987': the day
    is the first number, the year the last, the month the first word that
    names one (ordinals like 'th' and joiners like 'de' name none)."""
    # Validators get the bytes as Latin-1; month names are matched as text.
    text = value.encode("latin-1").decode("utf-8", "replace")
    numbers = re.findall(r"\d+", text)
    month = next((m for w in _WORD.findall(text) if (m := months.number(w))), 0)
    ok = month and _plausible_birth(int(numbers[-1]), month, int(numbers[0]))
    return len(value) if ok else 0


# --- contact and network -----------------------------------------------------

_FILE_SUFFIXES = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "avif",
        "ico",
        "bmp",
        "css",
        "js",
        "mjs",
        "map",
        "json",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "eot",
    ]
)


def email(value: str) -> int:
    local, _, domain = value.rpartition("@")
    labels = domain.split(".")
    ok = (
        not local.startswith(".")
        and not local.endswith(".")
        and ".." not in value
        and labels[-1].lower() not in _FILE_SUFFIXES  # logo@2x.png
        and labels[-1].isalpha()
        and all(lab and lab[0] != "-" and lab[-1] != "-" for lab in labels)
    )
    return len(value) if ok else 0


@lru_cache(maxsize=4096)
def _phone_valid(value: str, region: str | None) -> bool:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def phone_international(value: str) -> int:
    return len(value) if _phone_valid(value, None) else 0


def phone_us(value: str) -> int:
    return len(value) if _phone_valid(value, "US") else 0


# Regions whose national formats we try for a labelled number without '+'.
PHONE_REGIONS = (
    "GB",
    "US",
    "DE",
    "FR",
    "ES",
    "IT",
    "NL",
    "BE",
    "PL",
    "SE",
    "DK",
    "FI",
    "AT",
    "PT",
    "IE",
    "CH",
)


_DATE_SHAPE = re.compile(r"\d{4}[./\-]\d\d[./\-]\d\d|\d\d[./\-]\d\d[./\-]\d{4}")


def phone_labelled(value: str) -> int:
    """Valid in one of our regions, or, for a national number written with
    its trunk 0 and 10+ digits, merely possible there (new and reserved
    ranges such as the UK's 07700 900xxx are not "valid" to libphonenumber)."""
    digits = _digits(value)
    if len(digits) < 7 or _DATE_SHAPE.fullmatch(value):
        return 0
    if any(_phone_valid(value, r) for r in PHONE_REGIONS):
        return len(value)
    trunk = digits.startswith("0") and len(digits) >= 10
    return len(value) if trunk and any(_phone_possible(value, r) for r in PHONE_REGIONS) else 0


@lru_cache(maxsize=4096)
def _phone_possible(value: str, region: str) -> bool:
    try:
        return bool(phonenumbers.is_possible_number(phonenumbers.parse(value, region)))
    except phonenumbers.NumberParseException:
        return False


def ipv4(value: str) -> int:
    octets = value.split(".")
    if octets[0] in ("0", "127") or octets[3] == "0" or value == "255.255.255.255":
        return 0
    if all(len(o) == 1 for o in octets):
        return 0  # 1.2.3.4-style version strings, 8.8.8.8 and 1.1.1.1 resolvers
    return len(value)


def ipv6(value: str) -> int:
    hexdigits = sum(ch != ":" for ch in value)
    if hexdigits < 6 or not any(ch.isdigit() for ch in value):
        return 0
    try:
        addr = ipaddress.IPv6Address(value)
    except ValueError:
        return 0
    return 0 if addr.is_loopback or addr.is_unspecified else len(value)


# --- crypto-assets -------------------------------------------------------------


def btc_base58(value: str) -> int:
    payload = checksums.base58check_payload(value)
    ok = payload is not None and len(payload) == 21 and payload[0] in (0x00, 0x05, 0x6F, 0xC4)
    return len(value) if ok else 0


btc_bech32 = whole(checksums.segwit_address)


def eth(value: str) -> int:
    hex40 = value[2:]
    if len(set(hex40.lower())) < 4:
        return 0  # the zero address and similar placeholders
    mixed = hex40.lower() != hex40 and hex40.upper() != hex40
    return len(value) if not mixed or checksums.eip55(hex40) else 0


# --- secrets -----------------------------------------------------------------


def jwt(value: str) -> int:
    header = value.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        decoded = json.loads(raw)
    except (binascii.Error, ValueError):
        return 0
    return len(value) if isinstance(decoded, dict) and "alg" in decoded else 0


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def secret_token(value: str) -> int:
    """Random-looking: long, mixed character classes, high entropy."""
    core = value.rstrip("=")
    classes = sum(
        (
            any(c.islower() for c in core),
            any(c.isupper() for c in core),
            any(c.isdigit() for c in core),
        )
    )
    ok = len(core) >= 16 and classes >= 2 and entropy(core) >= 3.2
    return len(value) if ok else 0


def bank_account(value: str) -> int:
    """A labelled account number: 6 to 17 digits (US accounts run to 17),
    not one digit repeated (a placeholder like 00000000)."""
    digits = _digits(value)
    return len(value) if 6 <= len(digits) <= 17 and len(set(digits)) > 1 else 0


def passport(value: str) -> int:
    """A labelled passport number: mostly digits (US and UK 9 digits, French
    12AB34567, German C01X00T47), so words next to the label are refused."""
    digits = sum(c.isdigit() for c in value)
    return len(value) if digits >= 5 and len(set(value)) > 2 else 0


def always(value: str) -> int:
    """For shapes specific enough to need no check (vendor key prefixes)."""
    return len(value)


def basic_auth(value: str) -> int:
    """HTTP Basic credentials: base64 of 'user:password'."""
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return 0
    return len(value) if ":" in text and text.isprintable() else 0
