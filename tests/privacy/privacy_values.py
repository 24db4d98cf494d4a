"""Synthetic values for every detector, with valid check digits.

Nothing here belongs to a person: card numbers are the networks' published
test numbers or random Luhn completions, IBANs and national ids are random
digits with computed check digits, IPs come from the documentation ranges,
crypto addresses are checksummed random bytes, phone numbers are from the
fictional/drama ranges.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import string

from Crypto.Hash import keccak
from stdnum import iban as std_iban
from stdnum import luhn, numdb
from stdnum.at import vnr
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.ie import pps
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.pt import nif
from stdnum.us import rtn

TEST_CARDS = (
    "4111111111111111",
    "4012888888881881",
    "5555555555554444",
    "2223003122003222",
    "378282246310005",
    "6011111111111117",
    "3530111333300000",
    "30569309025904",
)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def until_valid(rng: random.Random, make, valid) -> str:  # type: ignore[no-untyped-def]
    for _ in range(10_000):
        value = make(rng)
        if valid(value):
            return str(value)
    raise AssertionError("no valid value generated")


def card(rng: random.Random) -> str:
    body = rng.choice(["4", "51", "55", "37", "6011"]) + digits(rng, 0)
    body += digits(rng, 15 - len(body) - (1 if body.startswith("37") else 0))
    return body + luhn.calc_check_digit(body)


def iban_for(country: str, rng: random.Random) -> str:
    bban_struct = numdb.get("iban").info(country + "00")[0][1]["bban"]
    bban = ""
    for count, kind in re.findall(r"(\d+)!([nac])", bban_struct):
        pool = {
            "n": string.digits,
            "a": string.ascii_uppercase,
            "c": string.digits + string.ascii_uppercase,
        }[kind]
        bban += "".join(rng.choice(pool) for _ in range(int(count)))
    return country + std_iban.calc_check_digits(country + "00" + bban) + bban


def iban_countries() -> list[str]:
    """Every country in python-stdnum's copy of the SWIFT IBAN registry."""
    return sorted(p[1] for p in numdb.get("iban").prefixes if p[3].get("bban"))


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
        second = "A"
    return (
        f"{first}{second} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)} {rng.choice('ABCD')}"
    )


def aba(rng: random.Random) -> str:
    base = f"{rng.choice([1, 2, 11, 21, 26, 31, 61, 71]):02d}" + digits(rng, 6)
    return base + rtn.calc_check_digit(base)


def be_nn(rng: random.Random) -> str:
    first9 = f"{rng.randrange(50, 99):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    first9 += digits(rng, 3)
    check = 97 - int(first9) % 97
    return f"{first9[:2]}.{first9[2:4]}.{first9[4:6]}-{first9[6:9]}.{check:02d}"


def se_pnr(rng: random.Random) -> str:
    nine = f"{rng.randrange(50, 99):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    nine += digits(rng, 3)
    return f"{nine[:6]}-{nine[6:]}{luhn.calc_check_digit(nine)}"


def fi_hetu(rng: random.Random) -> str:
    date = f"{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{rng.randrange(50, 99):02d}"
    serial = f"{rng.randrange(2, 900):03d}"
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(date + serial) % 31]
    return f"{date}-{serial}{check}"


def dk_cpr(rng: random.Random) -> str:
    date = f"{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{rng.randrange(50, 99):02d}"
    return f"{date}-{digits(rng, 4)}"


def fr_nir(rng: random.Random) -> str:
    body = f"{rng.choice('12')}{rng.randrange(50, 99):02d}{rng.randrange(1, 13):02d}"
    body += f"{rng.randrange(1, 96):02d}{rng.randrange(1, 990):03d}{rng.randrange(1, 999):03d}"
    return body + nir.calc_check_digits(body)


def it_cf(rng: random.Random) -> str:
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(6))
    body = (
        f"{letters}{rng.randrange(50, 99):02d}{rng.choice('ABCDEHLMPRST')}"
        f"{rng.randrange(1, 29):02d}{rng.choice('ABCDEFGHLM')}{rng.randrange(100, 999)}"
    )
    return body + codicefiscale.calc_check_digit(body)


def eth(rng: random.Random) -> str:
    hex40 = bytes(rng.randrange(256) for _ in range(20)).hex()
    h = keccak.new(digest_bits=256)
    h.update(hex40.encode())
    digest = h.hexdigest()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(d, 16) >= 8 else c
        for c, d in zip(hex40, digest[:40], strict=True)
    )


def btc_legacy(rng: random.Random, version: int = 0) -> str:
    payload = bytes([version]) + bytes(rng.randrange(256) for _ in range(20))
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    num = int.from_bytes(raw, "big")
    out = ""
    while num:
        num, rem = divmod(num, 58)
        out = _B58[rem] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def _polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def btc_segwit(rng: random.Random, version: int = 0) -> str:
    program = bytes(rng.randrange(256) for _ in range(20 if version == 0 else 32))
    acc, bits, data = 0, 0, [version]
    for byte in program:
        acc = acc << 8 | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append(acc >> bits & 31)
    if bits:
        data.append(acc << (5 - bits) & 31)
    hrp = "bc"
    const = 1 if version == 0 else 0x2BC830A3
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data
    mod = _polymod([*values, 0, 0, 0, 0, 0, 0]) ^ const
    check = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + check)


def token(rng: random.Random, n: int = 32) -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
            return value


def jwt(rng: random.Random) -> str:
    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    sig = base64.urlsafe_b64encode(bytes(rng.randrange(256) for _ in range(32)))
    return (
        f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64({'sub': digits(rng, 8)})}."
        f"{sig.rstrip(b'=').decode()}"
    )


