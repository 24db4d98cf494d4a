"""Test helpers: a real clearsight server in a subprocess, and synthetic batches."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clearsight", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def create_token(data_dir: Path, role: str = "admin", *scope_flags: str) -> str:
    """An API token made through the CLI, as an operator would."""
    out = cli(
        "tokens",
        "create",
        "--role",
        role,
        "--name",
        f"test-{role}",
        *scope_flags,
        data_dir=data_dir,
    ).stdout
    return out.strip().splitlines()[-1]


def create_user(data_dir: Path, name: str, role: str, password: str = "correct-horse-42") -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "clearsight",
            "users",
            "create",
            name,
            "--role",
            role,
            "--data-dir",
            str(data_dir),
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def log_in(page: Page, url: str, user: str, password: str) -> None:
    """Sign in through the login form at ``url``, as a person does, and wait for
    the dashboard it leads to."""
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def create_project(data_dir: Path, project_id: str, *origins: str) -> str:
    """Create a project through the CLI and return its key."""
    flags = [a for o in origins for a in ("--origin", o)]
    out = cli("projects", "create", project_id, *flags, data_dir=data_dir).stdout
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("key: "))


@dataclass
class Server:
    """``clearsight serve`` (or ``demo``) on a free loopback port."""

    data_dir: Path
    command: Sequence[str] = ("serve",)
    env: dict[str, str] = field(default_factory=dict)
    token: str = ""
    """Sent as a bearer token by get/post when set."""
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 60.0) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "clearsight",
                *self.command,
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=os.environ | self.env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not come up:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def _auth(self, kw: dict[str, Any]) -> dict[str, Any]:
        if self.token:
            kw["headers"] = {"Authorization": f"Bearer {self.token}"} | kw.get("headers", {})
        return kw

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **self._auth(kw))

    def post(self, path: str, content: bytes, **kw: Any) -> httpx.Response:
        return httpx.post(self.url + path, content=content, timeout=30, **self._auth(kw))

    def open_replay(self, sid: str, purpose: str = "ux-research", reference: str = "") -> None:
        """State a purpose, as every caller must before reading a replay."""
        r = self.post(
            f"/api/v1/sessions/{sid}/purpose", encode({"purpose": purpose, "reference": reference})
        )
        assert r.status_code == 200, r.text

    def replay(self, sid: str, what: str = "events") -> Any:
        self.open_replay(sid)
        r = self.get(f"/api/v1/sessions/{sid}/{what}")
        assert r.status_code == 200, r.text
        return r.json()

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, self.url + path, timeout=60, **self._auth(kw))


def batch(
    key: str,
    *,
    sid: str | None = None,
    seq: int = 0,
    bid: str | None = None,
    ts: int = 1_767_000_000_000,
    consent: str = "granted",
    url: str = "https://apply.bank.test/",
    n_clicks: int = 1,
    rrweb: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid, synthetic batch as a dict; tests mutate it to make it invalid."""
    sid = sid or str(uuid.uuid4())
    events: list[dict[str, Any]] = [
        {
            "t": "pageview",
            "ts": ts,
            "pv": "pv1",
            "url": url,
            "title": "Apply",
            "vw": 1440,
            "vh": 900,
            "dh": 2400,
        },
    ]
    events += [
        {
            "t": "click",
            "ts": ts + 100 * (i + 1),
            "pv": "pv1",
            "url": url,
            "sel": "#apply",
            "tag": "button",
            "rect": [100, 200, 120, 40],
            "rx": 0.5,
            "ry": 0.5,
            "x": 160,
            "y": 220,
            "vw": 1440,
            "vh": 900,
            "dh": 2400,
            "inter": True,
            "fx": {"nav": True},
        }
        for i in range(n_clicks)
    ]
    if rrweb is None:
        rrweb = [
            {"type": 4, "data": {"href": url, "width": 1440, "height": 900}, "timestamp": ts},
            {
                "type": 2,
                "data": {
                    "node": {"type": 0, "childNodes": [], "id": 1},
                    "initialOffset": {"left": 0, "top": 0},
                },
                "timestamp": ts + 1,
            },
        ]
    return {
        "v": 1,
        "key": key,
        "sid": sid,
        "vid": "visitor-1",
        "seq": seq,
        "bid": bid or str(uuid.uuid4()),
        "sent": ts + 1000,
        "consent": {"state": consent, "policy": "2026-01"},
        "rrweb": rrweb,
        "events": events,
    } | extra


def snapshot_events(
    ts: int, heading: str, url: str = "https://apply.bank.test/"
) -> list[dict[str, Any]]:
    """rrweb meta + full snapshot of a tiny page whose <h1> says ``heading``."""
    text = {"type": 3, "textContent": heading, "id": 6}
    h1 = {"type": 2, "tagName": "h1", "attributes": {"id": "title"}, "childNodes": [text], "id": 5}
    body = {"type": 2, "tagName": "body", "attributes": {}, "childNodes": [h1], "id": 4}
    head = {"type": 2, "tagName": "head", "attributes": {}, "childNodes": [], "id": 3}
    html = {"type": 2, "tagName": "html", "attributes": {}, "childNodes": [head, body], "id": 2}
    doc = {"type": 0, "childNodes": [html], "id": 1}
    return [
        {"type": 4, "data": {"href": url, "width": 1024, "height": 768}, "timestamp": ts},
        {
            "type": 2,
            "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}},
            "timestamp": ts + 1,
        },
        {
            "type": 3,
            "data": {"source": 1, "positions": [{"x": 10, "y": 10, "id": 5, "timeOffset": 0}]},
            "timestamp": ts + 3000,
        },
    ]


def encode(data: Any) -> bytes:
    return msgspec.json.encode(data)
