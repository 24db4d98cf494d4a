"""Decoded views of one JSON string, and writing masks back through them.

A value can hide behind JSON escapes (``\\u0040``, ``\\/``) and, inside a
URL, behind percent-encoding (``%40``, ``+`` for a space). Detection runs on
decoded text; masks must land on the raw bytes. A ``Layer`` is one decoding
step with a record of where each escape came from, so a decoded byte can be
traced back and rewritten in the same escape form: ``%34`` ('4') becomes
``%39`` ('9'), ``\\u0061`` ('a') becomes ``\\u002a`` ('*'). Raw length never
changes and the JSON stays valid.

Detection first uses the cheap ``json_text``/``url_text`` (bytes.replace and
unquote); the traced layers are only built for strings with a catch.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from urllib.parse import unquote_to_bytes

_JSON_ESC = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.",
    re.DOTALL,
)
_SIMPLE = {
    ord('"'): b'"',
    ord("\\"): b"\\",
    ord("/"): b"/",
    ord("b"): b"\x08",
    ord("f"): b"\x0c",
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
}
_URL_ESC = re.compile(rb"%[0-9A-Fa-f]{2}")
_HEX = b"0123456789ABCDEF"


_SIMPLE_PAIRS = (
    (b'\\"', b'"'),
    (b"\\/", b"/"),
    (b"\\n", b"\n"),
    (b"\\t", b"\t"),
    (b"\\r", b"\r"),
    (b"\\b", b"\x08"),
    (b"\\f", b"\x0c"),
)


def json_text(raw: bytes) -> bytes:
    """The decoded bytes of a JSON string's content (between the quotes)."""
    if b"\\" not in raw:
        return raw
    if b"\\u" in raw or b"\\\\" in raw:
        return decode_json(raw, 0).data
    # Without \\ every backslash starts a two-byte escape: plain replaces
    # decode it exactly (and are far cheaper than tracing each escape).
    for escape, char in _SIMPLE_PAIRS:
        if escape in raw:
            raw = raw.replace(escape, char)
    return raw


def is_urlish(text: bytes) -> bool:
    """Percent escapes, or '+' inside something that has '=' (a query)."""
    if b"%" in text and _URL_ESC.search(text) is not None:
        return True
    return b"+" in text and b"=" in text


def url_text(text: bytes) -> bytes:
    return unquote_to_bytes(text.replace(b"+", b" "))


class Layer:
    """One decoding step: ``data`` plus where each escape came from.

    ``parent`` is the layer the escapes were read from; the bottom layer has
    none and addresses the raw body at ``base``.
    """

    def __init__(
        self,
        data: bytes,
        escapes: list[tuple[int, int, int, int]],
        parent: Layer | None,
        base: int,
    ) -> None:
        self.data = data
        # (view_pos, view_len, src_pos, src_len) for every escape, in order.
        self._escapes = escapes
        self._starts = [e[0] for e in escapes]
        self.parent = parent
        self.base = base

    def _locate(self, pos: int) -> tuple[int, int]:
        """Source position and length of the decoded byte at ``pos``."""
        i = bisect_right(self._starts, pos) - 1
        if i < 0:
            return pos, 1
        vpos, vlen, spos, slen = self._escapes[i]
        if pos < vpos + vlen:
            return spos, slen
        return spos + slen + (pos - vpos - vlen), 1

    def plain_span(self, lo: int, hi: int) -> int | None:
        """Offset in the raw body of decoded bytes [lo, hi) when they were
        written without escapes (bottom layer only); None otherwise."""
        if self.parent is not None:
            return None
        i = bisect_right(self._starts, hi - 1) - 1
        if i >= 0:
            vpos, vlen, spos, slen = self._escapes[i]
            if vpos + vlen > lo:
                return None
            return self.base + spos + slen + (lo - vpos - vlen)
        return self.base + lo

    def write(self, pos: int, byte: int, out: bytearray) -> None:
        """Make the decoded byte at ``pos`` read as ``byte``."""
        src, length = self._locate(pos)
        if length == 1:
            self._write_src(src, byte, out)
        elif self.parent is not None and length == 3:  # %XX: rewrite the hex digits
            self._write_src(src + 1, _HEX[byte >> 4], out)
            self._write_src(src + 2, _HEX[byte & 15], out)
        elif self.parent is None and length == 6:  # \uXXXX
            out[self.base + src : self.base + src + 6] = b"\\u00%02x" % byte
        else:  # an escape that can only stand for punctuation: fill it
            for k in range(length):
                self._write_src(src + k, byte, out)

    def _write_src(self, src: int, byte: int, out: bytearray) -> None:
        if self.parent is None:
            out[self.base + src] = byte
        else:
            self.parent.write(src, byte, out)


def decode_json(raw: bytes, base: int) -> Layer:
    """The bottom layer for a JSON string whose content starts at ``base``."""
    pieces: list[bytes] = []
    escapes: list[tuple[int, int, int, int]] = []
    last = vlen = 0
    for m in _JSON_ESC.finditer(raw):
        start, end = m.span()
        pieces.append(raw[last:start])
        vlen += start - last
        out = _unescape(m.group())
        escapes.append((vlen, len(out), start, end - start))
        pieces.append(out)
        vlen += len(out)
        last = end
    pieces.append(raw[last:])
    return Layer(b"".join(pieces), escapes, None, base)


def _unescape(token: bytes) -> bytes:
    if token[1] != ord("u") or len(token) == 2:  # a simple (or broken) escape
        return _SIMPLE.get(token[1], token[1:2])
    if len(token) == 12:  # surrogate pair
        hi, lo = int(token[2:6], 16), int(token[8:12], 16)
        return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).encode()
    code = int(token[2:], 16)
    return b"?" if 0xD800 <= code < 0xE000 else chr(code).encode()


def decode_url(parent: Layer) -> Layer:
    """Percent-decoding over ``parent``; '+' reads as a space in place."""
    text = parent.data.replace(b"+", b" ")
    pieces: list[bytes] = []
    escapes: list[tuple[int, int, int, int]] = []
    last = vlen = 0
    for m in _URL_ESC.finditer(text):
        start, end = m.span()
        pieces.append(text[last:start])
        vlen += start - last
        escapes.append((vlen, 1, start, 3))
        pieces.append(bytes((int(text[start + 1 : end], 16),)))
        vlen += 1
        last = end
    pieces.append(text[last:])
    return Layer(b"".join(pieces), escapes, parent, 0)
