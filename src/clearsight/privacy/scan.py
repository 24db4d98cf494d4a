"""The fast pass over a raw batch: prefilter hits, string state, masking.

The RE2 prefilter (``prefilter.py``) stops only where a detector could
match. Whether a hit is inside a JSON string is decided from the bytes
before it (``strings.string_state``); no JSON is parsed. A hit in a string
sends that string to ``strings.mask_string`` and the scan resumes after it.
Long strings (stylesheets, console dumps) are examined only in a window
around each hit, so the scan still walks through them once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clearsight.privacy import engine, native, rx, strings
from clearsight.privacy.prefilter import KEYWORD_PATTERN, PREFILTER, Hit, classify

# A secret's name is looked for this far around its value (a hidden input's
# attributes, a JSON key).
_NEIGHBOUR_BEFORE = 128
_NEIGHBOUR_AFTER = 256
_VALUE_START = re.compile(rb':\s*"')  # a short window: Python's re is quicker here
_FRAGMENT_VALUE = re.compile(rb"[A-Za-z0-9 ]{0,23}[0-9][A-Za-z0-9 ]{0,23}")
# A string that is exactly one UUID is a software-made random id (session,
# visitor, batch and page-view ids ride on every event); its digit runs wake
# the prefilter but it holds nothing to mask.
_UUID_LENGTH = 36
_UUID = re.compile(rb"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
# A window reaches MARGIN bytes past a hit, then on to the next space, so no
# token or escape is cut; labels before it still count (``mask_string``).
BIG_STRING = 4096
_MARGIN = 160
_REACH = 4096


@dataclass(slots=True)
class Fragment:
    """A short digit-bearing text value: maybe one piece of a split value."""

    start: int
    end: int
    key: bytes


@dataclass(slots=True)
class Scan:
    """What the fast pass found and did."""

    body: bytes
    out: bytearray | None = None
    # (content start, content end, detector names) per masked string.
    strings: list[tuple[int, int, list[str]]] = field(default_factory=list)
    fragments: list[Fragment] = field(default_factory=list)
    done: set[int] = field(default_factory=set)
    # Quotes of the last string located, reused while hits stay inside it.
    current: tuple[int, int] = (-1, -1)
    allow: frozenset[str] = frozenset()

    def buffer(self) -> bytearray:
        """The masked copy of the body, made on the first write."""
        if self.out is None:
            self.out = bytearray(self.body)
        return self.out

    def read(self, start: int, end: int) -> bytes:
        """Bytes as they are now, masks applied so far included."""
        return self.body[start:end] if self.out is None else bytes(self.out[start:end])

    def mask(self, start: int, end: int, window: tuple[int, int] | None = None) -> None:
        """Run the detectors over one string's content (or a window of it), once."""
        lo, hi = window or (start, end)
        if lo in self.done:
            return
        self.done.add(lo)
        names = strings.mask_string(self.body, lo, hi, self)
        if names:
            self.strings.append((start, end, names))


def scan(body: bytes, allow: frozenset[str] = frozenset(), compiled: bool | None = None) -> Scan:
    """Mask every detectable value inside the JSON strings of ``body``.

    The walk runs compiled when the extension was built (``compiled=None``);
    ``compiled=False`` forces the pure-Python walk, which is the reference.
    """
    result = Scan(body, allow=allow)
    if _COMPILED is not None and compiled is not False:
        _COMPILED.walk(result)
    elif compiled:
        raise RuntimeError("the compiled walk is not available: " + native.WHY_NOT)
    else:
        walk(result)
    return result


def walk(result: Scan) -> None:
    """The fast pass in Python: prefilter stops, string state, masking."""
    body = result.body
    match = PREFILTER._regexp.Match
    n = len(body)
    pos = spos = 0
    inside = False  # string state at spos
    while pos < n:
        hit, end = match(rx.UNANCHORED, body, pos, n)[0]
        if hit < 0:
            break
        kind = classify(body, hit, end)
        if kind is Hit.SKIP:
            # Nothing in it is masked, inside a string or not; the string
            # state is worked out from the last known point at the next hit.
            pos = end
            continue
        probe = hit if kind is Hit.FRAGMENT else end - 1
        opener = -1
        if result.current[0] < probe < result.current[1]:
            inside, spos = True, probe  # still in the long string of the last window
        elif probe > spos:
            inside, opener = strings.string_state(body, spos, inside, probe)
            spos = probe
        if not inside:
            if kind is Hit.FRAGMENT:
                pos, inside = _fragment(result, hit)
                spos = pos
            else:
                pos = end
        else:
            pos, inside = _string_hit(result, hit, end, kind is Hit.KEYWORD, opener)
            spos = pos


