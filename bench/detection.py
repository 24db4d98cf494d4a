"""Frustration-signal quality and speed: precision/recall on labelled sessions, recompute time.

Quality: the eval split of the demo recordings (``eval.jsonl.zst``: personas
driven through the demo site in real Chromium, with seeds the rules were
never tuned on) goes through the real ingest pipeline into a fresh store; the
signals are detected with the default rules and scored against the personas'
ground-truth labels (``clearsight.demo.scoring``). Nothing is tuned here.

Speed: a store of N synthetic sessions (default 1,000,000 with about ten
clicks each) is built from the tune recordings (see ``signals_synthetic.py``)
and every signal of the project is recomputed from the raw rows, as
``clearsight signals recompute`` does. Prints the median of the runs.

    .venv/bin/python bench/detection.py [--split eval|tune] [--store duckdb|clickhouse]
                                        [--sessions 1000000] [--runs 3] [--skip-speed]
                                        [--skip-quality] [-v]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.signals_synthetic import build_store  # noqa: E402

from clearsight.analyse.signals import SIGNALS, Detector  # noqa: E402
from clearsight.app import build_runtime  # noqa: E402
from clearsight.config import load_settings  # noqa: E402
from clearsight.demo.expand import Recording, load_recordings  # noqa: E402
from clearsight.demo.loader import DEMO_PROJECT, ensure_demo_project  # noqa: E402
from clearsight.demo.scoring import Detection, Score, score  # noqa: E402

TARGETS = ("rage_click", "dead_click", "error_click", "failed_submit", "form_abandon")
RECORDINGS = ROOT / "src" / "clearsight" / "demo" / "recordings"


def detect(recordings: list[Recording], store: str = "duckdb") -> list[Detection]:
    """Ingest the recordings into a throw-away server store and detect with default rules."""
    with tempfile.TemporaryDirectory() as tmp:
        values: dict[str, object] = {"data_dir": Path(tmp)}
        if store == "clickhouse":  # the ClickHouse engine in-process (chDB)
            values["event_store"] = f"chdb://{Path(tmp) / 'clickhouse'}"
        rt = build_runtime(load_settings(values))
        try:
            ensure_demo_project(rt.control)
            rt.ingestor.bulk_load(b.encode() for r in recordings for b in r.batches)
            Detector(rt.store, rt.control).rebuild(DEMO_PROJECT)
            rows = rt.store.query(
                "SELECT f.sid, s.signal, f.path, f.sel, f.ts FROM signals s "
                "JOIN signal_features f ON f.fid = s.fid WHERE s.project = :p",
                {"p": DEMO_PROJECT},
            ).to_pylist()
        finally:
            rt.close()
    return [Detection(**r) for r in rows]


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.3f}"


def report_quality(split: str, verbose: bool, store: str) -> bool:
    path = RECORDINGS / ("eval.jsonl.zst" if split == "eval" else "sessions.jsonl.zst")
    recordings = [r for r in load_recordings(path.read_bytes()) if r.split == split]
    personas = sorted({r.persona for r in recordings})
    print(
        f"quality: {len(recordings)} {split} sessions of {len(personas)} personas "
        f"({path.name}), {store} event store"
    )
    if split == "eval":
        print("  (seeds never used while the rules were tuned; default rules, real ingest)")
    began = time.perf_counter()
    scores = score(recordings, detect(recordings, store), SIGNALS)
    print(f"  ingested and detected in {time.perf_counter() - began:.1f} s\n")
    print(f"  {'signal':<18} {'labels':>6} {'found':>6} {'precision':>9} {'recall':>7}  target")
    ok = True
    for name in SIGNALS:
        sc: Score = scores[name]
        target = name in TARGETS
        met = sc.precision is not None and sc.recall is not None
        met = met and (sc.precision or 0) >= 0.9 and (sc.recall or 0) >= 0.9
        mark = ("met" if met else "MISSED") if target else ""
        ok = ok and (met or not target)
        note = "" if sc.labels else "  (no labelled persona: detections unscored)"
        print(
            f"  {name:<18} {sc.labels:>6} {sc.detections:>6}   {_fmt(sc.precision)}   "
            f"{_fmt(sc.recall)}  {mark}{note}"
        )
        if verbose:
            for miss in sc.misses:
                print(f"      missed: {miss}")
            for fa in sc.false_alarms if sc.labels else []:
                print(f"      false alarm: {fa}")
    return ok


def report_speed(sessions: int, runs: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        rt, counts = build_store(keep or Path(tmp), sessions)
        try:
            print(
                "\nspeed data: the tune recordings (real Chromium personas on the demo site), "
                "each cut after 1, 2 or all of its page views (50/30/20%), copied with the "
                "demo's persona weights into sessions spread over 30 days, features included "
                "(bench/signals_synthetic.py)"
            )
            print(
                f"speed: {counts['sessions']:,} sessions, {counts['clicks']:,} clicks, "
                f"{counts['moves']:,} pointer samples, {counts['fields']:,} field events, "
                f"{counts['pageviews']:,} page views, {counts['scrolls']:,} scroll stops "
                f"(built in {time.perf_counter() - began:.0f} s)"
            )
            detector = Detector(rt.store, rt.control)
            times = []
            for i in range(runs):
                run = detector.recompute(DEMO_PROJECT)
                times.append(run.total)
                parts = ", ".join(f"{k} {v:.2f}" for k, v in run.seconds.items())
                print(f"  run {i + 1}: {run.total:.2f} s ({parts})")
            found = rt.store.query("SELECT count(*) AS n FROM signals").column("n")[0].as_py()
            features = rt.store.query("SELECT count(*) AS n FROM signal_features").column("n")
            print(f"  from {features[0].as_py():,} stored features")
            print(
                f"  recompute all signals: median {statistics.median(times):.2f} s "
                f"over {runs} runs (target 2 s); {found:,} signals"
            )
        finally:
            rt.close()


def report_rebuild(sessions: int) -> None:
    """Finding features from raw rows: what the after-apply hook does per micro-batch."""
    with tempfile.TemporaryDirectory() as tmp:
        rt, counts = build_store(Path(tmp), sessions)
        try:
            run = Detector(rt.store, rt.control).rebuild(DEMO_PROJECT)
            found = run.part("features")
            print(
                f"\nfeatures from raw rows ({counts['sessions']:,} sessions, "
                f"{counts['clicks']:,} clicks, {counts['moves']:,} pointer samples): "
                f"{found:.2f} s, {1000 * found / counts['sessions']:.2f} ms per session "
                "(done as batches arrive, not part of a recompute)"
            )
        finally:
            rt.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--split", choices=["eval", "tune"], default="eval")
    p.add_argument(
        "--store",
        choices=["duckdb", "clickhouse"],
        default="duckdb",
        help="event store for the quality run (speed always runs on DuckDB)",
    )
    p.add_argument("--sessions", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="list misses and false alarms")
    p.add_argument(
        "--keep", type=Path, metavar="DIR", help="build the big store here and reuse it next time"
    )
    p.add_argument(
        "--rebuild-sample",
        type=int,
        default=20_000,
        metavar="N",
        help="also time finding features from raw rows for N sessions (0: skip)",
    )
    args = p.parse_args(argv)
    ok = True
    if not args.skip_quality:
        ok = report_quality(args.split, args.verbose, args.store)
    if not args.skip_speed:
        report_speed(args.sessions, args.runs, args.keep)
        if args.rebuild_sample:
            report_rebuild(args.rebuild_sample)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
