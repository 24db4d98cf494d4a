"""A project's privacy rules: what the capture script is told, and what the server enforces.

One ``PrivacyRules`` value per project, stored in the project settings under
``privacy``. The capture script receives the client part through
``GET /api/v1/capture-config``; the server applies the same rules again to
every batch (``enforce.py``), plus the parts only it can apply: keyed
tokenization of named fields and erasure on withdrawal of consent.

Sampling is a pure function of the session id (FNV-1a), computed the same
way by the capture script, so the server's check only ever drops sessions
the script should not have sent.
"""

from __future__ import annotations

import functools
from typing import Any

import msgspec

from clearsight.privacy import selectors, urlrules

RULES_KEY = "privacy"
MAX_ENTRIES = 200
MAX_LENGTH = 300
SELECTOR_FIELDS = ("block_selectors", "mask_selectors", "unmask_selectors")
URL_FIELDS = ("unmask_urls", "exclude_urls")
NAME_FIELDS = ("tokenize_props", "tokenize_traits")
LIST_FIELDS = (*SELECTOR_FIELDS, *URL_FIELDS, *NAME_FIELDS, "allow_values")
ALLOW_SHORTEST = 6
"""An allowed value has at least this many letters and digits: no blanket pass for "2024"."""


def normalise(value: str) -> str:
    """How an allowed value is compared: letters and digits only, upper case."""
    return "".join(c for c in value if c.isalnum()).upper()


@functools.lru_cache(maxsize=256)
def _normalised(values: tuple[str, ...]) -> frozenset[str]:
    # Asked for on every batch; the rules change rarely.
    return frozenset(normalise(v) for v in values)


class PrivacyRules(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    block_selectors: list[str] = []
    """Elements never recorded: the client leaves them out, the server empties them."""
    mask_selectors: list[str] = []
    """Elements whose text and values are always masked, even inside an unmasked area."""
    unmask_selectors: list[str] = []
    """Elements that hold no customer data: the client records their text."""
    unmask_urls: list[str] = []
    """Pages (path globs) that hold no customer data: the client records their text."""
    exclude_urls: list[str] = []
    """Pages (path globs) never recorded: the server drops their events and rrweb."""
    sample_rate: float = 1.0
    """Share of sessions recorded, 0..1, decided per session id."""
    tokenize_props: list[str] = []
    """Custom-event properties replaced by their keyed token (``track(name, props)``)."""
    tokenize_traits: list[str] = []
    """``identify()`` traits replaced by their keyed token (the uid always is)."""
    erase_on_withdraw: bool = False
    """A withdrawal of consent also erases what was recorded in that session."""
    allow_values: list[str] = []
    """Your own public values the scrubber must not treat as customer data: the service
    phone number, an example IBAN in a hint. Compared without spaces, dashes or case."""

    def allowed(self) -> frozenset[str]:
        return _normalised(tuple(self.allow_values))


DEFAULT = PrivacyRules()


def check(rules: PrivacyRules) -> PrivacyRules:
    """The rules, tidied, or ``ValueError`` saying which entry is wrong and why."""
    if not 0.0 <= rules.sample_rate <= 1.0:
        raise ValueError(f"sample_rate {rules.sample_rate} must be between 0 and 1")
    tidy: dict[str, list[str]] = {}
    for name in LIST_FIELDS:
        values: list[str] = getattr(rules, name)
        if len(values) > MAX_ENTRIES:
            raise ValueError(f"{name}: at most {MAX_ENTRIES} entries")
        out: list[str] = []
        for value in values:
            value = value.strip()
            if not value or len(value) > MAX_LENGTH:
                raise ValueError(f"{name}: entries must be 1 to {MAX_LENGTH} characters")
            try:
                if name in SELECTOR_FIELDS:
                    selectors.check(value)
                elif name in URL_FIELDS:
                    urlrules.glob_to_regex(value)
                elif name == "allow_values" and len(normalise(value)) < ALLOW_SHORTEST:
                    raise ValueError(
                        f"{value!r} has fewer than {ALLOW_SHORTEST} letters and digits"
                    )
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
            if value not in out:
                out.append(value)
        tidy[name] = out
    return msgspec.structs.replace(rules, **tidy)


def capture_config(rules: PrivacyRules) -> dict[str, Any]:
    """The part the capture script applies, in its own (camelCase) terms."""
    return {
        "blockSelectors": rules.block_selectors,
        "maskSelectors": rules.mask_selectors,
        "unmaskSelectors": rules.unmask_selectors,
        "unmaskUrls": rules.unmask_urls,
        "excludeUrls": rules.exclude_urls,
        "sampleRate": rules.sample_rate,
    }


def fnv1a32(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units, as ``capture/src/session.ts`` computes it."""
    h = 0x811C9DC5
    data = text.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h ^= data[i] | data[i + 1] << 8
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def in_sample(sid: str, rate: float) -> bool:
    """Whether a session is recorded at this sample rate: the same answer for
    every batch of the session, on the client and on the server."""
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    return fnv1a32(sid) / 2**32 < rate
