"""docs/privacy.md documents every detector and every public function."""

from __future__ import annotations

import re
from pathlib import Path

from clearsight.privacy.detectors import DETECTORS

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_every_detector_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    text = text.split("## What is detected", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z0-9_]+)`(?:, `([a-z0-9_]+)`)? \|", text, re.M))
    names = {n for pair in documented for n in pair if n}
    assert names == {d.name for d in DETECTORS}


def test_public_functions_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in (
        "scrub(",
        "scrub_text(",
        "tokenize(",
        "truncate_ip(",
        "reduce_user_agent(",
        "matches_any(",
    ):
        assert name in text, name
