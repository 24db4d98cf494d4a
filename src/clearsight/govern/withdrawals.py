"""Withdrawal of consent: erase what was recorded in that session, when the project says so.

The capture script stops recording at once, and ingest refuses the
session's later batches (``Ingestor.withdraw``). When the project's rules
set ``erase_on_withdraw``, this worker then erases the session through the
data-subject erasure path (``Subjects.erase_session``): it first stores
what the spool still holds, so no accepted batch can bring the session
back. The decision's visitor id must be the session's, so nobody can erase
another visitor's session by naming its id. Requests are handled a few
seconds after they arrive, several at a time, off the request path.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable

from clearsight.govern.access import Access
from clearsight.govern.subjects import Subjects
from clearsight.privacy.rules import PrivacyRules

log = logging.getLogger("clearsight.consent")
VISITOR = Access(actor="visitor:consent-withdrawal", role="public")
ACTION = "consent.withdraw.erase"


class WithdrawalEraser:
    def __init__(
        self,
        subjects: Subjects,
        rules_of: Callable[[str], PrivacyRules],
        roll_spool: Callable[[], object],
        delay_s: float = 1.0,
    ) -> None:
        self.subjects = subjects
        self.rules_of = rules_of
        self.roll_spool = roll_spool
        self.delay_s = delay_s
        self._queue: queue.Queue[tuple[str, str, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.erased = 0

    def withdrawn(self, project: str, sid: str, vid: str) -> bool:
        """Queue the session for erasure if the project erases on withdrawal."""
        if not sid or not self.rules_of(project).erase_on_withdraw:
            return False
        self._queue.put((project, sid, vid))
        return True

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="withdrawals", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=60)
            self._thread = None

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            if batch[0] is not None:
                time.sleep(self.delay_s)  # gather what arrives meanwhile: one spool roll for all
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self._queue.get_nowait())
            work = [item for item in batch if item is not None]
            try:
                if work:
                    self._erase(work)
            except Exception:
                log.exception("erasing withdrawn sessions failed; they are still stored")
            if None in batch:
                return

    def _erase(self, batch: list[tuple[str, str, str]]) -> None:
        self.roll_spool()
        for project, sid, vid in dict.fromkeys(batch):
            session = self.subjects.store.get_session(sid, (project,))
            if session is None or session.vid != vid:
                continue
            if self.subjects.erase_session(VISITOR, project, sid, ACTION):
                self.erased += 1
