"""Signal features: step one of detection, and the narrowing every query shares.

A feature is something a session did that can be a signal under some allowed
rule (``signals_rules.RULES`` bounds every rule), with the measurements the
rules are compared against. Features are found by window functions over the
raw rows, once per session as batches arrive (the after-apply hook) or for
everything (``Detector.rebuild``). Step two (``signals_detect``) applies a
project's rules to them, which is cheap because they are few.

Every feature query returns ``sid, pv, ts, day, kind, path, sel, v1, v2, v3,
v4, x, y, flags``. Per ``kind``:

==========  ======================================================================
kind        meaning of the columns
==========  ======================================================================
quiet       a click after which nothing happened, not on a text field.
            v1 MouseEvent.detail, v2 ms since the previous quiet click of the page
            view, v3 px to it (larger of dx, dy), v4 quiet single clicks (detail 1)
            on the same element in the page view, x/y the click. flags: 1 the
            target is a control, 2 it is disabled, 4 another quiet click lies
            within the loosest rage rule (5 s, 300 px) before or after it.
error       a click flagged with a script error (4) or a validation error (8).
            v1 ms to the script error it is the last click before, v2 ms to the
            next validation-flagged click of the page view.
submit      a failed attempt of a form submitted twice or more in one page view
            (another submit of it followed, or no page view did); v1 failed
            attempts of that form in that page view.
form        the session's last page view, left with fields filled in and not
            submitted after the last touch; sel the last field, v1 fields filled.
uturn       page B of A → B → A; ts when B was left, v1 ms spent on B.
scroll      a page view's up/down reversals (v1), with 2 or more; ts the first.
flip        A → B → A between two controls that changed the page; sel ``A|B``,
            ts the first click, v1 the longer of its two gaps.
rest        pointer rest on one element of 3 s or more (v1 ms), not begun by a
            click on it, with a click later in the page view.
pause       a tap on a touch screen after v1 ms (3 s or more) without interaction;
            ts when the pause began.
reversal    a horizontal reversal of the pointer; v1 the shorter leg in px (40+).
==========  ======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from clearsight.store.sql import Dialect

COLUMNS = "sid, pv, ts, day, kind, path, sel, v1, v2, v3, v4, x, y, flags"
"""What every feature query returns; the detector adds ``project`` and ``page``."""
TEXT_TAGS = ["input", "textarea", "select"]
"""Clicks here place a caret, select a word or open a picker: never rage or dead."""

INTERACTIVE, DISABLED, CLUSTERED = 1, 2, 4
SCRIPT_ERROR, VALIDATION = 4, 8

# The loosest values the rules allow (signals_rules.RULES: lo/hi), so a feature kept
# under them is kept under any project's rules.
LOOSEST = {
    "rage_gap_ms": 5_000,
    "rage_radius_px": 300,
    "click_window_ms": 10_000,
    "uturn_max_ms": 120_000,
    "toggle_gap_ms": 60_000,
    "hesitation_ms": 3_000,
    "thrash_min_px": 40,
    "scroll_min_reversals": 2,
}

NULL = "CAST(NULL AS BIGINT)"
NO_XY = "CAST(NULL AS REAL) AS x, CAST(NULL AS REAL) AS y"


@dataclass(frozen=True)
class Scope:
    """Which rows a query reads: a whole project, or only some of its sessions."""

    d: Dialect
    incremental: bool = False

    def rows(self, alias: str = "") -> str:
        """For tables with ``ts``: rows at or after the earliest start of the sessions
        let the store skip old row groups."""
        a = f"{alias}." if alias else ""
        if not self.incremental:
            return f"{a}project = :project"
        return f"{a}project = :project AND {a}ts >= :since AND {self.d.in_list(a + 'sid', 'sids')}"

    def sessions(self, alias: str = "") -> str:
        a = f"{alias}." if alias else ""
        if not self.incremental:
            return f"{a}project = :project"
        return f"{a}project = :project AND {self.d.in_list(a + 'sid', 'sids')}"

    def over(self, part: str = "sid, pv", order: str = "ts") -> str:
        return f"PARTITION BY {part} ORDER BY {order}"
