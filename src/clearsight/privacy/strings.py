"""JSON strings in raw bytes: where they are, and masking one of them.

The fast path never parses the batch. Whether a byte is inside a string is
decided from the nearest unescaped quote before it; a string's ends are the
nearest unescaped quotes around it. ``mask_string`` then runs the detectors
on the string's decoded views and writes masks through them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable
from typing import Protocol

from clearsight.privacy import engine, rx, views
from clearsight.privacy.rules import normalise

CONTEXT_AFTER = engine.CONTEXT_AFTER
URL_DEPTH = 2
MAX_ROUNDS = 4
_DATA_URI = re.compile(rb"data:[\w/+.\-]+;base64,[A-Za-z0-9+/=]{16,}")
_WS = b" \t\r\n"
_TO_CLOSE = rx.compile(rb'(?s)(?:[^"\\]|\\.)*')
FIND_TRIES = 8


def escaped(body: bytes, quote: int) -> bool:
    """True when the quote at ``quote`` is preceded by an odd run of backslashes."""
    run = 0
    i = quote - 1
    while i >= 0 and body[i] == 0x5C:
        run += 1
        i -= 1
    return run % 2 == 1


def unescaped_quotes(body: bytes, start: int, end: int) -> int:
    """Quotes in ``body[start:end]`` that are not escaped.

    A quote behind a run of r backslashes is escaped when r is odd. Summing
    (-1)^(k+1) * count(k backslashes + quote) over k >= 1 counts exactly the
    odd runs, with C-speed counts instead of a Python loop per quote.
    ``start`` must not fall inside a backslash run.
    """
    count = body.count(b'"', start, end)
    if not count:
        return 0
    sign, needle = 1, b'\\"'
    while True:
        found = body.count(needle, start, end)
        if not found:
            return count
        count -= sign * found
        sign, needle = -sign, b"\\" + needle


_AFTER_CLOSE = frozenset(b":,]} \t\r\n")
_BEFORE_OPEN = frozenset(b"{[,: \t\r\n")


def string_state(body: bytes, known: int, inside: bool, probe: int) -> tuple[bool, int]:
    """Whether ``probe`` is inside a string, given the state at ``known``.

    Returns (inside, opening quote or -1). The last unescaped quote before
    ``probe`` usually settles it by JSON grammar alone: a quote followed by
    content opens a string, a quote preceded by content closes one. Only
    when both neighbours are structural (a string like "Name:" before ',')
    are the quotes since ``known`` counted.
    """
    q = body.rfind(b'"', known, probe)
    while q != -1 and escaped(body, q):
        q = body.rfind(b'"', known, q)
    if q == -1:
        return inside, -1
    if body[q + 1] not in _AFTER_CLOSE:
        return True, q
    if q == 0 or body[q - 1] not in _BEFORE_OPEN:
        return False, -1
    inside ^= bool(unescaped_quotes(body, known, probe) & 1)
    return inside, q if inside else -1


def string_start(body: bytes, inside: int) -> int:
    """Offset of the opening quote of the string that contains ``inside``."""
    q = body.rfind(b'"', 0, inside)
    while q > 0 and escaped(body, q):
        q = body.rfind(b'"', 0, q)
    return q


def string_end(body: bytes, inside: int) -> int:
    """Offset of the closing quote of the string that contains ``inside``;
    ``inside`` must not be the byte right after a backslash."""
    # Most strings hold no escaped quote: a find settles them without leaving
    # the interpreter lock (RE2 drops and retakes it on every call). Strings
    # with many escaped quotes (inline CSS) go to the RE2 scanner.
    at = inside
    for _ in range(FIND_TRIES):
        q = body.find(b'"', at)
        if q == -1:
            return len(body)
        if not escaped(body, q):
            return q
        at = q + 1
    return int(_TO_CLOSE._regexp.Match(rx.ANCHOR_START, body, at, len(body))[0][1])


def is_key(body: bytes, close: int) -> bool:
    """A string is an object key when the next non-space byte is ':'."""
    i = close + 1
    while i < len(body) and body[i] in _WS:
        i += 1
    return i < len(body) and body[i] == 0x3A


# Interaction events name their target element in "sel" ("#signature",
# "input#phone"). A selector names an element; it does not label the values
# around it (the event's page URL, its page-view id), so it is blanked from
# the label context.
_SELECTOR_VALUE = re.compile(rb'("sel":")((?:[^"\\]|\\.)*)')


def without_selectors(context: bytes) -> bytes:
    """``context`` with selector values blanked, lengths kept."""
    if b'"sel":"' not in context:
        return context
    return _SELECTOR_VALUE.sub(lambda m: m[1] + b" " * len(m[2]), context)


def _blank_data_uris(text: bytes) -> bytes:
    """Base64 images are long random runs; hide them from the detectors."""
    if b";base64," not in text:
        return text
    return _DATA_URI.sub(lambda m: b" " * len(m.group()), text)


class Sink(Protocol):
    """Where masks are written: a lazily made copy of the input."""

    allow: frozenset[str]
    """Normalised values the project declared its own (``PrivacyRules.allow_values``)."""

    def buffer(self) -> bytearray: ...

    def read(self, start: int, end: int) -> bytes: ...


# What detection made of a string, remembered: the same strings come back in
# every batch (a page URL on each event, the user agent, a page's footer with
# its phone number in every snapshot). Detection depends on the string's
# bytes, the label context around it and the project's allow-list, nothing
# else, so the key is all of those; a string with no label in sight and no
# escape that could hide one (see ``_no_hidden_label``) is keyed by its bytes
# alone, so it is recognised wherever it sits. A verdict is the masked bytes
# (None when nothing was masked) and the detector names. Keys that could
# hold a customer's value are keyed hashes, never the value: a string is
# kept as itself only when nothing in it was masked.
MEMO_BYTES = 16 << 20
MEMO_LONGEST = 8192
CLEAN_LONGEST = 512
_MEMO: dict[object, tuple[bytes | None, tuple[str, ...]]] = {}
_memo_size = 0
_MEMO_KEY = os.urandom(32)


def memo() -> dict[object, tuple[bytes | None, tuple[str, ...]]]:
    """The verdict memory itself: the compiled walk looks clean strings up in it."""
    return _MEMO


def mask_string(body: bytes, start: int, end: int, sink: Sink) -> list[str]:
    """Detect and mask within the string content ``body[start:end]``.

    Returns the detector names of what was masked, one per value.
    """
    raw = sink.read(start, end)
    before = body[max(0, start - engine.LABEL_REACH) : start]
    after = body[end : end + CONTEXT_AFTER]
    # Blanking selectors only ever removes labels, so a context with no label
    # as it is needs no blanking.
    simple = _no_hidden_label(raw)
    plain = simple and not engine.has_label(before + raw + after)
    if not plain:
        before, after = without_selectors(before), without_selectors(after)
        plain = simple and not engine.has_label(before + raw + after)
    key: object = None
    known = None
    if len(raw) <= MEMO_LONGEST:
        # A clean string is kept under its bytes; a masked one under a hash.
        known = _MEMO.get((raw, sink.allow)) if plain else None
        if known is None:
            if plain:
                key = (memo_digest(b"", raw, b""), sink.allow)
            else:
                key = (memo_digest(label_context(before), raw, label_context(after)), sink.allow)
            known = _MEMO.get(key)
    if known is not None:
        masked, names = known
        if masked is not None:
            sink.buffer()[start:end] = masked
        return list(names)
    found = detect_and_mask(
        sink,
        start,
        end,
        lambda raw: _blank_data_uris(views.json_text(raw)),
        lambda raw: views.decode_json(raw, start),
        before,
        after,
    )
    if key is not None:
        if plain and not found:  # clean: the bytes themselves are the key
            key = (raw, sink.allow)
        _remember(key, sink.read(start, end) if found else None, tuple(found), len(raw))
    return found


def _remember(key: object, masked: bytes | None, names: tuple[str, ...], size: int) -> None:
    global _memo_size
    if _memo_size > MEMO_BYTES:
        _MEMO.clear()
        _memo_size = 0
    _MEMO[key] = (masked, names)
    _memo_size += size + 100


# Around a string, digits count for detection only as "not a letter": no
# label holds a digit except right after letters ('cvv2'). So a memory key
# writes every other digit of the context as '0', and an event's string is
# recognised again although the timestamps and coordinates beside it change
# in every batch.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_AFTER_LETTER = re.compile(rb"[A-Za-z]([0-9]+)")


def label_context(context: bytes) -> bytes:
    """``context`` as the memory keys it: digits that do not follow a
    letter become '0' (same length, same labels)."""
    canon = context.translate(_DIGITS_TO_ZERO)
    if canon == context:
        return context
    kept: bytearray | None = None
    for m in _AFTER_LETTER.finditer(context):
        if kept is None:
            kept = bytearray(canon)
        kept[m.start(1) : m.end(1)] = m[1]
    return canon if kept is None else bytes(kept)


def memo_digest(before: bytes, raw: bytes, after: bytes) -> tuple[bytes, int, int]:
    """A keyed hash of a string and its context; the process-local key keeps
    a value from being recovered by hashing guesses."""
    h = hashlib.blake2b(before, key=_MEMO_KEY, digest_size=16)
    h.update(raw)
    h.update(after)
    return h.digest(), len(before), len(raw)


def _no_hidden_label(raw: bytes) -> bool:
    """Whether ``raw`` is short and has no escape that decodes to a letter or
    digit (``\\uXXXX``, URL encoding): one could hide a label. If so, and no
    context row's label is in sight, detection in ``raw`` cannot depend on
    its surroundings."""
    return len(raw) <= CLEAN_LONGEST and b"\\u" not in raw and b"%" not in raw and b"+" not in raw


def detect_and_mask(
    sink: Sink,
    start: int,
    end: int,
    view: Callable[[bytes], bytes],
    layer: Callable[[bytes], views.Layer],
    before: bytes,
    after: bytes,
) -> list[str]:
    """Mask ``sink[start:end]`` until nothing more is found.

    Masking can change what the rest of the text means (a masked neighbour
    no longer blocks a boundary, '1.' + masked digits reads as an IP), so
    the text is scanned again after each round that masked something. That
    is what makes scrubbing idempotent. ``view`` decodes cheaply for
    detection; ``layer`` traces escapes for writing, only when needed.
    """
    names: list[str] = []
    for _ in range(MAX_ROUNDS):
        found = _round(sink, sink.read(start, end), view, layer, before, after)
        if not found:
            break
        names += found
    return names


def _round(
    sink: Sink,
    raw: bytes,
    view: Callable[[bytes], bytes],
    layer: Callable[[bytes], views.Layer],
    before: bytes,
    after: bytes,
) -> list[str]:
    text = view(raw)
    found = _not_allowed(engine.find(text, before, after), text, sink.allow)
    # Percent-decoded views: once, and again for double-encoded values
    # (%2540 is '@' inside a URL that was itself put in a URL).
    decoded: list[list[engine.Found]] = []
    while views.is_urlish(text) and len(decoded) < URL_DEPTH:
        text = views.url_text(text)
        decoded.append(_not_allowed(engine.find(text, before, after), text, sink.allow))
    if not found and not any(decoded):
        return []
    base = layer(raw)
    buffer = sink.buffer()
    write_masks(base, found, buffer)
    names = [f.name for f in found]
    for url_found in decoded:
        base = views.decode_url(base)
        write_masks(base, url_found, buffer)
        names = _merge(names, url_found)
    return names


def _not_allowed(
    found: list[engine.Found], text: bytes, allow: frozenset[str]
) -> list[engine.Found]:
    """Drop values the project declared its own; compared as letters and digits only."""
    if not allow or not found:
        return found
    keep = []
    for f in found:
        value = b"".join(text[lo:hi] for lo, hi in f.spans).decode("utf-8", "replace")
        if normalise(value) not in allow:
            keep.append(f)
    return keep


def write_masks(layer: views.Layer, found: list[engine.Found], out: bytearray) -> None:
    data = layer.data
    for f in found:
        table = engine.MASK_TABLES[f.mask]
        for lo, hi in f.spans:
            src = layer.plain_span(lo, hi)
            if src is not None:  # no escapes inside: one slice, translated
                out[src : src + hi - lo] = data[lo:hi].translate(table)
                continue
            for pos in range(lo, hi):
                byte = data[pos]
                if table[byte] != byte:
                    layer.write(pos, table[byte], out)


def _merge(names: list[str], more: list[engine.Found]) -> list[str]:
    """One entry per value when several views saw it (a plain email in a URL
    is found both before and after percent-decoding)."""
    seen = Counter(names)
    merged = list(names)
    for f in more:
        if seen[f.name]:
            seen[f.name] -= 1
        else:
            merged.append(f.name)
    return merged
