"""The prefilter: one RE2 pattern that finds the places worth a closer look.

It is a necessary condition, not a detector: every value a detector accepts
contains at least one of these triggers, and most bytes of an rrweb batch
(structure, numbers, masked ``***`` text, CSS) contain none. The pattern has
no capturing groups, so RE2 answers with its DFAs alone; what kind of hit it
was is read off the matched bytes afterwards.
"""

from __future__ import annotations

import enum
import re

from clearsight.privacy import months, rx, validators
from clearsight.privacy.detectors import CARD_CODE_LABELS, LETTERS, PASSPORT_LABELS

# A byte before a digit run that cannot belong to a compact JSON number:
# numbers follow ':' '[' ',' right after structure, so those only count
# when the byte before them is not structural either. '#' starts a colour,
# 'U+' a CSS unicode-range.
_NOT_NUMBER = r'(?:[^0-9:,\[\-.#+]|[^"]:|[^"\]}0-9el],|[^:,\[]\[|[^:,\[]-|[^0-9]\.|[^Uu]\+)'
# Six or more digits in groups of at least two: every digit-bearing value
# (cards, phones, IBAN digits, ids, dates) has that; SVG numbers and viewBox
# lists of single digits ("0 0 24 24", "C6.48 2 2 6.48") do not.
# Separators as written raw, in JSON ('\/') and in URLs ('+', %20, %2F...).
_SEP = r"(?:[ .\-/()+\\]|%2[0BbCcFf]){1,2}"
_SIX_DIGITS = (
    rf"(?:[0-9]{{6}}|[0-9]{{2,}}{_SEP}[0-9]{{2,}}{_SEP}[0-9]{{2}}|[0-9]{{3,}}{_SEP}[0-9]{{3}}"
    rf"|[0-9]{{4,}}{_SEP}[0-9]{{2}}|[0-9]{{2}}{_SEP}[0-9]{{4}})"
)
# Skipped whole: base64 payloads and SVG path data (geometry only, digit-dense,
# on every icon). A path always starts with a moveto.
_SKIP = r'data:[\w/+.\-]+;base64,[A-Za-z0-9+/=]{16,}|"d":"[Mm][0-9MmZzLlHhVvCcSsQqTtAaEe .,\-]*"'
# Text nodes and values that may be one piece of a split card number or IBAN.
_FRAGMENT = r'"(?:textContent|value|text)":"[A-Za-z0-9 ]{0,23}[0-9][A-Za-z0-9 ]{0,23}"'
# A card's security code or a passport number can be too short to wake any
# digit pattern: their detectors' labels do (and name the values beside them).
_SHORT_VALUE_LABELS = "|".join(re.escape(label) for label in (*CARD_CODE_LABELS, *PASSPORT_LABELS))
_KEYWORDS = (
    r"(?i:bearer\s|basic\s|api[_\-]?key|apikey|secret|token|passw|pwd|passcode|credential"
    r"|authorization|csrf|xsrf|nonce|signature|sk_live|sk_test|rk_live|rk_test"
    rf"|{_SHORT_VALUE_LABELS})"
    r"|ghp_|github_pat_|xox[abprs]-|AIza|glpat-|AKIA|ASIA"
)
# A day and a month name side by side, either way round: a date of birth in
# words. Separators also as JSON and URLs write them.
_WORD_SEP = r"(?:[ .\-/+]|%20|%2[Ff]|\\u00[2Aa]0|%[Cc]2%[Aa]0|\xc2\xa0){1,3}"
# A name with an accented letter may arrive escaped ("M\u00e4rz", "ao%C3%BBt"):
# after a day, any word with such an escape is worth a look.
_MONTH = rf"(?:{months.alternation()})"
_ESCAPED_WORD = r"[A-Za-z]{0,9}(?:%(?:25)?[Cc][3-5]|\\u0[01][0-9A-Fa-f]{2})"
_DATE_IN_WORDS = (
    rf"(?i:[0-9](?:st|nd|rd|th|er)?{_WORD_SEP}(?:(?:de|of){_WORD_SEP})?(?:{_MONTH}|{_ESCAPED_WORD})"
    rf"|{_MONTH}{_WORD_SEP}[0-9])"
)
# An IBAN whose BBAN mixes letters into its digits (many countries' formats
# have alphanumeric fields) may hold no digit run the patterns above see.
# Typed IBANs come in any case; only registry countries start one, which
# keeps most hex ids quiet.
_IBAN_FEW_DIGITS = (
    rf"(?i:(?:{'|'.join(validators.iban_countries())})[0-9]{{2}}(?:(?:[ \-+]|%20)?[A-Z0-9]){{11}})"
)
PATTERN = "|".join(
    (
        _SKIP,
        _FRAGMENT,
        _KEYWORDS,
        _NOT_NUMBER + _SIX_DIGITS,
        r"[A-Za-z0-9._%+\-](?:@|\\u0040|%40|%2540)[A-Za-z0-9\-]",  # '@', also escaped
        r"\\u00[3-7][0-9A-Fa-f]",  # a JSON-escaped letter or digit
        r"%(?:3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa])",  # a percent-encoded letter or digit
        r"[^Uu]\+[1-9][0-9 .\-()]{5}",  # international phone (not U+2000-206F)
        r"eyJ[A-Za-z0-9_\-]{6,}\.",  # JWT header
        r"\b[13][1-9A-HJ-NP-Za-km-z]{25}",  # base58 bitcoin address
        r"(?i:\b(?:bc|tb)1[02-9ac-hj-np-z]{8})",  # bech32 address
        r"0x[0-9a-fA-F]{40}",  # ethereum address
        r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}",  # IPv4
        r"\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){1,6}:[0-9A-Fa-f]{1,4}\b",  # IPv6
        r"[0-9A-Fa-f]{1,4}%(?:25)?3[Aa][0-9A-Fa-f]{0,4}%(?:25)?3[Aa]",  # IPv6 in a URL
        r"[0-9]{1,4}\.[0-9]{1,2}\.[0-9]{2,4}|[0-9]{1,4}\\?/[0-9]{1,2}\\?/[0-9]{2,4}",  # dates
        r"[0-9]{1,4}-[0-9]{1,2}-[0-9]{2,4}",
        _DATE_IN_WORDS,
        r"[A-Z]{6}[0-9LMNP-V]{2}[A-EHLMPR-T][0-9LMNP-V]{2}[A-Z]",  # codice fiscale
        r"[a-z]{6}[0-9]{2}[a-ehlmpr-t][0-9]{2}[a-z][0-9]{3}[a-z]",  # ... typed in lower case
        _IBAN_FEW_DIGITS,
    )
)


