"""The server's second line of PII defence: mask a batch, report what was hit.

``scrub`` takes the raw UTF-8 JSON of one batch and returns the same bytes
with every detected value masked in place (same length, still valid JSON)
and a list of catches: which detector, where in the batch, the client-side
selector to add to the mask list, the page, and how many times. A catch
never holds the value.

The fast pass (``scan``) decides on raw bytes; only a batch with a catch
is parsed, to name its locations.
"""

from __future__ import annotations

from collections import Counter

import msgspec

from clearsight.privacy import fragments, locate, strings, views
from clearsight.privacy.scan import Scan, scan


class Catch(msgspec.Struct, frozen=True, order=True):
    """One kind of leak in one place. Never the value."""

    detector: str
    where: str
    """JSON path kind, e.g. ``rrweb.fullsnapshot.text`` or ``events[].url``."""
    selector: str = ""
    """CSS selector hint for the client's mask list (rrweb nodes, click targets)."""
    url: str = ""
    """Page URL (masked, without query or fragment) when known."""
    count: int = 1


class ScrubResult(msgspec.Struct, frozen=True):
    body: bytes
    catches: list[Catch]


def scrub(
    body: bytes, allow: frozenset[str] = frozenset(), compiled: bool | None = None
) -> ScrubResult:
    """Mask PII inside the JSON string values of one raw batch.

    ``allow`` holds normalised values the project declared its own (see
    ``PrivacyRules.allow_values``): they are left as they are. ``compiled``
    picks the walk as ``scan.scan`` does (the compiled one when built).
    """
    result = scan(body, allow, compiled)
    fragments.mask_split_values(result)
    if result.out is None or not result.strings:
        return ScrubResult(body, [])
    masked = bytes(result.out)
    names = _changed_names(result, masked)
    counts = Counter(
        (name, where.where, where.selector, where.url)
        for name, where in locate.locations(body, masked, names)
    )
    catches = sorted(Catch(d, w, s, u, n) for (d, w, s, u), n in counts.items())
    return ScrubResult(masked, catches)


def _changed_names(result: Scan, masked: bytes) -> list[locate.Change]:
    """Detector names per string that actually changed, in byte order (the
    order ``locate`` walks the trees in)."""
    merged: dict[int, tuple[int, list[str]]] = {}
    for start, end, names in result.strings:
        merged.setdefault(start, (end, []))[1].extend(names)
    body = result.body
    return [
        (start, names)
        for start, (end, names) in sorted(merged.items())
        if body[start:end] != masked[start:end]
    ]


def scrub_text(s: str) -> tuple[str, list[str]]:
    """Mask one free-standing string (a survey answer, a prop value).

    Returns the masked string (same length) and one detector name per value.
    """
    text = s.encode("utf-8", "surrogatepass")
    sink = _TextSink(text)
    names = strings.detect_and_mask(
        sink, 0, len(text), lambda raw: raw, lambda raw: views.Layer(raw, [], None, 0), b"", b""
    )
    if not names:
        return s, []
    return bytes(sink.buffer()).decode("utf-8", "surrogatepass"), names


class _TextSink:
    allow: frozenset[str] = frozenset()

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.out: bytearray | None = None

    def buffer(self) -> bytearray:
        if self.out is None:
            self.out = bytearray(self.text)
        return self.out

    def read(self, start: int, end: int) -> bytes:
        return self.text[start:end] if self.out is None else bytes(self.out[start:end])
