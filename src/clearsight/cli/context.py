"""How commands reach clearsight's data.

Control-plane commands (users, tokens, audit, keys) open the control plane
directly; SQLite and PostgreSQL both allow that beside a running server.
Commands that need the event store run in-process when no server holds it,
and otherwise ask the running server through its API, authenticated by the
local token the server writes into the keys directory. Either way the same
code does the work and the audit log records the same entry.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import msgspec

from clearsight.app import Runtime, build_runtime
from clearsight.cli.common import settings_from
from clearsight.config import Settings
from clearsight.errors import ClearsightError
from clearsight.govern.access import Access
from clearsight.govern.accounts import AccountService
from clearsight.govern.audit import Auditor
from clearsight.store.control import ControlPlane

T = TypeVar("T")


def cli_actor() -> Access:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Access(actor=f"cli:{who}", role="admin")


@dataclass
class ControlContext:
    settings: Settings
    control: ControlPlane
    auditor: Auditor
    accounts: AccountService
    actor: Access


@contextmanager
def control_context(args: argparse.Namespace) -> Iterator[ControlContext]:
    settings = settings_from(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    control = ControlPlane(settings.control_url)
    try:
        yield ControlContext(
            settings,
            control,
            Auditor(control, settings.keys_path, checkpoint_every=settings.audit_checkpoint_every),
            AccountService(control),
            cli_actor(),
        )
    finally:
        control.close()


class Remote:
    """The running server's API, as the local CLI."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {
            "Authorization": f"Bearer {token}",
            "X-Clearsight-OS-User": cli_actor().actor[4:],
        }

    @classmethod
    def if_running(cls, settings: Settings) -> Remote | None:
        """The server that holds this data directory, if it is up (its credential says where)."""
        path = settings.keys_path / "local-cli.json"
        if not path.exists():
            return None
        try:
            found = msgspec.json.decode(path.read_bytes())
            base, token = str(found["url"]), str(found["token"])
        except OSError:
            raise ClearsightError(
                f"a server seems to hold this data directory, but its CLI credential ({path}) "
                "cannot be read: run this as the server's user"
            ) from None
        except (msgspec.DecodeError, KeyError, TypeError):
            return None
        try:
            if httpx.get(base + "/healthz", timeout=3).status_code != 200:
                return None
        except httpx.HTTPError:
            return None  # a stale credential from a server that is gone
        return cls(base, token)

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            r = httpx.request(method, self.base + path, headers=self.headers, timeout=3600, **kw)
        except httpx.HTTPError as exc:
            raise ClearsightError(f"the server at {self.base} stopped answering ({exc})") from None
        _check(r)
        return r

    def lines(self, method: str, path: str, **kw: Any) -> Iterator[Any]:
        """A streamed answer, one JSON value per line (long jobs report progress so)."""
        try:
            with httpx.stream(
                method, self.base + path, headers=self.headers, timeout=3600, **kw
            ) as r:
                if r.status_code >= 400:
                    r.read()
                    _check(r)
                for line in r.iter_lines():
                    if line.strip():
                        yield msgspec.json.decode(line)
        except httpx.HTTPError as exc:
            raise ClearsightError(f"the server at {self.base} stopped answering ({exc})") from None


def _check(r: httpx.Response) -> None:
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail", r.text)
        except ValueError:
            detail = r.text
        raise ClearsightError(f"the server refused: {detail}")


def with_store(
    args: argparse.Namespace, local: Callable[[Runtime], T], remote: Callable[[Remote], T]
) -> T:
    """Run ``local`` in-process, or ``remote`` through the server that holds the store."""
    settings = settings_from(args)
    running = Remote.if_running(settings)
    if running is not None:
        return remote(running)
    rt = build_runtime(settings)
    rt.start()
    try:
        return local(rt)
    finally:
        rt.close()
