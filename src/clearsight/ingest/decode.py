"""Batch decoding with errors that name the offending field."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from clearsight.errors import BadRequest
from clearsight.events import WIRE_VERSION, Batch, ConsentDecision

_batch = msgspec.json.Decoder(Batch)
_consent = msgspec.json.Decoder(ConsentDecision)
T = TypeVar("T")


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, what: str) -> T:
    if not body.strip():
        raise BadRequest("empty-body", f"the request body is empty; send a {what} as JSON")
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise BadRequest("invalid-" + what.replace(" ", "-"), f"invalid {what}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise BadRequest("malformed-json", f"the body is not valid JSON: {exc}") from None


def decode_batch(body: bytes) -> Batch:
    batch = _decode(_batch, body, "batch")
    if batch.v != WIRE_VERSION:
        raise BadRequest(
            "unsupported-version",
            f"wire version {batch.v} is not supported (this server speaks {WIRE_VERSION}); "
            "update capture.js",
        )
    if not bytes(batch.rrweb).lstrip().startswith(b"["):
        raise BadRequest("invalid-batch", "invalid batch: `$.rrweb` must be an array")
    for name in ("sid", "bid", "vid"):
        if not getattr(batch, name):
            raise BadRequest("invalid-batch", f"invalid batch: `$.{name}` must not be empty")
    if batch.seq < 0:
        raise BadRequest("invalid-batch", "invalid batch: `$.seq` must be 0 or more")
    return batch


def decode_consent(body: bytes) -> ConsentDecision:
    decision = _decode(_consent, body, "consent decision")
    if not decision.vid:
        raise BadRequest("invalid-consent-decision", "invalid consent decision: `$.vid` is empty")
    return decision
