"""Record the demo's sessions: real headless Chromium, driven through the demo site by personas.

    python -m clearsight.demo.generate [--out DIR] [--personas a,b] [--viewports mobile,tablet]
                                       [--eval] [--parallel N] [--seed N]

No clearsight server is needed: the site, /capture.js and the API are answered
by request interception on a fake origin (see ``origin.py``). Each session's
ingest bodies are written, as sent, to ``sessions.jsonl.zst`` with the
persona's ground-truth labels, next to a small ``manifest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import zstandard
from faker import Faker
from playwright.async_api import Browser, BrowserContext, async_playwright

from clearsight.demo import verify
from clearsight.demo.catcher import UnloadCatcher
from clearsight.demo.flows import make_applicant
from clearsight.demo.origin import CAPTURE_JS, ORIGIN, FakeOrigin
from clearsight.demo.personas import PERSONAS, Persona
from clearsight.demo.visitor import VIEWPORTS, Viewport, Visitor

RECORDINGS = Path(__file__).resolve().parent / "recordings"
OUTPUT = "sessions.jsonl.zst"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SESSION_TIMEOUT_S = 300
SETTLE_QUIET_S = 0.8
SETTLE_LIMIT_S = 6.0
# Plausible user agents per device class, so recordings don't say "HeadlessChrome".
USER_AGENTS = {
    "mobile": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36",
    "tablet": "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
}


@dataclass(frozen=True)
class Job:
    index: int
    persona: Persona
    viewport: Viewport
    split: str
    seed: int


@dataclass
class Result:
    job: Job
    labels: list[dict[str, Any]]
    batches: list[bytes]
    duplicates: int
    consents: list[bytes]
    typed: list[tuple[str, str]]
    page_errors: list[str]
    seconds: float
    error: str = ""
    problems: list[str] = field(default_factory=list)


def plan(personas: list[str], viewports: list[str], with_eval: bool, seed: int) -> list[Job]:
    """Every persona at every viewport (the consent decliner once), tune then eval runs."""
    jobs: list[Job] = []
    splits = [("tune", 1)] + ([("eval", 2)] if with_eval else [])
    for split, repeats in splits:
        for name in personas:
            persona = PERSONAS[name]
            vps = viewports if persona.every_viewport else viewports[:1]
            for vp in vps:
                for rep in range(repeats):
                    key = f"{seed}/{split}/{rep}/{name}/{vp}".encode()
                    job_seed = int.from_bytes(hashlib.sha256(key).digest()[:6], "big")
                    jobs.append(Job(len(jobs), persona, VIEWPORTS[vp], split, job_seed))
    return jobs


async def settle(origin: FakeOrigin, catcher: UnloadCatcher, sids: set[str]) -> None:
    """Wait until the session's last requests (unload beacons included) stop arriving."""
    start = time.monotonic()
    while time.monotonic() - start < SETTLE_LIMIT_S:
        last = max(origin.traffic.last_ingest_at, catcher.last_at(sids), start)
        if time.monotonic() - last >= SETTLE_QUIET_S:
            return
        await asyncio.sleep(0.1)


async def _context(browser: Browser, vp: Viewport) -> BrowserContext:
    return await browser.new_context(
        viewport={"width": vp.width, "height": vp.height},
        is_mobile=vp.mobile,
        has_touch=vp.mobile,
        user_agent=USER_AGENTS[vp.name].format(v=browser.version.split(".")[0]),
        locale="en-US",
        timezone_id="America/New_York",
    )


async def run_job(browser: Browser, catcher: UnloadCatcher, job: Job, capture_js: bytes) -> Result:
    """One persona in one fresh browser context; everything it sent, in order."""
    context = await _context(browser, job.viewport)
    origin = FakeOrigin(capture_js)
    await origin.install(context)
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    rng = random.Random(job.seed)
    fake = Faker("en_US")
    fake.seed_instance(job.seed)
    visitor = Visitor(page, job.viewport, rng, fake, speed=job.persona.speed)
    visitor.mouse = (rng.uniform(0, job.viewport.width), rng.uniform(0, job.viewport.height / 2))
    start = time.monotonic()
    error = ""
    try:
        run = job.persona.run(visitor, make_applicant(fake, rng))
        await asyncio.wait_for(run, SESSION_TIMEOUT_S)
    except Exception as exc:  # reported per session; the run goes on
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300] + _where(exc)
    finally:
        await settle(origin, catcher, visitor.sids | origin.traffic.sids)
        await context.close()
    sids = (visitor.sids | origin.traffic.sids) - {""}
    batches, duplicates = verify.order_batches(origin.traffic.ingest + catcher.take(sids))
    seconds = time.monotonic() - start
    return Result(
        job, visitor.labels, batches, duplicates, origin.traffic.consent, visitor.typed,
        page_errors, seconds, error,
    )  # fmt: skip


