"""Retention: replays and analysis rows expire on their own schedules, legal holds excepted.

A run deletes the replay chunks of sessions older than the project's replay
retention and crypto-shreds their replay keys, then deletes every row of
sessions older than the analysis retention and shreds all their keys. Sessions
under a legal hold are skipped and counted. The audit log has its own
retention (default 7 years); purging it leaves a signed checkpoint naming the
first entry kept, so the chain still verifies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clearsight.config import Settings
from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor, checkpoint_message
from clearsight.govern.keys import Keyring
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.store.control.auditlog import Checkpoint
from clearsight.store.control.governance import Policy

DAY_MS = 86_400_000


@dataclass(frozen=True)
class ProjectRun:
    project: str
    replays_purged: int
    sessions_purged: int
    held: int


@dataclass(frozen=True)
class Status:
    project: str
    replay_days: int
    analysis_days: int
    oldest_replay: int | None
    oldest_replay_days: float | None
    compliant: bool
    holds: int
    last_run: int | None


class Retention:
    def __init__(
        self,
        settings: Settings,
        control: ControlPlane,
        store: EventStore,
        keyring: Keyring | None,
        auditor: Auditor,
    ) -> None:
        self.settings = settings
        self.control = control
        self.store = store
        self.keyring = keyring
        self.auditor = auditor

    def policy(self, project: str) -> Policy:
        return self.control.governance.policy(
            project, self.settings.retention_replay_days, self.settings.retention_analysis_days
        )

    def set_policy(self, access: Access, policy: Policy) -> None:
        if policy.replay_days < 1 or policy.analysis_days < policy.replay_days:
            raise ValueError(
                "replay retention must be at least 1 day and analysis retention "
                "at least as long as replay retention"
            )
        old = self.policy(policy.project)
        self.control.governance.set_policy(policy)
        self.auditor.record(
            access,
            "retention.policy",
            f"project:{policy.project}",
            project=policy.project,
            detail={
                "replay_days": [old.replay_days, policy.replay_days],
                "analysis_days": [old.analysis_days, policy.analysis_days],
            },
        )

    def run(
        self,
        access: Access,
        now_ms: int | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> list[ProjectRun]:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        results = []
        for project in self.control.projects():
            policy = self.policy(project.id)
            held = self.control.governance.held_sids(project.id)
            replays = self._purge(
                project.id, now - policy.replay_days * DAY_MS, held, replay_only=True
            )
            sessions = self._purge(
                project.id, now - policy.analysis_days * DAY_MS, held, replay_only=False
            )
            run = ProjectRun(project.id, replays[0], sessions[0], len(replays[1] | sessions[1]))
            self.control.governance.record_run(
                project.id, run.replays_purged, run.sessions_purged, run.held
            )
            self.auditor.record(
                access,
                "retention.run",
                f"project:{project.id}",
                project=project.id,
                detail=run.__dict__,
            )
            if progress:
                progress(
                    f"{project.id}: {run.replays_purged} replays and {run.sessions_purged} "
                    f"sessions purged, {run.held} held"
                )
            results.append(run)
        self._purge_audit(access, now)
        return results

    def _purge(
        self, project: str, cutoff: int, held: set[str], *, replay_only: bool
    ) -> tuple[int, set[str]]:
        expired = self.store.sessions_ended_before(
            project, cutoff, with_replay=replay_only, limit=5_000_000
        )
        doomed = [s for s in expired if s not in held]
        kinds = ("replay",) if replay_only else ("replay", "text")
        for i in range(0, len(doomed), 1000):
            chunk = doomed[i : i + 1000]
            # Shred first: if the delete is interrupted, the bytes are unreadable already.
            if self.keyring is not None:
                self.keyring.shred(project, chunk, kinds)
            self.store.delete_sessions(project, chunk, replay_only=replay_only)
        return len(doomed), set(expired) & held

    def _purge_audit(self, access: Access, now: int) -> None:
        cutoff = now - self.settings.audit_retention_days * DAY_MS
        old = list(self.control.audit.entries(until=cutoff, limit=None))
        if not old:
            return
        last = old[-1]
        # Sign the last purged entry first: verification then starts after it.
        cp = Checkpoint(
            seq=last.seq,
            hash=last.hash,
            ts=now,
            key_id=self.auditor.signer.key_id,
            signature=self.auditor.signer.sign(checkpoint_message(last.seq, last.hash)),
            kind="purge",
        )
        self.control.audit.add_checkpoint(cp)
        removed = self.control.audit.purge_through(last.seq)
        self.auditor.record(
            access, "audit.purge", "audit", detail={"through_seq": last.seq, "entries": removed}
        )

    def status(self, now_ms: int | None = None) -> list[Status]:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        out = []
        for project in self.control.projects():
            policy = self.policy(project.id)
            held = self.control.governance.held_sids(project.id)
            holds = len(held)
            # Held sessions may lawfully outlive the policy, so they do not count here.
            oldest = self.store.oldest_replay(project.id, exclude=sorted(held))
            age = None if oldest is None else (now - oldest) / DAY_MS
            # One day of grace: the scheduled purge runs daily.
            compliant = age is None or age <= policy.replay_days + 1
            out.append(
                Status(
                    project.id,
                    policy.replay_days,
                    policy.analysis_days,
                    oldest,
                    age,
                    compliant,
                    holds,
                    self.control.governance.last_run(project.id),
                )
            )
        return out


def status_json(statuses: list[Status]) -> list[dict[str, Any]]:
    return [s.__dict__ for s in statuses]
