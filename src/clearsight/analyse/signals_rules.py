"""THE rules table of the frustration signals: every threshold, its default and why.

Projects override values (``PUT /api/v1/signals/rules``); anything not
overridden keeps the default below. Detection SQL (``signals_sql.py``) binds
each rule as the parameter of the same name, so a rule here is a rule there.
docs/friction.md prints this table; a test fails when a rule is missing there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from clearsight.errors import BadRequest
from clearsight.store.control import ControlPlane

RULES_KEY = "signals.rules"
EXCLUSIONS_KEY = "signals.exclusions"


@dataclass(frozen=True)
class Rule:
    key: str
    default: float
    lo: float
    hi: float
    unit: str
    why: str


RULES: tuple[Rule, ...] = (
    # -- clicks ----------------------------------------------------------------------------
    Rule("click_window_ms", 1000, 100, 10_000, "ms",
         "The capture script's clickWindowMs: effects later than this are not the click's."),
    Rule("rage_min_clicks", 3, 2, 20, "clicks",
         "Three ineffective clicks in a row is where repeated clicking stops being a retry "
         "and becomes frustration; a double click is never enough."),
    Rule("rage_gap_ms", 700, 100, 5_000, "ms",
         "Most between clicks of one burst. Angry clicking runs at 3-8 clicks/s; a deliberate "
         "second try comes a second or more later."),
    Rule("rage_radius_px", 30, 2, 300, "px",
         "Most distance from the previous click of the burst: a finger or a shaking hand "
         "moves a few pixels, a person choosing something else moves further."),
    Rule("dead_repeat_min", 2, 1, 20, "clicks",
         "Clicks on something that is not a control count as dead only when the visitor "
         "tries again: one click on text is usually reading, not expecting."),
    Rule("failed_submit_min", 2, 1, 20, "attempts",
         "Failed attempts of one form in one page view before it is flagged: one failure is "
         "ordinary validation, the second means the visitor did not see why."),
    Rule("abandon_min_fields", 2, 1, 50, "fields",
         "Fields the visitor typed or chose a value in before leaving: one field (a search "
         "box, a single dropdown) is browsing, two or more is filling in a form."),
    # -- pages -----------------------------------------------------------------------------
    Rule("uturn_max_ms", 10_000, 1_000, 120_000, "ms",
         "Longest stay on a page that still counts as a quick back: about the time to "
         "glance at a page and decide it is the wrong one."),
    Rule("scroll_min_reversals", 4, 2, 100, "reversals",
         "Fewest up/down reversals in one page view to flag: scrolling back once or twice "
         "to re-read is normal."),
    Rule("scroll_norm_factor", 3, 1, 20, "x page median",
         "How far above the page's median reversals (among its page views that reversed at "
         "least twice) a page view must be: long pages are scrolled back and forth more."),
    Rule("thrash_window_ms", 2_000, 300, 10_000, "ms",
         "The span in which erratic pointer movement is counted."),
    Rule("thrash_min_reversals", 4, 2, 50, "reversals",
         "Horizontal direction reversals of the pointer within the window, each leg at "
         "least thrash_min_px long: shaking or circling the pointer, not moving it somewhere."),
    Rule("thrash_min_px", 40, 40, 1_000, "px",
         "Shortest leg that counts as a reversal, so a pointer resting on a target, "
         "jittering a few pixels, is not thrashing."),
    Rule("hesitation_ms", 5_000, 3_000, 120_000, "ms",
         "Pointer dwell on one element, or a pause before tapping one on touch screens, "
         "before it counts as hesitation: reading a button label takes 1-3 s."),
    Rule("toggle_min_flips", 3, 1, 50, "flips",
         "Returns to an option just left (A→B→A is one) before flagging: comparing two "
         "options once is the point of offering them."),
    Rule("toggle_gap_ms", 3_000, 200, 60_000, "ms",
         "Most time between two switches of one episode; longer is a new decision."),
    # -- score weights (see docs/friction.md for the formula) ------------------------------
    Rule("weight_rage_click", 12, 0, 100, "points", "The clearest sign of a blocked visitor."),
    Rule("weight_error_click", 12, 0, 100, "points", "A script or validation error after a click."),
    Rule("weight_failed_submit", 10, 0, 100, "points", "Repeated failed submits block a journey."),
    Rule("weight_form_abandon", 10, 0, 100, "points", "Leaving a form half filled in."),
    Rule("weight_dead_click", 8, 0, 100, "points", "Something looked clickable and was not."),
    Rule("weight_u_turn", 6, 0, 100, "points", "The page was not what the visitor expected."),
    Rule("weight_toggling", 5, 0, 100, "points", "Indecision between options; sometimes healthy."),
    Rule("weight_excessive_scroll", 4, 0, 100, "points", "Searching a page for something."),
    Rule("weight_thrashed_cursor", 4, 0, 100, "points", "Agitation; noisy on its own."),
    Rule("weight_hesitation", 3, 0, 100, "points", "Doubt before acting; often just reading."),
)  # fmt: skip

RULE_BY_KEY = {r.key: r for r in RULES}
DEFAULTS: dict[str, float] = {r.key: r.default for r in RULES}


class Exclusion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Never flag ``signal`` on the element ``sel`` (on pages matching ``page``, a glob)."""

    signal: str
    sel: str
    page: str = ""


def validate(overrides: Mapping[str, float]) -> dict[str, float]:
    """Known keys within their bounds; raises BadRequest that names the offending rule."""
    clean: dict[str, float] = {}
    for key, value in overrides.items():
        rule = RULE_BY_KEY.get(key)
        if rule is None:
            raise BadRequest("unknown-rule", f"no signal rule {key!r}; see docs/friction.md")
        if not rule.lo <= float(value) <= rule.hi:
            raise BadRequest(
                "invalid-rule", f"{key} must be between {rule.lo:g} and {rule.hi:g} {rule.unit}"
            )
        clean[key] = float(value)
    return clean


def rules_of(control: ControlPlane, project: str) -> dict[str, float]:
    """The project's rules: its overrides on top of the defaults."""
    overrides = control.settings.get(project, RULES_KEY, dict[str, float], {})
    return DEFAULTS | {k: v for k, v in overrides.items() if k in RULE_BY_KEY}


def overrides_of(control: ControlPlane, project: str) -> dict[str, float]:
    return control.settings.get(project, RULES_KEY, dict[str, float], {})


def exclusions_of(control: ControlPlane, project: str) -> list[Exclusion]:
    return control.settings.get(project, EXCLUSIONS_KEY, list[Exclusion], [])
