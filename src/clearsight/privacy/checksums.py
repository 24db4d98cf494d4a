"""Check-digit algorithms the detectors need that no installed library offers.

Each function takes ASCII text and answers a yes/no question; none raises on
malformed input. Bitcoin's base58check and bech32 are a few lines each, so
they are written here rather than pulled in; EIP-55 needs Keccak-256 (not
SHA3-256, whose padding differs), which comes from pycryptodome.
"""

from __future__ import annotations

import datetime
import hashlib

from Crypto.Hash import keccak

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32)}
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3


def luhn(digits: str) -> bool:
    """The Luhn mod-10 check used by card numbers and Swedish personnummer."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def base58check_payload(text: str) -> bytes | None:
    """Decode base58check text; None unless the 4-byte checksum holds."""
    num = 0
    for ch in text:
        idx = _B58_INDEX.get(ch)
        if idx is None:
            return None
        num = num * 58 + idx
    raw = num.to_bytes((num.bit_length() + 7) // 8, "big")
    # Leading '1's stand for leading zero bytes, which the integer loses.
    raw = b"\x00" * (len(text) - len(text.lstrip("1"))) + raw
    if len(raw) < 5:
        return None
    payload, check = raw[:-4], raw[-4:]
    digest = hashlib.sha256(hashlib.sha256(payload).digest()).digest()
    return payload if digest[:4] == check else None


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def segwit_address(text: str) -> bool:
    """BIP-173/BIP-350: a bech32 (v0) or bech32m (v1+) segwit address."""
    if text.lower() != text and text.upper() != text:
        return False  # mixed case is invalid by the spec
    text = text.lower()
    hrp, sep, data_part = text.rpartition("1")
    if not sep or hrp not in ("bc", "tb", "bcrt") or len(data_part) < 7:
        return False
    data = [_BECH32_INDEX.get(c, -1) for c in data_part]
    if -1 in data:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    const = _bech32_polymod(expanded + data)
    version = data[0]
    if version > 16 or const != (_BECH32_CONST if version == 0 else _BECH32M_CONST):
        return False
    program_bits = (len(data) - 7) * 5
    program_len = program_bits // 8
    if version == 0:
        return program_len in (20, 32)
    return 2 <= program_len <= 40


def eip55(hex40: str) -> bool:
    """EIP-55 mixed-case checksum over the 40 hex digits of an address."""
    h = keccak.new(digest_bits=256)
    h.update(hex40.lower().encode("ascii"))
    digest = h.hexdigest()
    for ch, nibble in zip(hex40, digest[:40], strict=True):
        if ch.isalpha() and (ch.isupper() != (int(nibble, 16) >= 8)):
            return False
    return True


def valid_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def dk_cpr(digits: str) -> bool:
    """Danish CPR: DDMMYY plus four digits. The mod-11 check was dropped in
    2007, so only the embedded date can be checked."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    return valid_date(2000 + year, month, day) or valid_date(1900 + year, month, day)


def se_personnummer(digits: str) -> bool:
    """Swedish personnummer, 10 digits YYMMDDNNNC: Luhn over all ten plus a
    date (day + 60 marks a samordningsnummer). The century is left open so
    the answer never depends on today's date."""
    if len(digits) != 10 or not luhn(digits):
        return False
    month, day = int(digits[2:4]), int(digits[4:6])
    if day > 60:
        day -= 60
    return valid_date(2000, month, day)  # a leap year: 29 Feb always allowed


def be_nn(digits: str) -> bool:
    """Belgian national number: 97 - (first nine mod 97) equals the last two,
    with a '2' prefixed for people born from 2000. Both centuries are tried,
    instead of asking the clock which one is possible."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    check = int(digits[9:])
    if any(97 - int(p + digits[:9]) % 97 == check for p in ("", "2")):
        month = int(digits[2:4]) % 20
        return month <= 12 and int(digits[4:6]) <= 31
    return False