def pii_values(rng: random.Random) -> list[tuple[str, str]]:
    """(detector, text as it would be rendered) pairs, labels included where
    the detector needs one. The value itself is what must never survive."""
    out: list[tuple[str, str]] = [("card", c) for c in TEST_CARDS]
    card1, card2 = card(rng), card(rng)
    out += [
        ("card", f"{card1[:4]} {card1[4:8]} {card1[8:12]} {card1[12:]}"),
        ("card", f"{card2[:4]}-{card2[4:8]}-{card2[8:12]}-{card2[12:]}"),
        ("card", "4111.1111.1111.1111"),
        ("card", "3782 822463 10005"),
    ]
    de = iban_for("DE", rng)
    out += [
        ("iban", de),
        ("iban", std_iban.format(iban_for("GB", rng))),
        ("iban", std_iban.format(iban_for("FR", rng))),
        ("iban", iban_for("NL", rng)),
        ("iban", std_iban.format(iban_for("MT", rng))),
    ]
    out += [("us_ssn", ssn(rng)), ("uk_nino", nino(rng)), ("uk_nino", nino(rng).replace(" ", ""))]
    out += [
        ("uk_sort_account", f"{digits(rng, 2)}-{digits(rng, 2)}-{digits(rng, 2)} {digits(rng, 8)}")
    ]
    out += [("us_aba_routing", aba(rng))]
    out += [
        ("de_steuer_id", until_valid(rng, lambda r: digits(r, 11), idnr.is_valid)),
        ("fr_nir", fr_nir(rng)),
        ("es_dni", (lambda d: d + dni.calc_check_digit(d))(digits(rng, 8))),
        ("es_nie", (lambda d: "X" + d + nie.calc_check_digit("X" + d))(digits(rng, 7))),
        ("it_codice_fiscale", it_cf(rng)),
        ("nl_bsn", until_valid(rng, lambda r: digits(r, 9), bsn.is_valid)),
        ("be_national_number", be_nn(rng)),
        (
            "pl_pesel",
            until_valid(
                rng,
                lambda r: (
                    f"{r.randrange(50, 99)}"
                    f"{r.randrange(1, 13):02d}{r.randrange(1, 29):02d}" + digits(r, 5)
                ),
                pesel.is_valid,
            ),
        ),
        ("se_personnummer", se_pnr(rng)),
        ("dk_cpr", dk_cpr(rng)),
        ("fi_hetu", fi_hetu(rng)),
        (
            "at_svnr",
            until_valid(
                rng,
                lambda r: (
                    digits(r, 4) + f"{r.randrange(1, 29):02d}"
                    f"{r.randrange(1, 13):02d}{r.randrange(50, 99)}"
                ),
                vnr.is_valid,
            ),
        ),
        ("pt_nif", until_valid(rng, lambda r: "2" + digits(r, 8), nif.is_valid)),
        ("ie_pps", until_valid(rng, lambda r: digits(r, 7) + r.choice("ABCDEFGHW"), pps.is_valid)),
        ("gb_nhs", until_valid(rng, lambda r: digits(r, 10), nhs.is_valid)),
    ]
    out += [("date_of_birth", when) for when in birth_dates(rng)]
    out += [
        ("bank_account", "4" + digits(rng, 7)),
        ("bank_account", "9" + digits(rng, 11)),
        ("passport_number", "5" + digits(rng, 8)),
        (
            "passport_number",
            f"C{digits(rng, 2)}X{digits(rng, 2)}T{digits(rng, 2)}",  # German shape
        ),
    ]
    out += [
        ("email", "jane.doe@example.com"),
        ("email", "m.o'neil+loans@example.org".replace("'", "")),
        ("phone", "+44 20 7946 0958"),
        ("phone", "+1 (415) 555-0132"),
        ("phone", "+4930901820"),
        ("phone", "(212) 555-0100"),
        ("ipv4", "203.0.113.57"),
        ("ipv6", "2001:db8:85a3:8d3:1319:8a2e:370:7348"),
        ("btc_address", btc_legacy(rng)),
        ("btc_address", btc_legacy(rng, 5)),
        ("btc_address", btc_segwit(rng)),
        ("btc_address", btc_segwit(rng, 1)),
        ("eth_address", eth(rng)),
        ("jwt", jwt(rng)),
        ("api_key", "sk_live_" + token(rng, 24)),
        (
            "api_key",
            "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        ),
    ]
    return out


_ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_GERMAN_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
_SPANISH_MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip


def birth_dates(rng: random.Random) -> list[str]:
    """One random date of birth, written as forms and confirmation pages do."""
    year, month, day = rng.randrange(1940, 2005), rng.randrange(1, 13), rng.randrange(1, 29)
    english, german, spanish = (
        names[month - 1] for names in (_ENGLISH_MONTHS, _GERMAN_MONTHS, _SPANISH_MONTHS)
    )
    return [
        f"{year}-{month:02d}-{day:02d}",
        f"{day:02d}/{month:02d}/{year}",
        f"{day} {english} {year}",
        f"{english[:3]} {day}, {year}",
        f"{day}. {german} {year}",
        f"{day} de {spanish} de {year}",
        f"{day}. März {year}",  # month names are matched as UTF-8 text
        f"1er août {year}",
    ]


# Detectors whose values need a label next to them; (label, separator).
LABELS = {
    "date_of_birth": "Date of birth",
    "bank_account": "Account number",
    "passport_number": "Passport number",
    "us_aba_routing": "Routing number",
    "de_steuer_id": "Steuer-ID",
    "nl_bsn": "BSN",
    "pl_pesel": "PESEL",
    "se_personnummer": "Personnummer",
    "dk_cpr": "CPR-nr",
    "at_svnr": "SVNR",
    "pt_nif": "NIF",
    "ie_pps": "PPS No",
    "gb_nhs": "NHS number",
}
