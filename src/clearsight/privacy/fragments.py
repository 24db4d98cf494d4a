"""Values split across neighbouring nodes.

Pages render a card number as four ``<span>``s or an IBAN over two text
nodes, and a card form may use four inputs. No single string holds the
value, so the per-string detectors cannot see it. The fast pass collects
short digit-bearing text values (``textContent``, ``value``, input-event
``text``); this module joins runs of neighbouring ones, separators stripped,
and asks the card and IBAN validators about every window of consecutive
pieces. rrweb may emit sibling adds last-first, so each run is also tried
reversed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from clearsight.privacy import engine, validators
from clearsight.privacy.detectors import Mask
from clearsight.privacy.scan import Fragment, Scan

MAX_GAP = 600  # bytes of JSON between two pieces of one value
MAX_PIECES = 8
_VISIBLE_TEXT = re.compile(rb'"textContent":"(?:\\[nrt]|[ \t])*[^"\\ \t]')
_INPUT_ID = re.compile(rb'"id":(\d+)')
_CARD_GROUPS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1)}
_IBAN_SHAPE = re.compile(rb"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


@dataclass(slots=True)
class _Unit:
    """One piece: its text, and every fragment to mask if it is part of a value.
    An input's unit is its last value; the earlier keystrokes go with it."""

    text: bytes
    fragments: list[Fragment]


def mask_split_values(result: Scan) -> None:
    """Find and mask card numbers and IBANs split across fragments."""
    if len(result.fragments) < 2:
        return
    for run in _runs(result):
        used: set[int] = set()
        for name, window in _windows(_units(result.body, run)):
            if any(id(u) in used for u in window):
                continue
            used.update(id(u) for u in window)
            _mask_window(result, name, window)


def _runs(result: Scan) -> Iterator[list[Fragment]]:
    body = result.body
    run: list[Fragment] = []
    for frag in result.fragments:
        if run and not _adjacent(body, run[-1], frag):
            if len(run) > 1:
                yield run
            run = []
        run.append(frag)
    if len(run) > 1:
        yield run


def _adjacent(body: bytes, prev: Fragment, frag: Fragment) -> bool:
    if frag.start - prev.end > MAX_GAP or (frag.key == b"text") != (prev.key == b"text"):
        return False
    return _VISIBLE_TEXT.search(body, prev.end, frag.start) is None


def _units(body: bytes, run: list[Fragment]) -> list[_Unit]:
    if run[0].key != b"text":
        return [_Unit(body[f.start : f.end], [f]) for f in run]
    # Input events repeat the whole value on every keystroke: one unit per
    # input id, holding its final value.
    by_id: dict[bytes, _Unit] = {}
    for f in run:
        m = _INPUT_ID.search(body, f.end, f.end + 80)
        ident = m.group(1) if m else b"%d" % f.start
        unit = by_id.setdefault(ident, _Unit(b"", []))
        unit.text = body[f.start : f.end]
        unit.fragments.append(f)
    return list(by_id.values())


def _windows(units: list[_Unit]) -> Iterator[tuple[str, list[_Unit]]]:
    for order in (units, units[::-1]):
        for i in range(len(order)):
            for j in range(min(len(order), i + MAX_PIECES), i + 1, -1):
                name = _split_value(order[i:j])
                if name:
                    yield name, order[i:j]


def _split_value(window: list[_Unit]) -> str:
    joined = b"".join(u.text.replace(b" ", b"") for u in window)
    if len(joined) > 34:
        return ""
    if joined.isdigit():
        # Card digits come in the networks' print groups, whether one node
        # holds a group ("4111") or several ("4111 1111").
        groups = tuple(len(g) for u in window for g in u.text.split())
        if groups in _CARD_GROUPS and validators.card(joined.decode()):
            return "card"
        return ""
    if _IBAN_SHAPE.fullmatch(joined) and validators.iban(joined.decode()) == len(joined):
        return "iban"
    return ""


def _mask_window(result: Scan, name: str, units: list[_Unit]) -> None:
    out = result.buffer()
    first = True
    for unit in units:
        for f in unit.fragments:
            for pos in range(f.start, f.end):
                out[pos] = engine.mask_byte(out[pos], Mask.SHAPE)
            result.strings.append((f.start, f.end, [name] if first else []))
            first = False
