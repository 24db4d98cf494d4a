"""Detection keeps its measured quality on the tune personas; every rule is documented."""

from __future__ import annotations

import subprocess
import sys

from clearsight.analyse.features import LOOSEST
from clearsight.analyse.signals import SIGNALS
from clearsight.analyse.signals_rules import RULE_BY_KEY, RULES
from tests.support import ROOT


def test_targets_met_on_the_tune_personas() -> None:
    """The bench's quality part on the split the rules were tuned on (the eval split is the
    bench's to report, not a test's to tune against)."""
    out = subprocess.run(
        [sys.executable, "bench/detection.py", "--split", "tune", "--skip-speed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for signal in ("rage_click", "dead_click", "error_click", "failed_submit", "form_abandon"):
        line = next(x for x in out.stdout.splitlines() if x.strip().startswith(signal + " "))
        assert line.rstrip().endswith("met"), line


def test_every_rule_and_signal_is_documented() -> None:
    text = (ROOT / "docs" / "friction.md").read_text()
    missing = [r.key for r in RULES if f"| `{r.key}` | {r.default:g} " not in text]
    missing += [s for s in SIGNALS if f"| `{s}` |" not in text]
    assert not missing, f"not in docs/friction.md with its default: {missing}"


def test_features_are_kept_for_every_allowed_rule_value() -> None:
    """Features are found once, under the loosest values the rules allow; a bound wider
    than that would let a project ask for signals the features cannot give."""
    loosest_side = {
        "rage_gap_ms": "hi", "rage_radius_px": "hi", "click_window_ms": "hi",
        "uturn_max_ms": "hi", "toggle_gap_ms": "hi", "hesitation_ms": "lo",
        "thrash_min_px": "lo", "scroll_min_reversals": "lo",
    }  # fmt: skip
    for key, side in loosest_side.items():
        rule = RULE_BY_KEY[key]
        assert LOOSEST[key] == (rule.hi if side == "hi" else rule.lo), key
