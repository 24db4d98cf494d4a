"""Prints the size of the browser bundles, raw and gzipped (level 9).

The capture script is downloaded by every visitor of the customer's site, so
it has a budget: 30 KB gzipped. The survey widget (loaded only on pages a
survey targets) and the replay player (only loaded by people using the
clearsight UI) are reported for information.

Usage: python3 bench/bundle_size.py   (after `npm run build` in capture/)
Exits 1 only when a bundle is missing; an over-budget capture.js is
reported, not failed, so the figure can still be recorded.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "src" / "clearsight" / "web" / "static"
BUDGET = 30 * 1024  # bytes, gzipped, for capture.js


def sizes(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, compresslevel=9, mtime=0))


def main() -> int:
    missing = False
    for name in ("capture.js", "capture-survey.js", "player.js"):
        path = STATIC / name
        if not path.is_file():
            print(f"{name}: missing ({path}); run `npm run build` in capture/")
            missing = True
            continue
        raw, gz = sizes(path)
        line = f"{name}: {raw:,} bytes raw, {gz:,} bytes gzipped ({gz / 1024:.1f} KB)"
        if name == "capture.js":
            verdict = "met" if gz <= BUDGET else "NOT met"
            line += f"; target <= {BUDGET / 1024:.0f} KB gzipped: {verdict}"
        print(line)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
