"""THE detector table: what the server recognises as personal data or secrets.

Each row is one way a value can be written. Its RE2 ``pattern`` proposes
candidates cheaply; its ``validate`` function (``validators.py``) confirms
them with a checksum or a structural rule. Rows that share a ``name`` are one
detector written several ways; only the name is ever reported.

Columns:
    name      what is reported in a catch (never the value).
    pattern   RE2 syntax, run on the decoded bytes of one JSON string. A group
              ``v`` (and ``w``) marks the part to mask when the pattern also
              matches a label, like ``Bearer `` or ``sort code``.
    validate  text -> number of characters that are the value (0 = reject).
    mask      SHAPE keeps separators and writes digits as '9' and letters as
              '*'; OPAQUE writes every character of a secret as '*'.
    bound     characters that may not touch the value on either side (a card
              number glued to more digits is not a card number).
    context   labels one of which must appear close before (or just after)
              the value: in the same text, in the JSON key, or in a sibling
              attribute such as ``"name":"bsn"``. None means the checksum or
              shape is strong enough alone.
    fp        the false positives that remain and why they are acceptable.
    label_pattern  a label given as a pattern instead of words, and label_gap
              how close it must be (rare: password fields).

The context column is what keeps short all-digit identifiers (a 9-digit BSN,
an 11-digit PESEL) from matching every order number: they are only looked
for when a label says what they are.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from clearsight.privacy import months
from clearsight.privacy import validators as v


class Mask(enum.Enum):
    SHAPE = "shape"
    OPAQUE = "opaque"


DIGITS = "0123456789"
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = DIGITS + LETTERS


@dataclass(frozen=True, slots=True)
class Detector:
    name: str
    pattern: str
    validate: v.Validator
    mask: Mask = Mask.SHAPE
    bound: str = DIGITS
    context: tuple[str, ...] = ()
    fp: str = ""
    label_pattern: str = ""
    """An RE2 label instead of ``context`` words, for labels that must sit
    in a particular place (a JSON key, an input's type)."""
    label_gap: int | None = None
    """Most bytes allowed between label and value (None: the context window)."""

    @property
    def needs_label(self) -> bool:
        return bool(self.context or self.label_pattern)


def _seps(body: str) -> str:
    """One alternative per separator, so a value never mixes separators."""
    return "|".join(body.replace("S", sep) for sep in (" ", "-", r"\."))


_CARD = (
    r"\d{13,19}|"
    + _seps(r"\d{4}S\d{4}S\d{4}S\d{1,4}(?:S\d{1,3})?")
    + "|"
    + _seps(r"\d{4}S\d{6}S\d{4,5}")
)
_IBAN = r"(?i)[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,30}"
_SORT = r"\d{2}[ \-]\d{2}[ \-]\d{2}"
_SORT_GLUE = r"[ ,;:/|]{1,3}(?:(?i:account|acct|acc|a/c)(?: (?i:number|no\.?))?[ :#.]{0,3})?"
_TOKEN = r"[A-Za-z0-9_\-+/]{16,}={0,2}"
_SECRET_LABEL = (
    r"(?i:api[_\-]?key|apikey|access[_\-]?(?:token|key)|auth[_\-]?token|refresh[_\-]?token"
    r"|id[_\-]?token|client[_\-]?secret|secret(?:[_\-]?key)?|x-api-key|private[_\-]?key"
    r"|session[_\-]?(?:id|token)|csrf[_\-]?token|xsrf[_\-]?token|token)"
)

# A date of birth in words. Separators as pages write them, the no-break
# space of French typography included; the year has four digits so a day and
# a month alone ("14 March") are never taken.
_DATE_SEP = r"(?:[ \-/]|\xc2\xa0)"  # \xc2\xa0: U+00A0 in UTF-8
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|\.)?"
_MONTH = rf"(?:{months.alternation()})\.?,?"
_YEAR = r"(?:19|20)\d{2}"
_DATE_IN_WORDS = (
    rf"(?i){_DAY}{_DATE_SEP}{{1,2}}(?:(?:de|of){_DATE_SEP})?{_MONTH}{_DATE_SEP}{{1,2}}"
    rf"(?:de{_DATE_SEP})?{_YEAR}|{_MONTH}{_DATE_SEP}{{1,2}}{_DAY},?{_DATE_SEP}{{1,2}}{_YEAR}"
)
_BIRTH_LABELS = (
    "dob", "d.o.b", "birth", "bday", "geburt", "naissance", "nacimiento", "nascita",
    "geboorte", "urodzenia", "fodelse", "födelse", "fødsel", "syntymä",
)  # fmt: skip

