"""Whether the scanner's walk runs compiled, and why not when it does not.

The walk (``scan.walk``) has a compiled twin, ``_walk``, built at install
time when a C++ compiler and RE2's headers are present. Both take the same
steps; the Python one is the reference the tests hold the compiled one to.
``CLEARSIGHT_COMPILED_SCAN=off`` runs the Python walk even when the
extension is there (to compare, or to rule it out).
"""

from __future__ import annotations

import os
from types import ModuleType

ENV = "CLEARSIGHT_COMPILED_SCAN"
WHY_NOT = ""
"""Why the compiled walk is not in use, once ``load`` has returned None."""


def load() -> ModuleType | None:
    """The compiled walk module, or None (and ``WHY_NOT`` says why)."""
    global WHY_NOT
    if os.environ.get(ENV, "on").strip().lower() in {"off", "0", "false", "no"}:
        WHY_NOT = f"{ENV} is off"
        return None
    try:
        from clearsight.privacy import _walk
    except ImportError as exc:
        WHY_NOT = f"the extension was not built ({exc}); install g++ and libre2-dev, then reinstall"
        return None
    return _walk


def describe(module: ModuleType | None) -> str:
    """One line for the server's log."""
    if module is not None:
        return "privacy scanner: compiled walk"
    return f"privacy scanner: pure-Python walk, several times slower: {WHY_NOT}"
