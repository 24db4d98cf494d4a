"""``clearsight serve --workers N``: several server processes on one port.

The parent binds the socket and makes one local CLI credential, then forks the
workers and restarts any that dies. Each worker builds its own runtime with a
stable number, so its spool directory (``spool/wN``) survives restarts and is
replayed by the worker that owns it. Worker 0 alone runs the retention schedule.
Batch ids are claimed in the control plane, so a batch a client retried against
another worker is still stored once.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import time
from types import FrameType

import uvicorn

from clearsight.app import build_runtime, create_app
from clearsight.config import Settings
from clearsight.errors import ConfigError

log = logging.getLogger("clearsight")


def check_shareable(settings: Settings) -> None:
    if not settings.event_store.startswith(("clickhouse://", "clickhouses://")):
        raise ConfigError(
            "several workers need an event store they can share: set event_store to a "
            "ClickHouse server (clickhouse://host:8123/db). DuckDB and chdb:// are "
            "in-process, one process at a time"
        )


def _worker(settings: Settings, index: int, sock: socket.socket, token: str) -> None:
    rt = build_runtime(settings, worker=index)
    app = create_app(rt, local_token=token, schedule=index == 0)
    config = uvicorn.Config(
        app,
        log_level=settings.log_level,
        access_log=settings.access_log,
        server_header=False,
        proxy_headers=settings.trust_forwarded_for,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _spawn(settings: Settings, index: int, sock: socket.socket, token: str) -> int:
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _worker(settings, index, sock, token)
        except BaseException:
            log.exception("worker %d failed", index)
            code = 1
        os._exit(code)
    log.info("worker %d started (pid %d)", index, pid)
    return pid


def run_workers(settings: Settings, count: int) -> int:
    check_shareable(settings)
    sock = socket.create_server((settings.host, settings.port), backlog=2048)
    sock.set_inheritable(True)
    token = "csl_" + secrets.token_urlsafe(32)
    children = {_spawn(settings, i, sock, token): i for i in range(count)}
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("clearsight: %d workers serving on http://%s:%d", count, settings.host, settings.port)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index = children.pop(pid, None)
        if index is not None and not stopping:
            log.error("worker %d exited (status %d); restarting it", index, status)
            time.sleep(1)
            children[_spawn(settings, index, sock, token)] = index
    return 0
