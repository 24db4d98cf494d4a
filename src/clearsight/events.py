"""The wire contract between the capture script and the server.

One ``Batch`` is what the capture script POSTs to ``/api/v1/ingest``. Its
``rrweb`` member is kept as raw JSON bytes (``msgspec.Raw``): the server never
parses full snapshots or mutations on the hot path. Everything else is small
and decoded into the typed structs below, tagged by ``t``.

Field names are short because pointer moves are numerous; ``docs/api.md``
spells each one out. Positions are CSS pixels, times are integer milliseconds
since the Unix epoch (UTC).
"""

from __future__ import annotations

from typing import Literal

import msgspec

WIRE_VERSION = 1

# rrweb's EventType enum (rrweb/packages/types): only the values the server
# needs to recognise without parsing the payload.
RRWEB_FULL_SNAPSHOT = 2
RRWEB_INCREMENTAL = 3
RRWEB_META = 4


class _Event(msgspec.Struct, tag_field="t", forbid_unknown_fields=False, omit_defaults=True):
    ts: int
    """Client time in ms since epoch."""
    pv: str = ""
    """Page-view id: every event after a page view carries that view's id."""


class PageView(_Event, tag="pageview"):
    url: str = ""
    ref: str = ""
    """document.referrer."""
    title: str = ""
    vw: int = 0
    vh: int = 0
    dh: int = 0
    """Document height."""


class Effects(msgspec.Struct, omit_defaults=True):
    """What happened within the observation window after a click."""

    mut: bool = False
    """A DOM mutation."""
    nav: bool = False
    """A navigation (pagehide, popstate, hashchange, pushState)."""
    scroll: bool = False
    focus: bool = False
    """Focus moved."""
    err: bool = False
    """A JS error was thrown."""
    inval: bool = False
    """A visible validation error appeared (invalid event or [aria-invalid=true])."""


class Click(_Event, tag="click"):
    url: str = ""
    sel: str = ""
    """Stable selector of the target (id, data attributes, tag path)."""
    tag: str = ""
    rect: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """Target's bounding box in page coordinates: x, y, width, height."""
    rx: float = 0.0
    """Position inside the target, 0..1 horizontally."""
    ry: float = 0.0
    x: float = 0.0
    """Page x."""
    y: float = 0.0
    vw: int = 0
    vh: int = 0
    dh: int = 0
    sy: float = 0.0
    """window.scrollY at the click."""
    fixed: bool = False
    """The target sits in a position:fixed or position:sticky container."""
    inter: bool = False
    """The target is interactive (link, button, input, [role=button], onclick...)."""
    dis: bool = False
    """The target, or a fieldset around it, is disabled or aria-disabled."""
    reg: bool = False
    """The target sits inside a [data-cs-regulatory] element."""
    n: int = 1
    """MouseEvent.detail: 2 on the second click of a double click, 0 for keyboard activation."""
    fx: Effects | None = None
    """Effects seen in the observation window. When the page hides first, what was seen
    so far with ``nav`` set. None only from scripts that do not observe effects."""


class Move(_Event, tag="move"):
    url: str = ""
    sel: str = ""
    rx: float = 0.0
    ry: float = 0.0
    x: float = 0.0
    y: float = 0.0
    vw: int = 0
    vh: int = 0
    dh: int = 0
    fixed: bool = False
    dwell: int = 0
    """ms the pointer stayed over ``sel`` since the previous sample."""


class Scroll(_Event, tag="scroll"):
    url: str = ""
    sy: float = 0.0
    """scrollY when scrolling settled."""
    max: float = 0.0
    """Deepest bottom edge reached in this page view: max(scrollY + vh)."""
    vh: int = 0
    dh: int = 0


class JsError(_Event, tag="error"):
    url: str = ""
    msg: str = ""
    src: str = ""
    line: int = 0
    col: int = 0


class Submit(_Event, tag="submit"):
    url: str = ""
    sel: str = ""


class Field(_Event, tag="field"):
    """Form-field metadata. Never the value."""

    url: str = ""
    sel: str = ""
    ev: Literal["focus", "blur", "invalid"] = "focus"
    dur: int = 0
    """On blur: ms since the matching focus."""
    edits: int = 0
    """On blur: input events during the focus."""
    dels: int = 0
    """On blur: deletions (corrections) during the focus."""
    filled: bool = False
    """On blur: the field holds a value."""


class Custom(_Event, tag="custom"):
    url: str = ""
    name: str = ""
    props: dict[str, str | int | float | bool | None] = {}


class Identify(_Event, tag="identify"):
    url: str = ""
    uid: str = ""
    """The site's customer id. Tokenized by the server before storage."""
    traits: dict[str, str | int | float | bool | None] = {}


class Experiment(_Event, tag="experiment"):
    url: str = ""
    exp: str = ""
    variant: str = ""


class SurveyAnswer(_Event, tag="survey"):
    url: str = ""
    survey: str = ""
    question: str = ""
    qtype: Literal["choice", "rating", "text"] = "choice"
    answer: str = ""
    """The chosen option, the rating as a number, or the visitor's text (scrubbed, sealed)."""


InteractionEvent = (
    PageView
    | Click
    | Move
    | Scroll
    | JsError
    | Submit
    | Field
    | Custom
    | Identify
    | Experiment
    | SurveyAnswer
)


class Consent(msgspec.Struct, omit_defaults=True):
    state: Literal["granted", "denied", "withdrawn"]
    policy: str = ""
    """Policy version the visitor saw."""


class Batch(msgspec.Struct, forbid_unknown_fields=True):
    """One POST to /api/v1/ingest."""

    v: int
    key: str
    """Project key."""
    sid: str
    """Session id."""
    vid: str
    """Pseudonymous visitor id (random, first-party storage)."""
    seq: int
    """0-based per-session batch sequence number."""
    bid: str
    """Unique batch id: retries reuse it, the server stores it once."""
    sent: int
    consent: Consent
    rrweb: msgspec.Raw = msgspec.Raw(b"[]")
    """rrweb events, kept as the raw JSON array."""
    events: list[InteractionEvent] = []
    ua: str = ""
    """navigator.userAgent, reduced by the server before storage."""


class ConsentDecision(msgspec.Struct, forbid_unknown_fields=True):
    """One POST to /api/v1/consent: a visitor's decision, for the ledger."""

    v: int
    key: str
    vid: str
    state: Literal["granted", "denied", "withdrawn"]
    ts: int
    policy: str = ""
    banner: str = ""
    """SHA-256 hex of the banner text the visitor saw."""
    source: str = "banner"
    sid: str = ""
