"""The privacy engine's long-lived parts in a running server, started and stopped together.

- ``rules``: each project's privacy rules (capture rules, tokenized fields,
  erasure on withdrawal), cached for ingest;
- ``consent``: the consent ledger's figures (decisions and refused batches per day);
- ``refusals``: persists ingest's refused-batch counters;
- ``withdrawals``: erases withdrawn sessions when the project says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from clearsight.events import ConsentDecision
from clearsight.govern.consent_refusals import RefusalRecorder
from clearsight.govern.privacy_rules import RuleBook
from clearsight.govern.subjects import Subjects
from clearsight.govern.withdrawals import WithdrawalEraser
from clearsight.ingest.accept import Ingestor
from clearsight.privacy.rules import capture_config
from clearsight.spool.service import Spool
from clearsight.store.control import ControlPlane, Project
from clearsight.store.control.consent import DAY_MS, ConsentFigures


@dataclass
class PrivacyParts:
    rules: RuleBook
    consent: ConsentFigures
    refusals: RefusalRecorder
    withdrawals: WithdrawalEraser
    ingestor: Ingestor

    @classmethod
    def build(
        cls,
        control: ControlPlane,
        rules: RuleBook,
        ingestor: Ingestor,
        subjects: Subjects,
        spool: Spool,
    ) -> PrivacyParts:
        consent = ConsentFigures(control.engine)
        return cls(
            rules,
            consent,
            RefusalRecorder(ingestor.stats.refused_consent, consent),
            WithdrawalEraser(subjects, rules, spool.roll),
            ingestor,
        )

    def start(self) -> None:
        # Sessions whose consent ended recently stay refused across a restart.
        for sid in self.consent.ended_sessions(int(time.time() * 1000) - DAY_MS):
            self.ingestor.consented(sid, False)
        self.refusals.start()
        self.withdrawals.start()

    def stop(self) -> None:
        self.withdrawals.stop()
        self.refusals.stop()

    def capture_config(self, project: Project) -> dict[str, Any]:
        """``GET /api/v1/capture-config``: the project's rules for the capture script."""
        return capture_config(self.rules(project.id))

    def decided(self, project: Project, decision: ConsentDecision) -> None:
        """A consent decision was filed (``POST /api/v1/consent``)."""
        if decision.state == "withdrawn":
            self.withdrawals.withdrawn(project.id, decision.sid, decision.vid)
