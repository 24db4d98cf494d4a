"""Run the detector table over one decoded text.

One RE2 set pass tells which rows can match anywhere in the text; only those
rows are then run for positions, and each candidate is checked for its
boundaries, its label (context rows) and its validator. Rows are independent,
so a candidate rejected by one row never hides a value another row would
accept at the same place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import re2

from clearsight.privacy import rx
from clearsight.privacy.detectors import DETECTORS, LETTERS, Detector, Mask

# Bytes of surrounding text searched for a context row's label.
CONTEXT_BEFORE = 96
CONTEXT_AFTER = 32
# Bytes before a text kept for labels that are patterns (a password input's
# type can be several attributes before its value).
LABEL_REACH = 256

DIGIT_MASK = ord("9")
LETTER_MASK = ord("*")

# A candidate with no letter and no digit other than 9 is already masked:
# skipping it is what makes masking idempotent.
_UNMASKED = re.compile(rb"[A-Za-z0-8]")
_LETTERS = frozenset(LETTERS.encode())


def _label_pattern(labels: tuple[str, ...]) -> str:
    """Labels of four letters or fewer are whole words, with a camelCase hump
    counting as a word start ("userDob"); longer ones may sit inside a word."""
    parts = []
    for label in labels:
        esc = re.escape(label)
        if len(label) > 4:
            parts.append(f"(?i:{esc})")
            continue
        cap = re.escape(label[:1].upper() + label[1:])
        parts.append(f"(?:^|[^A-Za-z])(?i:{esc})(?:[^a-z]|$)")
        parts.append(f"[a-z](?:{cap}|{esc.upper()})(?:[^a-z]|$)")
    return "|".join(parts)


def label_regex(det: Detector) -> str:
    return det.label_pattern or _label_pattern(det.context)


@dataclass(frozen=True, slots=True)
class _Row:
    detector: Detector
    regex: re2._Regexp
    value_groups: tuple[int, ...]
    bound: frozenset[int]
    label: re2._Regexp | None
    validate: Callable[[str], int]


def _compile_row(det: Detector) -> _Row:
    regex = rx.compile(det.pattern)
    groups = rx.group_numbers(regex, ("v", "w"))
    label = rx.compile(label_regex(det)) if det.needs_label else None
    bound = frozenset(det.bound.encode())
    if bound & _LETTERS:
        # A letter next to a value becomes '*' when another value is masked;
        # treating '*' as a letter keeps the decision the same on a re-scan.
        bound |= {LETTER_MASK}
    # Validators are pure: a value repeated across batches (one leaky page
    # sends the same IBAN in every snapshot) is checked once.
    validate = lru_cache(maxsize=4096)(det.validate)
    return _Row(det, regex, groups, bound, label, validate)


ROWS: tuple[_Row, ...] = tuple(_compile_row(d) for d in DETECTORS)
_ANY_ROW = rx.compile_set([d.pattern for d in DETECTORS])
_LABEL_ROWS = [i for i, d in enumerate(DETECTORS) if d.needs_label]
_ANY_LABEL = rx.compile_set([label_regex(DETECTORS[i]) for i in _LABEL_ROWS])


def label_patterns() -> list[bytes]:
    """The patterns ``has_label`` looks for, as bytes (for the compiled walk)."""
    return [label_regex(DETECTORS[i]).encode("utf-8") for i in _LABEL_ROWS]


@dataclass(frozen=True, slots=True)
class Found:
    """A validated value in a view: its detector and the byte spans to mask."""

    name: str
    start: int
    end: int
    spans: tuple[tuple[int, int], ...]
    mask: Mask
    distance: int = 0
    """Bytes between the value and its label; breaks ties between context
    rows that accept the same digits (a 9-digit BSN or SSN)."""


def find(view: bytes, before: bytes = b"", after: bytes = b"") -> list[Found]:
    """Every validated value in ``view``.

    ``before``/``after`` are the raw bytes around the text (the JSON key, the
    sibling attributes): they count for labels but are never masked.
    """
    rows = _ANY_ROW.Match(view)
    if not rows:
        return []
    full = before + view + after
    rows = _gate_on_labels(rows, full)
    found: list[Found] = []
    for idx in sorted(rows):
        found.extend(_run_row(ROWS[idx], view, full, len(before)))
    return _drop_contained(found)


def has_label(full: bytes) -> bool:
    """Whether any context row's label appears in ``full``: without one, what
    ``find`` accepts depends on the text alone, not on what surrounds it."""
    return bool(_ANY_LABEL.Match(full))


def _gate_on_labels(rows: list[int], full: bytes) -> list[int]:
    """Drop context rows whose labels appear nowhere near this text."""
    if not any(DETECTORS[i].needs_label for i in rows):
        return rows
    present = {_LABEL_ROWS[j] for j in _ANY_LABEL.Match(full) or ()}
    return [i for i in rows if not DETECTORS[i].needs_label or i in present]


def _run_row(row: _Row, view: bytes, full: bytes, shift: int) -> list[Found]:
    """All accepted values of one row. After a rejected candidate the search
    resumes one byte later, not after it: a greedy candidate that fails its
    check (a 'GV57...' run) must not swallow a real value inside it."""
    out: list[Found] = []
    match = row.regex._regexp.Match
    n = len(view)
    pos = 0
    while pos <= n:
        spans = match(rx.UNANCHORED, view, pos, n)
        begin = spans[0][0]
        if begin < 0:
            break
        if row.value_groups:
            values = tuple(spans[g] for g in row.value_groups)
            start, end = values[0][0], values[-1][1]
        else:
            start, end = spans[0]
            values = ((start, end),)
        hit = _accept(row, view, full, shift, start, end, values)
        if hit is None:
            pos = begin + 1
        else:
            out.append(hit)
            pos = max(hit.end, begin + 1)
    return out


def _accept(
    row: _Row,
    view: bytes,
    full: bytes,
    shift: int,
    start: int,
    end: int,
    spans: tuple[tuple[int, int], ...],
) -> Found | None:
    det = row.detector
    value = view[start:end]
    bound = row.bound
    if not _UNMASKED.search(value) or (start > 0 and view[start - 1] in bound):
        return None
    distance = 0
    if row.label is not None:
        reach = CONTEXT_BEFORE if det.label_gap is None else LABEL_REACH
        distance = _label_distance(row.label, full, shift + start, shift + end, reach)
        gap = det.label_gap
        if distance < 0 or (gap is not None and distance > gap):
            return None
    keep = row.validate(value.decode("latin-1"))
    if not keep:
        return None
    if keep < end - start:  # the validator trimmed a greedy candidate
        end = start + keep
        spans = ((start, end),)
    if end < len(view) and view[end] in bound:
        return None
    return Found(det.name, start, end, spans, det.mask, distance)


def _label_distance(label: re2._Regexp, full: bytes, start: int, end: int, reach: int) -> int:
    """Distance to the nearest label around [start, end), or -1 if none."""
    best = -1
    for m in label.finditer(full, max(0, start - reach), end + CONTEXT_AFTER):
        if m.end() <= start:
            gap = start - m.end()
        elif m.start() >= end:
            gap = m.start() - end
        else:
            continue  # a label inside the value does not describe it
        if best < 0 or gap < best:
            best = gap
    return best


def _drop_contained(found: list[Found]) -> list[Found]:
    """A value inside a longer accepted value (the card-shaped digits of an
    IBAN) is the longer value's business: report only the outer one."""
    if len(found) < 2:
        return found
    found.sort(key=lambda f: (f.start, f.start - f.end, f.distance))
    kept: list[Found] = []
    reach = -1
    for f in found:
        if f.end <= reach:
            continue
        kept.append(f)
        reach = max(reach, f.end)
    return kept


def _table(style: Mask) -> bytes:
    return bytes(_mask_one(b, style) for b in range(256))


def _mask_one(byte: int, style: Mask) -> int:
    if style is Mask.OPAQUE:
        return LETTER_MASK if 0x21 <= byte < 0x7F else byte
    if 0x30 <= byte <= 0x39:
        return DIGIT_MASK
    if 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A:
        return LETTER_MASK
    return byte


# bytes.translate tables: the mask for each ASCII byte of a value; bytes of
# other characters (UTF-8 continuation bytes included) are kept.
MASK_TABLES = {style: _table(style) for style in Mask}


def mask_byte(byte: int, style: Mask) -> int:
    return MASK_TABLES[style][byte]