def _where(exc: BaseException) -> str:
    """The innermost demo source lines of a failure: which persona step broke."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if "/clearsight/demo/" in f.filename
    ]
    where = " > ".join(f"{Path(f.filename).stem}:{f.lineno}" for f in frames[-3:])
    return f" (at {where})" if frames else ""


def check(result: Result) -> list[str]:
    """What is wrong with a finished session, given what its persona promised."""
    if result.error:
        return [result.error]
    found: list[str] = []
    # The site's only deliberate script error is the bank-verification button.
    expected_errors = sum(label["signal"] == "error_click" for label in result.labels)
    if len(result.page_errors) != expected_errors:
        found.append(f"unexpected page errors: {result.page_errors}")
    if result.job.persona.consent:
        return found + verify.problems(result.batches)
    if result.batches:
        found.append(f"{len(result.batches)} batches sent after consent was declined")
    if not any(json.loads(c).get("state") == "denied" for c in result.consents):
        found.append("the declined consent never reached the ledger endpoint")
    return found


def progress(done: int, total: int, r: Result) -> None:
    j = r.job
    size = sum(len(b) for b in r.batches)
    counts = verify.event_counts(r.batches)
    status = "ok" if not r.problems else "FAILED: " + "; ".join(r.problems)
    print(
        f"[{done:>3}/{total}] {j.persona.name:<16} {j.viewport.name:<7} {j.split:<4} "
        f"{r.seconds:5.1f}s  {len(r.batches):>3} batches {size / 1024:7.1f} KiB  "
        f"pv={counts.get('pageview', 0)} clicks={counts.get('click', 0)} "
        f"labels={len(r.labels)}{f' dup={r.duplicates}' if r.duplicates else ''}  {status}",
        flush=True,
    )


async def run_all(
    jobs: list[Job], parallel: int, capture_js: bytes, catcher: UnloadCatcher
) -> list[Result]:
    results: list[Result] = []
    gate = asyncio.Semaphore(parallel)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS + catcher.chromium_args()
        )

        async def one(job: Job) -> None:
            async with gate:
                result = await run_job(browser, catcher, job, capture_js)
                result.problems = check(result)
                if result.problems and not result.error.startswith("TimeoutError"):
                    # One retry: a flaky animation frame shouldn't lose a persona.
                    retry = await run_job(browser, catcher, job, capture_js)
                    retry.problems = check(retry)
                    if not retry.problems:
                        result = retry
                results.append(result)
                progress(len(results), len(jobs), result)

        await asyncio.gather(*(one(j) for j in jobs))
        await browser.close()
    return sorted(results, key=lambda r: r.job.index)


def record(r: Result) -> dict[str, Any]:
    return {
        "persona": r.job.persona.name,
        "viewport": [r.job.viewport.width, r.job.viewport.height],
        "split": r.job.split,
        "labels": r.labels,
        "batches": [b.decode("utf-8") for b in r.batches],
    }


def write(out: Path, results: list[Result], capture_js: bytes) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    lines = b"".join(json.dumps(record(r), ensure_ascii=False).encode() + b"\n" for r in results)
    target = out / OUTPUT
    target.write_bytes(zstandard.ZstdCompressor(level=19).compress(lines))
    personas: dict[str, int] = {}
    for r in results:
        personas[r.job.persona.name] = personas.get(r.job.persona.name, 0) + 1
    manifest = {
        "count": len(results),
        "personas": personas,
        "splits": {s: sum(r.job.split == s for r in results) for s in ("tune", "eval")},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "capture_js_sha256": hashlib.sha256(capture_js).hexdigest(),
        "bytes": target.stat().st_size,
        # Batches that arrived twice (a beacon racing an in-flight fetch), kept once.
        "duplicate_batches_dropped": sum(r.duplicates for r in results),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def leak_report(results: list[Result]) -> list[verify.Leak]:
    found: list[verify.Leak] = []
    checked = 0
    for r in results:
        checked += sum(verify.checkable(k, v) for k, v in set(r.typed))
        found += verify.leaks(r.job.index, r.job.persona.name, r.batches, r.typed)
    kinds = sorted({k for r in results for k, v in r.typed if verify.checkable(k, v)})
    print(f"leak check: {checked} typed values ({', '.join(kinds)}) searched in the recorded bytes")
    if not found:
        print("leak check: PASS, none of them appears anywhere in the recordings")
    for leak in found:
        print(
            f"leak check: LEAK session {leak.session} ({leak.persona}) batch {leak.batch}: "
            f"{leak.kind} {leak.value!r} in {leak.where}"
        )
    return found


def wait_for_capture(path: Path, timeout_s: float) -> bytes:
    deadline = time.monotonic() + timeout_s
    while not path.is_file():
        if time.monotonic() > deadline:
            sys.exit(
                f"generate: {path} does not exist; build the capture script first "
                "(make capture), or pass --wait to poll for it longer"
            )
        time.sleep(5)
    return path.read_bytes()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m clearsight.demo.generate",
        description="Drive headless Chromium through the demo loan site with scripted personas "
        "and save what the capture script sends, with ground-truth labels.",
        epilog=f"Writes {OUTPUT} and manifest.json to --out, then checks every session: "
        "complete and in order, with page views and clicks, and none of the synthetic "
        "names, emails, phone, card and account numbers typed into the site anywhere in "
        "the recorded bytes. Exits 1 when a session failed, something leaked, or anything "
        "was sent after consent was declined.",
    )
    p.add_argument(
        "--out", type=Path, default=RECORDINGS, help=f"output directory (default: {RECORDINGS})"
    )
    p.add_argument(
        "--personas",
        default=",".join(PERSONAS),
        help="comma-separated personas (default: all): " + ", ".join(PERSONAS),
    )
    p.add_argument(
        "--viewports",
        default="mobile,tablet,desktop",
        help="comma-separated viewports: mobile (390x844, touch), tablet (820x1180), "
        "desktop (1440x900) (default: all three)",
    )
    p.add_argument(
        "--eval",
        action="store_true",
        help="also run every persona twice more with other seeds, as the eval split",
    )
    p.add_argument(
        "--parallel",
        type=int,
        default=3,
        help="sessions driven at once in one browser (default: 3)",
    )
    p.add_argument("--seed", type=int, default=2026, help="base random seed (default: 2026)")
    p.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="poll this long for the capture script to be built (default: don't)",
    )
    args = p.parse_args(argv)
    args.personas = [s for s in args.personas.split(",") if s]
    args.viewports = [s for s in args.viewports.split(",") if s]
    for name in args.personas:
        if name not in PERSONAS:
            p.error(f"unknown persona {name!r}; choose from {', '.join(PERSONAS)}")
    for name in args.viewports:
        if name not in VIEWPORTS:
            p.error(f"unknown viewport {name!r}; choose from {', '.join(VIEWPORTS)}")
    if args.parallel < 1:
        p.error("--parallel must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    capture_js = wait_for_capture(CAPTURE_JS, args.wait)
    jobs = plan(args.personas, args.viewports, args.eval, args.seed)
    print(f"generate: {len(jobs)} sessions, {args.parallel} at a time", flush=True)
    started = time.monotonic()
    catcher = UnloadCatcher(ORIGIN)
    try:
        results = asyncio.run(run_all(jobs, args.parallel, capture_js, catcher))
        stray = catcher.unclaimed()
    finally:
        catcher.close()
    if stray:
        # Nobody's session: for instance a batch sent after consent was declined.
        print(f"generate: FAILED, ingest bodies no session claimed (sid: count): {stray}")
    failed = [r for r in results if r.problems]
    kept = [r for r in results if not r.problems]
    target = write(args.out, kept, capture_js)
    leaked = leak_report(kept)
    print(
        f"generate: {len(kept)} sessions in {target} ({target.stat().st_size / 1024:.0f} KiB), "
        f"{time.monotonic() - started:.0f} s; {len(failed)} failed",
        flush=True,
    )
    return 1 if failed or leaked or stray else 0


if __name__ == "__main__":
    raise SystemExit(main())
