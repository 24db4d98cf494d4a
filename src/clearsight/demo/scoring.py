"""Score detected signals against the recorded personas' ground-truth labels.

A label is what a persona did on purpose (``Visitor.label``): a signal, the
element, the page path and the moment. A detection matches a label of the
same recording when the signal and the page path agree, the element agrees
(for signals whose label names the element the detection reports), and the
times are within ``TIME_TOLERANCE_MS`` (form abandonment is a property of the
session's end, so its label time is not compared). Matching is one-to-one,
nearest in time first. Precision = matched detections / detections; recall =
matched labels / labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from clearsight.demo.expand import Recording

TIME_TOLERANCE_MS = 3_000

SELECTOR_MATCHED = {"rage_click", "dead_click", "error_click", "failed_submit", "form_abandon"}
"""Labels of the other signals name a container (``#term-toggle``, ``#offer-figures``) or no
element at all, while detections name the element clicked or hovered: those match by page
and time only."""

UNTIMED = {"form_abandon"}


@dataclass(frozen=True)
class Detection:
    sid: str
    signal: str
    path: str
    sel: str
    ts: int


@dataclass
class Score:
    signal: str
    detections: int = 0
    labels: int = 0
    matched_detections: int = 0
    matched_labels: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.matched_detections / self.detections if self.detections else None

    @property
    def recall(self) -> float | None:
        return self.matched_labels / self.labels if self.labels else None


def session_ids(rec: Recording) -> set[str]:
    return {msgspec.json.decode(b, type=dict[str, Any])["sid"] for b in rec.batches}


def _compatible(label: dict[str, Any], det: Detection) -> bool:
    if label["signal"] != det.signal or label["url_path"] != det.path:
        return False
    if det.signal in SELECTOR_MATCHED and label["sel"] != det.sel:
        return False
    return det.signal in UNTIMED or abs(int(label["t"]) - det.ts) <= TIME_TOLERANCE_MS


def _match(labels: list[dict[str, Any]], dets: list[Detection]) -> list[tuple[int, int]]:
    pairs = [
        (abs(int(lab["t"]) - det.ts), li, di)
        for li, lab in enumerate(labels)
        for di, det in enumerate(dets)
        if _compatible(lab, det)
    ]
    used_l: set[int] = set()
    used_d: set[int] = set()
    out = []
    for _, li, di in sorted(pairs):
        if li not in used_l and di not in used_d:
            used_l.add(li)
            used_d.add(di)
            out.append((li, di))
    return out


def score(
    recordings: Sequence[Recording], detections: Iterable[Detection], signals: Iterable[str]
) -> dict[str, Score]:
    """Precision and recall per signal over these recordings."""
    scores = {s: Score(s) for s in signals}
    by_sid: dict[str, list[Detection]] = {}
    for det in detections:
        by_sid.setdefault(det.sid, []).append(det)
    for rec in recordings:
        dets = [d for sid in session_ids(rec) for d in by_sid.get(sid, []) if d.signal in scores]
        labels = [lab for lab in rec.labels if lab["signal"] in scores]
        matched = _match(labels, dets)
        hit_l = {li for li, _ in matched}
        hit_d = {di for _, di in matched}
        for li, lab in enumerate(labels):
            sc = scores[lab["signal"]]
            sc.labels += 1
            if li in hit_l:
                sc.matched_labels += 1
            else:
                sc.misses.append(
                    f"{rec.persona} {rec.viewport[0]}px {lab['sel']} {lab['url_path']}"
                )
        for di, det in enumerate(dets):
            sc = scores[det.signal]
            sc.detections += 1
            if di in hit_d:
                sc.matched_detections += 1
            else:
                sc.false_alarms.append(f"{rec.persona} {rec.viewport[0]}px {det.sel} {det.path}")
    return scores