PREFILTER = rx.compile(PATTERN)
# Which alternative a hit was is asked of RE2 too, so the answer follows the
# prefilter's own semantics (and the compiled walk asks the same pattern).
KEYWORD_PATTERN = _KEYWORDS.encode()
_KEYWORD = rx.compile(KEYWORD_PATTERN)


class Hit(enum.Enum):
    SKIP = "skip"
    FRAGMENT = "fragment"
    KEYWORD = "keyword"
    PLAIN = "plain"


_LETTERS = frozenset(LETTERS.encode())


def classify(body: bytes, start: int, end: int) -> Hit:
    """Which alternative matched at ``start`` (leftmost-first order)."""
    first = body[start]
    if first == 0x22:
        if body.startswith((b'"textContent":"', b'"value":"', b'"text":"'), start):
            return Hit.FRAGMENT
        return Hit.SKIP if body.startswith(b'"d":"', start) else Hit.PLAIN
    if first not in _LETTERS:  # every keyword and "data:" starts with a letter
        return Hit.PLAIN
    if body.startswith(b"data:", start):
        return Hit.SKIP
    if _KEYWORD._regexp.Match(rx.ANCHOR_START, body, start, end)[0][0] >= 0:
        return Hit.KEYWORD
    return Hit.PLAIN
