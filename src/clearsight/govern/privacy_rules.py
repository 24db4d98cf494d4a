"""Each project's privacy rules: read through a short cache, changed with an audit entry.

Ingest asks for a project's rules on every batch, so reads are cached for a
few seconds. A change made by this process is seen at once; one made by
another process (the CLI writes the control plane directly) within
``ttl_s``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import msgspec

from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor
from clearsight.privacy.rules import DEFAULT, RULES_KEY, PrivacyRules, check
from clearsight.store.control import ControlPlane


class RuleBook:
    def __init__(self, control: ControlPlane, ttl_s: float = 5.0) -> None:
        self.control = control
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, PrivacyRules]] = {}
        self._lock = threading.Lock()

    def __call__(self, project: str) -> PrivacyRules:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(project)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        rules = self.read(project)
        with self._lock:
            self._cache[project] = (now, rules)
        return rules

    def read(self, project: str) -> PrivacyRules:
        """The stored rules, uncached; the defaults for a project without any."""
        return self.control.settings.get(project, RULES_KEY, PrivacyRules, DEFAULT)

    def change(
        self, access: Access, auditor: Auditor, project: str, rules: PrivacyRules
    ) -> PrivacyRules:
        """Check and store new rules; the audit entry lists what changed, old and new."""
        new = check(rules)
        old = self.read(project)
        changed = diff(old, new)
        if changed:
            self.control.settings.set(project, RULES_KEY, new)
            auditor.record(
                access,
                "privacy.rules",
                f"project:{project}",
                project=project,
                detail={"changed": changed},
            )
        with self._lock:
            self._cache.pop(project, None)
        return new


def diff(old: PrivacyRules, new: PrivacyRules) -> dict[str, Any]:
    before, after = msgspec.to_builtins(old), msgspec.to_builtins(new)
    return {k: [before[k], after[k]] for k in after if before[k] != after[k]}
