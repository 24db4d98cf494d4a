"""The control plane's one clock, so tests and code agree on "now"."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
