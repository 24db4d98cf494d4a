"""Per-project tokenization secrets, one file each under the keys directory.

The secret keys ``tokenize``: the same customer id gives the same token within
a project, and nobody without the file can compute or reverse it. It lives
outside the databases, next to the other keys.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_SAFE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def project_secret(keys_dir: Path, project: str) -> bytes:
    if not _SAFE.match(project):
        raise ValueError(f"not a project id: {project!r}")
    path = keys_dir / "tokenize" / f"{project}.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()  # another process made it first
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32))
    return path.read_bytes()
