"""The tamper-evident audit log: who read or changed what, when, why, and whether it was allowed.

Each entry's hash covers the previous entry's hash and the entry's own fields
(canonical JSON), so editing, deleting or reordering any row breaks the chain
from there on. Every ``checkpoint_every`` entries, and on demand, the head is
signed with an Ed25519 key kept outside the database; a signed checkpoint
also catches a rewritten tail. ``verify`` walks the whole log and names the
first entry where anything is wrong.

Session ids never appear in the log: objects that name a session carry a
keyed hash of it (``session_ref``), so erasing a session leaves no identifier
behind while "who viewed this session" stays answerable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from clearsight.govern.access import Access
from clearsight.govern.signing import Signer, Verifier
from clearsight.store.control import ControlPlane
from clearsight.store.control.auditlog import GENESIS, AuditEntry, Checkpoint

_canonical = msgspec.json.Encoder(order="sorted")
_FIELDS = (
    "seq",
    "ts",
    "actor",
    "role",
    "action",
    "object",
    "project",
    "purpose",
    "reference",
    "client_ip",
    "result",
    "detail",
)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = _canonical.encode({k: fields[k] for k in _FIELDS})
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def checkpoint_message(seq: int, digest: str) -> bytes:
    return f"clearsight-audit-checkpoint:{seq}:{digest}".encode()


def _pepper(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32))
    return path.read_bytes()


@dataclass
class Problem:
    seq: int
    what: str


@dataclass
class VerifyReport:
    entries: int
    checkpoints: int
    head_seq: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Auditor:
    def __init__(
        self, control: ControlPlane, keys_dir: Path, *, checkpoint_every: int = 100
    ) -> None:
        self.control = control
        self.log = control.audit
        self.signer = Signer(keys_dir / "audit-signing.key")
        self._pepper = _pepper(keys_dir / "audit-pepper")
        self.checkpoint_every = max(1, checkpoint_every)

    def session_ref(self, sid: str) -> str:
        """The audit log's name for a session: a keyed hash, never the id itself."""
        return "session:" + hmac.new(self._pepper, sid.encode(), hashlib.sha256).hexdigest()[:32]

    def subject_ref(self, token: str) -> str:
        return "subject:" + hmac.new(self._pepper, token.encode(), hashlib.sha256).hexdigest()[:32]

    def record(
        self,
        access: Access,
        action: str,
        obj: str = "",
        *,
        project: str = "",
        purpose: str = "",
        reference: str = "",
        ip: str = "",
        allowed: bool = True,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = self.log.append(
            {
                "ts": int(time.time() * 1000),
                "actor": access.actor,
                "role": access.role,
                "action": action,
                "object": obj[:256],
                "project": project,
                "purpose": purpose,
                "reference": reference[:200],
                "client_ip": ip,
                "result": "allowed" if allowed else "denied",
                "detail": _canonical.encode(detail or {}).decode(),
            },
            entry_hash,
        )
        if entry.seq % self.checkpoint_every == 0:
            self.checkpoint("periodic")
        return entry

    def checkpoint(self, kind: str = "manual") -> Checkpoint | None:
        seq, digest = self.log.head()
        if seq == 0:
            return None
        cp = Checkpoint(
            seq=seq,
            hash=digest,
            ts=int(time.time() * 1000),
            key_id=self.signer.key_id,
            signature=self.signer.sign(checkpoint_message(seq, digest)),
            kind=kind,
        )
        self.log.add_checkpoint(cp)
        return cp

    def verify(self, verifier: Verifier | None = None) -> VerifyReport:
        return verify_log(self.control, verifier or self.signer)


def verify_log(control: ControlPlane, verifier: Verifier) -> VerifyReport:
    log = control.audit
    checkpoints = log.checkpoints()
    head_seq, head_hash = log.head()
    report = VerifyReport(entries=0, checkpoints=len(checkpoints), head_seq=head_seq)
    hashes = _walk_chain(log.entries(), checkpoints, report)
    for cp in checkpoints:
        if not verifier.verify(cp.signature, checkpoint_message(cp.seq, cp.hash)):
            report.problems.append(
                Problem(
                    cp.seq, "checkpoint signature is invalid (forged, or signed by another key)"
                )
            )
        elif cp.seq in hashes and hashes[cp.seq] != cp.hash:
            report.problems.append(Problem(cp.seq, "entry differs from its signed checkpoint"))
        elif cp.kind != "purge" and cp.seq not in hashes and cp.seq > _first(hashes):
            report.problems.append(Problem(cp.seq, "signed entry is missing: deleted"))
    last = max(hashes, default=_first_kept(checkpoints))
    if last < head_seq or (last == head_seq and hashes and hashes[last] != head_hash):
        report.problems.append(
            Problem(
                last + 1,
                f"entries {last + 1}..{head_seq} are missing at the end of the log: deleted",
            )
        )
    report.problems.sort(key=lambda p: p.seq)
    return report


def _first(hashes: dict[int, str]) -> int:
    return min(hashes, default=0)


def _first_kept(checkpoints: list[Checkpoint]) -> int:
    purges = [cp.seq for cp in checkpoints if cp.kind == "purge"]
    return max(purges, default=0)


def _walk_chain(
    entries: Any, checkpoints: list[Checkpoint], report: VerifyReport
) -> dict[int, str]:
    """Check every link; return seq → stored hash of the entries present."""
    purge = max((cp for cp in checkpoints if cp.kind == "purge"), key=lambda c: c.seq, default=None)
    expected_seq = purge.seq + 1 if purge else 1
    prev = purge.hash if purge else GENESIS
    hashes: dict[int, str] = {}
    for e in entries:
        report.entries += 1
        fields = {k: getattr(e, k) for k in _FIELDS}
        if e.seq != expected_seq:
            what = (
                f"entries {expected_seq}..{e.seq - 1} are missing: deleted"
                if e.seq > expected_seq
                else "entry is out of order: reordered"
            )
            report.problems.append(Problem(min(e.seq, expected_seq), what))
        elif e.prev_hash != prev:
            report.problems.append(
                Problem(
                    e.seq, "does not follow the entry before it: an entry was deleted or reordered"
                )
            )
        if entry_hash(e.prev_hash, fields) != e.hash:
            report.problems.append(Problem(e.seq, "content does not match its hash: edited"))
        hashes[e.seq] = e.hash
        prev = e.hash
        expected_seq = e.seq + 1
    return hashes
