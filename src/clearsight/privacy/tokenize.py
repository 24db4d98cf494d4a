"""Keyed tokenization: replace an identifier with a stable pseudonym.

The token is an HMAC-SHA256 of the value under a per-project secret, so the
same customer id always maps to the same token within a project (joins and
counts still work) while nobody without the secret can recompute or reverse
it, and two projects' tokens never link. Deleting the secret crypto-shreds
the mapping.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

PREFIX = "tok_"
# 15 bytes = 120 bits: exactly 24 base32 characters, no padding.
_DIGEST_BYTES = 15
_TOKEN = re.compile(r"tok_[a-z2-7]{24}")


def is_token(value: str) -> bool:
    """True for strings this module produces (and the rare value that
    already looks exactly like one)."""
    return _TOKEN.fullmatch(value) is not None


def tokenize(secret: bytes, value: str) -> str:
    """``tok_`` + 24 lowercase base32 characters; a token is returned as is,
    so tokenizing twice is the same as once."""
    if not secret:
        raise ValueError("tokenize needs the project's secret; got an empty key")
    if is_token(value):
        return value
    digest = hmac.new(secret, value.encode("utf-8"), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest[:_DIGEST_BYTES]).decode("ascii").lower()