# Labels of a card's security code (CVV2/CVC2/CID): PCI DSS forbids storing it
# at all after authorisation, so it is masked wherever a label names it.
CARD_CODE_LABELS = (
    "cvv", "cvv2", "cvc", "cvc2", "csc", "cc-csc", "card verification", "card_verification",
    "cardverification", "security code", "security_code", "securitycode", "card code",
    "kartenprüfnummer", "prüfnummer", "cryptogramme", "código de seguridad",
    "codice di sicurezza", "beveiligingscode",
)  # fmt: skip
ACCOUNT_LABELS = (
    "account number", "account no", "account_number", "accountnumber", "acct", "a/c",
    "kontonummer", "konto-nr", "kontonr", "numéro de compte", "numero de compte",
    "número de cuenta", "numero de cuenta", "numero di conto", "rekeningnummer", "numer konta",
)  # fmt: skip
PASSPORT_LABELS = (
    "passport", "reisepass", "passnummer", "passeport", "pasaporte", "passaporto",
    "paspoort", "paszport",
)  # fmt: skip

# A password field's value: the string right after a password-named key, or
# the value attribute of an input of type password. Never visible text, so
# "Forgot your password?" does not make its neighbours secret.
_PASSWORD_FIELD = (
    r'(?i)"[a-z_\-]*(?:pass(?:word|wd|code)|pwd)"\s*:\s*"'
    r'|"type"\s*:\s*"password"[^{}\[\]]{0,200}"value"\s*:\s*"'
)

# Labels for the context column. Short ones are matched as whole words
# (camelCase humps count as a word start: "userDob").
SECRET_WORDS = (
    "token",
    "secret",
    "api_key",
    "apikey",
    "api-key",
    "password",
    "passwd",
    "passcode",
    "pwd",
    "credential",
    "authorization",
    "private_key",
    "session_id",
    "sessionid",
    "csrf",
    "xsrf",
    "nonce",
    "signature",
    "access_key",
)

