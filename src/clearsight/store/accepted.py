"""An accepted batch: what ingest hands to the spool and the spool to the store."""

from __future__ import annotations

import msgspec


class Incident(msgspec.Struct, array_like=True, frozen=True):
    """One kind of PII the server masked in a batch: where, never the value."""

    detector: str
    where: str
    selector: str
    url: str
    count: int


class AcceptedBatch(msgspec.Struct, array_like=True, frozen=True):
    project: str
    bid: str
    sid: str
    received_at: int
    """Server time, ms since epoch."""
    ip: str
    """Client IP after the privacy filters ("" when not stored)."""
    device: str
    browser: str
    os: str
    body: bytes
    """The batch JSON after the privacy filters."""
    catches: list[Incident] = []
    """What the scrubber masked (last, with a default: older spool records still decode)."""


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(AcceptedBatch)


def encode_accepted(batch: AcceptedBatch) -> bytes:
    return _encoder.encode(batch)


def decode_accepted(payload: bytes) -> AcceptedBatch:
    return _decoder.decode(payload)
