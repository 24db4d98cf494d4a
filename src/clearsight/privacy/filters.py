"""What a privacy filter may answer besides the bytes to keep, and the scrubber as a filter.

A body filter (``ingest.accept.BodyFilter``) returns the batch bytes to keep.
A filter that has more to say returns ``Filtered``: the bytes, the incidents
to store with the batch, or that nothing of the batch is to be stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from clearsight import events as ev
from clearsight.privacy.rules import PrivacyRules
from clearsight.privacy.scrub import scrub
from clearsight.store.accepted import Incident
from clearsight.store.control import Project


@dataclass(frozen=True, slots=True)
class Filtered:
    body: bytes
    incidents: list[Incident] = field(default_factory=list)
    drop: bool = False
    """Store nothing of this batch (outside the sample, or only excluded pages)."""


DROP = Filtered(b"", drop=True)


class ScrubBatch:
    """The server's second line: mask detected PII in the raw bytes, report where."""

    def __init__(self, rules_of: Callable[[str], PrivacyRules] | None = None) -> None:
        self.rules_of = rules_of

    def __call__(self, body: bytes, batch: ev.Batch, project: Project) -> bytes | Filtered:
        allow = self.rules_of(project.id).allowed() if self.rules_of else frozenset()
        result = scrub(body, allow)
        if not result.catches:
            return result.body
        return Filtered(
            result.body,
            [Incident(c.detector, c.where, c.selector, c.url, c.count) for c in result.catches],
        )