# fmt: off
DETECTORS: tuple[Detector, ...] = (
    # --- payment ---------------------------------------------------------------
    Detector("card", _CARD, v.card, bound=ALNUM,
        fp="A digit run with a major network's prefix and length that passes Luhn: "
        "1 in 10 of such ids. Timestamps start with 1, no network. Digits glued to "
        "letters (hex hashes, 'ID4111...') are not taken.",
    ),
    Detector("iban", _IBAN, v.iban, bound=ALNUM,
        fp="Needs the exact length for its country, its BBAN structure and mod-97: "
        "about 1 in 97 of IBAN-shaped codes. Any case: customers type them lower-case.",
    ),
    Detector("card_security_code", r"\d{3,4}", v.always, bound=DIGITS + ".,",
        context=CARD_CODE_LABELS, label_gap=48,
        fp="Any 3 or 4 digits within 48 bytes of a card-code label (the label text, "
        "an input's name or autocomplete=cc-csc): an expiry year next to 'CVV' can "
        "be masked too.",
    ),
    Detector("uk_sort_account", rf"(?P<v>{_SORT}){_SORT_GLUE}(?P<w>\d{{8}})", v.uk_sort_account,
        fp="Only as a pair (sort code then 8-digit account): a lone sort code looks "
        "like a dd-mm-yy date. No public checksum exists, so a date followed by an "
        "8-digit number is masked too.",
    ),
    Detector("uk_sort_account", rf"(?P<w>\d{{8}})[ ,;/|]{{1,3}}(?P<v>{_SORT})", v.uk_sort_account,
        fp="The same pair written account first.",
    ),
    Detector("bank_account", r"\d{6,17}|\d{2,6}(?:[ \-]\d{2,8}){1,3}", v.bank_account,
        context=ACCOUNT_LABELS, label_gap=48,
        fp="6 to 17 digits within 48 bytes of an account-number label. No checksum is "
        "common to all banks, so a reference number next to such a label is masked too.",
    ),
    Detector("us_aba_routing", r"\d{9}", v.aba, context=("routing", "aba", "rtn"),
        fp="3-7-1 checksum passes 1 in 10 nine-digit numbers, hence the label.",
    ),
    # --- government identifiers -------------------------------------------------
    Detector("us_ssn", r"\d{3}-\d{2}-\d{4}", v.us_ssn_check,
        fp="The dashed 3-2-4 shape with the SSA's never-issued areas (000, 666, 9xx), "
        "groups (00) and serials (0000) rejected; part numbers in that shape match.",
    ),
    Detector("us_ssn", r"\d{3} \d{2} \d{4}|\d{9}", v.us_ssn_check,
        context=("ssn", "social security", "social_security", "socialsecurity"),
        fp="Undashed nine digits are anything, so a label is required.",
    ),
    Detector("uk_nino",
        r"(?i)[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]", v.uk_nino, bound=ALNUM,
        fp="Shape plus HMRC's excluded prefixes; no check digit exists.",
    ),
    Detector("passport_number", r"(?i)[A-Z0-9]{6,9}", v.passport, bound=ALNUM,
        context=PASSPORT_LABELS, label_gap=48,
        fp="6 to 9 letters and digits, at least 5 of them digits, within 48 bytes of "
        "a passport label: any such code next to the word is masked.",
    ),
    Detector("gb_nhs", r"\d{3}[ \-]?\d{3}[ \-]?\d{4}", v.gb_nhs_check, context=("nhs",),
        fp="Mod-11 passes about 1 in 11 ten-digit numbers: label required.",
    ),
    Detector("de_steuer_id", r"\d{2} ?\d{3} ?\d{3} ?\d{3}", v.de_steuer_id,
        context=("steuer", "idnr", "tax id", "tax_id", "taxid", "tin", "identifikationsnummer"),
        fp="ISO 7064 check plus the digit-repetition rule still pass ~1 in 10: label required.",
    ),
    Detector("fr_nir",
        r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}", v.fr_nir_check,
        fp="15 characters with a mod-97 key: 1 in 97 of 15-digit numbers starting 1-4/7/8.",
    ),
    Detector("es_dni", r"(?i)\d{8}[ \-]?[A-HJ-NP-TV-Z]", v.es_dni_check, bound=ALNUM,
        fp="Mod-23 check letter: 1 in 23 of '8 digits + letter' codes.",
    ),
    Detector("es_nie", r"(?i)[XYZ][ \-]?\d{7}[ \-]?[A-HJ-NP-TV-Z]", v.es_nie_check, bound=ALNUM,
        fp="As DNI, with a leading X/Y/Z.",
    ),
    Detector("it_codice_fiscale",
        r"(?i)[A-Z]{6}[0-9LMNP-V]{2}[A-EHLMPR-T][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]",
        v.it_cf_check, bound=ALNUM,
        fp="16-character shape with a check letter: practically unique to the CF.",
    ),
    Detector("nl_bsn", r"\d{9}|\d{4}\.\d{2}\.\d{3}", v.nl_bsn_check,
        context=("bsn", "burgerservicenummer", "sofi"),
        fp="The 11-proof passes 1 in 11 nine-digit numbers: label required.",
    ),
    Detector("be_national_number", r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}", v.be_nn,
        fp="The dotted YY.MM.DD-NNN.CC shape with its mod-97 check.",
    ),
    Detector("be_national_number",
        r"\d{6}[ \-]?\d{3}[ \-]?\d{2}", v.be_nn, context=( "rijksregister", "registre national",
        "national number", "insz", "niss", "rrn", "nn",
    ),
        fp="Undotted it is 11 digits with a 1-in-97 check: label required.",
    ),
    Detector("pl_pesel", r"\d{11}", v.pl_pesel_check, context=("pesel",),
        fp="Date plus a mod-10 check digit: 1 in 10 of plausible 11-digit numbers.",
    ),
    Detector("se_personnummer", r"(?:\d{2})?\d{6}[\-+]\d{4}|\d{12}|\d{10}", v.se_pnr,
        context=("personnummer", "personnr", "pnr", "samordningsnummer"),
        fp="Luhn plus a date: 1 in 10 of date-like numbers, and the same shape as a "
        "Danish CPR. Label required.",
    ),
    Detector("dk_cpr", r"\d{6}-?\d{4}", v.dk_cpr, context=("cpr",),
        fp="No checksum since 2007, only a date: label required.",
    ),
    Detector("fi_hetu", r"(?i)\d{6}[\-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]", v.fi_hetu_check, bound=ALNUM,
        fp="Date, century sign and a mod-31 check character.",
    ),
    Detector("at_svnr", r"\d{4} ?\d{6}", v.at_vnr_check,
        context=("svnr", "sozialversicherung", "versicherungsnummer", "vsnr"),
        fp="One check digit over ten: label required.",
    ),
    Detector("pt_nif", r"\d{9}|\d{3} \d{3} \d{3}", v.pt_nif_check, context=("nif", "contribuinte"),
        fp="Mod-11 check digit: 1 in 11 nine-digit numbers, label required.",
    ),
    Detector("ie_pps", r"(?i)\d{7}[A-W][A-IW]?", v.ie_pps_check, bound=ALNUM,
        context=("pps", "ppsn", "personal public service"),
        fp="Mod-23 check letter; product codes share the shape, so a label is required.",
    ),
    Detector("date_of_birth",
        r"\d{4}[./\-]\d{1,2}[./\-]\d{1,2}|\d{1,2}[./\-]\d{1,2}[./\-](?:\d{4}|\d{2})",
        v.date_of_birth, context=_BIRTH_LABELS,
        fp="Any valid date once a birth label is near, e.g. 'born' text next to a policy date.",
    ),
    Detector("date_of_birth", _DATE_IN_WORDS, v.date_of_birth_in_words, bound=ALNUM,
        context=_BIRTH_LABELS,
        fp="As above, written in words ('14 March 1987', 'March 14, 1987', '14 de marzo "
        "de 1987') in the languages of the labels. Capitalised non-ASCII names ('MÄRZ') "
        "are missed.",
    ),
    # --- contact and network ------------------------------------------------------
    Detector("email", r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}"
        r"\.[A-Za-z]{2,24}", v.email, bound=ALNUM,
        fp="Retina asset names (logo@2x.png) are rejected by their file suffix; "
        "package specs like pkg@1.2.3 have no alphabetic TLD.",
    ),
    Detector("phone", r"\+[1-9][0-9 .\-()]{5,22}[0-9]", v.phone_international, bound=DIGITS + "Uu",
        fp="Must start with '+' and be a valid number for its country code; CSS "
        "unicode-range values (U+2000-206F) are excluded by the U before '+'.",
    ),
    Detector("phone", r"(?:1[ .\-])?(?:\(\d{3}\) ?|\d{3}[.\-])\d{3}[.\-]\d{4}", v.phone_us,
        fp="The North American (415) 555-0132 / 415-555-0132 shapes, valid per "
        "libphonenumber; a 3-3-4 part number can match.",
    ),
    Detector("phone",
        r"\(?\d{2,5}\)?(?:[ .\-]?\d{2,8}){1,4}", v.phone_labelled, context=( "phone", "tel",
        "telephone", "mobile", "mob", "cell", "handy", "telefon", "telefoon", "telefono",
        "telefone", "téléphone", "gsm", "whatsapp", "sms", "fax", "call",
    ),
        fp="National formats without '+' are any digit group, so a label is required; "
        "then it must be valid in one of the regions we serve.",
    ),
    Detector("ipv4",
        r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}", v.ipv4,
        bound=ALNUM + ".",
        fp="Four-part versions match unless all parts are one digit (1.2.3.4) or the "
        "last is 0; loopback and 0.x are skipped.",
    ),
    Detector("ipv6", r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}", v.ipv6, bound=ALNUM + ":.",
        fp="Needs 6+ hex digits including a digit and must parse; 'bad::bed' words "
        "and clock times are rejected.",
    ),
    # --- crypto-assets --------------------------------------------------------------
    Detector("btc_address", r"[13][1-9A-HJ-NP-Za-km-z]{25,34}", v.btc_base58, bound=ALNUM,
        fp="Base58check has a 32-bit checksum: effectively none.",
    ),
    Detector("btc_address", r"(?i)(?:bc|tb)1[02-9ac-hj-np-z]{8,87}", v.btc_bech32, bound=ALNUM,
        fp="Bech32/bech32m checksum and segwit program rules: effectively none.",
    ),
    Detector("eth_address", r"0x[0-9a-fA-F]{40}", v.eth, bound=ALNUM,
        fp="Mixed case must pass EIP-55; single-case 40-hex values with 0x are taken "
        "as addresses (contract ids and other 160-bit hashes included).",
    ),
    # --- secrets ----------------------------------------------------------------------
    Detector("jwt",
        r"eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*", v.jwt, mask=Mask.OPAQUE,
        bound=ALNUM + "_-",
        fp="The header must decode to a JSON object with 'alg'.",
    ),
    Detector("bearer_token",
        r"(?i)bearer\s+(?P<v>[A-Za-z0-9\-._~+/]{12,}=*)", v.always, mask=Mask.OPAQUE, bound="",
        fp="Prose like 'bearer of this card...' lacks a 12+ character token.",
    ),
    Detector("basic_auth",
        r"(?i)basic\s+(?P<v>[A-Za-z0-9+/]{8,}={0,2})", v.basic_auth, mask=Mask.OPAQUE, bound="",
        fp="Must decode to user:password.",
    ),
    Detector("url_credentials",
        r"[A-Za-z][A-Za-z0-9+.\-]*://(?P<v>[^/\s:@\"]{1,64}:[^/\s@\"]{1,128})@", v.always,
        mask=Mask.OPAQUE, bound="",
        fp="None: user:password@ in a URL.",
    ),
    Detector("api_key",
        r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|ghp_[0-9A-Za-z]{36}|github_pat_[0-9A-Za-z_]{40,}"
        r"|xox[abprs]-[0-9A-Za-z\-]{10,}|AIza[0-9A-Za-z\-_]{35}|glpat-[0-9A-Za-z\-_]{20}"
        r"|(?:AKIA|ASIA)[0-9A-Z]{16}", v.always, mask=Mask.OPAQUE, bound=ALNUM,
        fp="Vendor prefixes (Stripe secret/restricted, GitHub, Slack, Google, GitLab, "
        "AWS key ids). Stripe publishable pk_ keys are public and left alone.",
    ),
    Detector("secret",
        rf"{_SECRET_LABEL}[A-Za-z0-9_\-]{{0,20}}[\"']?\s*[:=]\s*[\"']?(?P<v>{_TOKEN})",
        v.secret_token, mask=Mask.OPAQUE, bound="",
        fp="'token=...' written inside one text (query strings, logs, headers); "
        "the value must look random (entropy >= 3.2 bits/char, mixed classes).",
    ),
    Detector("password",
        r"(?i)(?:password|passwd|pwd|passcode)[\"']?\s*[:=]\s*[\"']?(?P<v>[^\s&\"',;]{4,64})",
        v.always, mask=Mask.OPAQUE, bound="",
        fp="Any value after a password label, random-looking or not.",
    ),
    Detector("password", r"^[^\s]{4,128}$", v.always, mask=Mask.OPAQUE, bound="",
        label_pattern=_PASSWORD_FIELD, label_gap=0,
        fp="A whole string value whose JSON key is a password name, or an input of "
        "type password that the client did not mask.",
    ),
    Detector("secret",
        _TOKEN, v.secret_token, mask=Mask.OPAQUE, bound=ALNUM + "_-+/", context=SECRET_WORDS,
        fp="A random-looking token whose JSON key or sibling attribute names a "
        "secret (hidden csrf/token inputs, props.token). Random asset hashes "
        "next to such a name are masked too.",
    ),
)
# fmt: on

# Detectors whose values are worth looking for when a page renders them in
# pieces (one <span> per group of digits).
CHAINABLE = ("card", "iban")