def _fragment(result: Scan, key_quote: int) -> tuple[int, bool]:
    """A text value keyed textContent/value/text: note it if it is short and
    digit-bearing (maybe a piece of a split value), then mask it as usual."""
    body = result.body
    start = body.index(b':"', key_quote) + 2
    end = strings.string_end(body, start)
    if _FRAGMENT_VALUE.fullmatch(body, start, end):
        result.fragments.append(Fragment(start, end, body[key_quote + 1 : start - 3]))
    return _string_hit(result, start, start + 1, False, start - 1)


def _string_hit(result: Scan, hit: int, end: int, keyword: bool, opener: int) -> tuple[int, bool]:
    """Mask the string (or window) around a hit; ``opener`` is its opening
    quote if known. Returns where to resume and whether that is still inside
    the string."""
    body = result.body
    open_q, close_q = result.current
    if not open_q <= hit < close_q:
        # hit + 1: the prefilter's leading byte may be the opening quote itself.
        open_q = opener if opener >= 0 else strings.string_start(body, hit + 1)
        close_q = strings.string_end(body, end - 1)
        result.current = (open_q, close_q)
    if close_q - open_q == _UUID_LENGTH + 1 and _UUID.fullmatch(body, open_q + 1, close_q):
        return close_q + 1, False
    if close_q - open_q > BIG_STRING:
        lo = _cut_before(body, open_q + 1, hit - _MARGIN)
        hi = _cut_after(body, end + _MARGIN, close_q)
        result.mask(open_q + 1, close_q, (lo, hi))
        return (close_q + 1, False) if hi >= close_q else (hi, True)
    if not strings.is_key(body, close_q):
        result.mask(open_q + 1, close_q)
    if keyword and not body.startswith(b'"sel":', open_q - 6):
        # A selector naming a secret-looking element is no secret's name.
        neighbours(result, open_q, close_q)
    return close_q + 1, False


def neighbours(result: Scan, open_q: int, close_q: int) -> None:
    """A secret's name and its value are separate strings (a JSON key, or
    ``name`` and ``value`` attributes of a hidden input): mask the string
    values just before and after the one that named it. The scan itself
    goes on from the naming string, so nothing in between is skipped."""
    body = result.body
    lo = max(0, open_q - _NEIGHBOUR_BEFORE)
    for m in _VALUE_START.finditer(body, lo, min(len(body), close_q + _NEIGHBOUR_AFTER)):
        start = m.end()
        colon = m.start()
        # Only a ':' right after a key's closing quote starts a value.
        if start == open_q + 1 or body[colon - 1] != 0x22 or strings.escaped(body, colon - 1):
            continue
        end = strings.string_end(body, start)
        if open_q <= end and start <= close_q:
            continue  # the naming string itself
        if not strings.is_key(body, end):
            result.mask(start, end)


def _cut_before(body: bytes, start: int, at: int) -> int:
    if at <= start:
        return start
    space = body.rfind(b" ", max(start, at - _REACH), at)
    return start if space == -1 else space + 1


def _cut_after(body: bytes, at: int, end: int) -> int:
    if at >= end:
        return end
    space = body.find(b" ", at, min(end, at + _REACH))
    return end if space == -1 else space


def compiled() -> bool:
    """Whether scans run the compiled walk (see ``native``)."""
    return _COMPILED is not None


def describe_walk() -> str:
    """Which walk scans run, in one line for the server's log."""
    return native.describe(_COMPILED)


_COMPILED = native.load()
if _COMPILED is not None:
    _COMPILED.configure(
        PREFILTER.pattern,
        KEYWORD_PATTERN,
        engine.label_patterns(),
        strings.memo(),
        strings.memo_digest,
        Fragment,
        (
            BIG_STRING,
            _MARGIN,
            _REACH,
            _NEIGHBOUR_BEFORE,
            _NEIGHBOUR_AFTER,
            engine.LABEL_REACH,
            strings.CONTEXT_AFTER,
            strings.CLEAN_LONGEST,
            strings.MEMO_LONGEST,
            strings.FIND_TRIES,
        ),
    )
