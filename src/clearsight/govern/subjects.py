"""Data-subject requests: find, export and erase a person's sessions.

A person is found by the customer id the site passed to ``identify()``. The
server only ever stored its keyed token, so the id given here is tokenized
the same way. Both export and erasure are written to the audit log and
produce a receipt. The receipt names the subject by a keyed hash, never by
id or token, because after an erasure the token must appear nowhere.

Erasure first stores everything the spool holds and retires its segments
(so no raw batch of the person is left there, and none can bring a session
back), then crypto-shreds the sessions' data keys (from then on their sealed
bytes are unreadable), deletes every row, and rewrites the event store so no
freed block keeps old bytes. Batches that arrive for the person after the
request starts are not covered: erase once their sessions have ended.
Sessions under a legal hold are not erased; the receipt counts them.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import msgspec

from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor
from clearsight.govern.keys import Keyring
from clearsight.privacy.secrets import project_secret
from clearsight.privacy.tokenize import tokenize
from clearsight.store import chunks
from clearsight.store.base import EventStore, SessionFilter, SessionSummary
from clearsight.store.control import ControlPlane

_json = msgspec.json.Encoder()
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
_bundle = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True
).get_template("replay_bundle.html")

ErasureHook = Callable[[str, str], int]
"""(project, token) → rows removed elsewhere (e.g. imported segment attributes)."""


@dataclass
class Receipt:
    kind: str
    request_id: str
    project: str
    subject: str
    """Keyed hash of the subject: lets the audit log and the receipt be matched."""
    sessions: int
    held: int
    at: int
    actor: str
    files: dict[str, str] = field(default_factory=dict)
    """File name → SHA-256, for exports."""
    removed: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return msgspec.json.format(_json.encode(self.__dict__))


class Subjects:
    def __init__(
        self,
        control: ControlPlane,
        store: EventStore,
        sealer: chunks.ChunkSealer,
        keyring: Keyring | None,
        auditor: Auditor,
        keys_dir: Path,
        compact: Callable[[], None],
        erasure_hooks: list[ErasureHook] | None = None,
    ) -> None:
        self.control = control
        self.store = store
        self.sealer = sealer
        self.keyring = keyring
        self.auditor = auditor
        self.keys_dir = keys_dir
        self.compact = compact
        self.erasure_hooks = erasure_hooks or []

    def token(self, project: str, customer_id: str) -> str:
        if self.control.project(project) is None:
            raise ValueError(f"no project {project!r}")
        return tokenize(project_secret(self.keys_dir, project), customer_id.strip())

    def find(self, access: Access, project: str, customer_id: str) -> list[SessionSummary]:
        token = self.token(project, customer_id)
        sids = tuple(self.store.sessions_of_user(project, token))
        page = self.store.list_sessions(
            access.sessions(SessionFilter(projects=(project,), sids=sids, per_page=500))
        )
        self.auditor.record(
            access,
            "subjects.find",
            self.auditor.subject_ref(token),
            project=project,
            detail={"sessions": len(page.items)},
        )
        return page.items

    def export(self, access: Access, project: str, customer_id: str, out_dir: Path) -> Receipt:
        sessions = self.find(access, project, customer_id)
        token = self.token(project, customer_id)
        out_dir.mkdir(parents=True, exist_ok=True)
        receipt = self._receipt("export", access, project, token, len(sessions), 0)
        document: dict[str, Any] = {"project": project, "exported_at": receipt.at, "sessions": []}
        for n, session in enumerate(sessions, 1):
            events = self._replay(session)
            name = f"replay-{n:03d}.html"
            _write(out_dir / name, replay_html(session, events), receipt)
            document["sessions"].append(self._session_doc(session, name))
        vids = sorted({s.vid for s in sessions})
        document["consent_decisions"] = self.control.consent_decisions_of(project, vids)
        _write(out_dir / "export.json", msgspec.json.format(_json.encode(document)), receipt)
        self.auditor.record(
            access,
            "subjects.export",
            receipt.subject,
            project=project,
            detail={
                "request": receipt.request_id,
                "sessions": len(sessions),
                "files": receipt.files,
            },
        )
        (out_dir / "receipt.json").write_bytes(receipt.to_json())
        return receipt

    def erase(
        self,
        access: Access,
        project: str,
        customer_id: str,
        roll_spool: Callable[[], object] | None = None,
    ) -> Receipt:
        token = self.token(project, customer_id)
        if roll_spool is not None:
            # Everything already accepted must be stored before we delete, or a batch
            # still in the spool would bring the session back; the roll also retires
            # the segments that hold the person's raw batches.
            roll_spool()
        sids = self.store.sessions_of_user(project, token)
        held = self.control.governance.held_sids(project)
        doomed = [s for s in sids if s not in held]
        vids = (
            sorted(
                {
                    s.vid
                    for s in self.store.list_sessions(
                        SessionFilter(projects=(project,), sids=tuple(doomed), per_page=500)
                    ).items
                }
            )
            if doomed
            else []
        )
        receipt = self._receipt(
            "erase", access, project, token, len(doomed), len(sids) - len(doomed)
        )
        receipt.removed.update(self.remove_sessions(project, doomed))
        receipt.removed["consent_decisions"] = self.control.forget_visitors(project, vids)
        for hook in self.erasure_hooks:
            receipt.removed[getattr(hook, "__name__", "hook")] = hook(project, token)
        self.compact()
        self.auditor.record(
            access,
            "subjects.erase",
            receipt.subject,
            project=project,
            detail={
                "request": receipt.request_id,
                "sessions": len(doomed),
                "held": receipt.held,
                "removed": receipt.removed,
            },
        )
        return receipt

    def remove_sessions(self, project: str, sids: list[str]) -> dict[str, int]:
        """Crypto-shred the sessions' keys, delete every row, drop replay grants:
        the erasure itself, shared by data-subject requests and withdrawals."""
        removed = {}
        if self.keyring is not None and sids:
            # Shred first: if the delete is interrupted, the bytes are unreadable already.
            removed["data_keys"] = self.keyring.shred(project, sids)
        removed["sessions"] = self.store.delete_sessions(project, sids, replay_only=False)
        self.control.governance.drop_grants(sids)
        return removed

    def erase_session(self, access: Access, project: str, sid: str, action: str) -> bool:
        """Erase one session (its visitor withdrew consent), unless it is under a
        legal hold. Audited either way under ``action``. The event store is not
        compacted here (a data-subject erasure does that): sealed bytes are
        unreadable once the keys are shredded."""
        held = sid in self.control.governance.held_sids(project)
        removed = {} if held else self.remove_sessions(project, [sid])
        self.auditor.record(
            access,
            action,
            self.auditor.session_ref(sid),
            project=project,
            detail={"held": held, "removed": removed},
        )
        return not held

    def _receipt(
        self, kind: str, access: Access, project: str, token: str, sessions: int, held: int
    ) -> Receipt:
        return Receipt(
            kind=kind,
            request_id=f"dsr-{secrets.token_hex(6)}",
            project=project,
            subject=self.auditor.subject_ref(token),
            sessions=sessions,
            held=held,
            at=int(time.time() * 1000),
            actor=access.actor,
        )

    def _replay(self, session: SessionSummary) -> bytes:
        stored = self.store.replay_chunks(session.project, session.sid)
        try:
            return chunks.join_arrays(
                [
                    chunks.open_chunk(self.sealer, session.project, session.sid, c.codec, c.data)
                    for c in stored
                ]
            )
        except KeyError:
            return b"[]"

    def _session_doc(self, session: SessionSummary, replay_file: str) -> dict[str, Any]:
        rows = {
            t: tbl.to_pylist()
            for t, tbl in self.store.session_rows(session.project, session.sid).items()
        }
        for row in rows.get("errors", []):
            row["msg"] = self.sealer.open_text(session.project, session.sid, row["msg"])
        for row in rows.get("custom_events", []):
            row["props"] = self.sealer.open_text(session.project, session.sid, row["props"])
        for row in rows.get("survey_answers", []):
            row["answer"] = self.sealer.open_text(session.project, session.sid, row["answer"])
        return {"summary": msgspec.structs.asdict(session), "replay": replay_file, "rows": rows}


def _write(path: Path, data: bytes, receipt: Receipt) -> None:
    path.write_bytes(data)
    receipt.files[path.name] = hashlib.sha256(data).hexdigest()


def replay_html(session: SessionSummary, events: bytes) -> bytes:
    """One self-contained page: the replayer, its styles and the events, no network needed."""
    asset = {
        n: (STATIC / n).read_text() if (STATIC / n).exists() else ""
        for n in ("player.js", "player.css")
    }
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime(session.started_at / 1000))
    page = _bundle.render(
        title=f"Session of {started} UTC",
        player=asset["player.js"],
        css=asset["player.css"],
        events=events.decode().replace("</", "<\\/"),
    )
    return page.encode()
