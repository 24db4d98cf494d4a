"""Ingest throughput: real batches from the demo recordings, end to end.

End to end means the server's answer (durable in the spool) and the writer
having stored everything. The load comes from wrk (C, Debian's `wrk`), which
replays the recorded batches with a fresh batch id per request; without wrk
it falls back to a Python client, which on a 2-core machine takes as much CPU
as the server and so measures itself as much as the server. The baseline in
the same run is the same pipeline in-process, without HTTP. Prints medians.

    .venv/bin/python bench/ingest.py [--sessions 150] [--runs 3] [--clients 8] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import Server  # noqa: E402

from clearsight.app import build_runtime  # noqa: E402
from clearsight.config import load_settings  # noqa: E402
from clearsight.demo.expand import expand, load_recordings  # noqa: E402
from clearsight.demo.loader import DEMO_KEY, ensure_demo_project  # noqa: E402
from clearsight.events import Batch  # noqa: E402

_decode = msgspec.json.Decoder(Batch)


def workload(sessions: int, seed: int) -> tuple[list[bytes], int]:
    """Batch bodies and their event count (rrweb events + interaction events)."""
    bodies = [
        b
        for s in expand(load_recordings(), sessions, now_ms=int(time.time() * 1000), seed=seed)
        for b in s
    ]
    events = 0
    for body in bodies:
        batch = _decode.decode(body)
        events += bytes(batch.rrweb).count(b'"timestamp":') + len(batch.events)
    return bodies, events


async def _post_all(url: str, bodies: list[bytes], clients: int) -> list[float]:
    latencies: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                began = time.perf_counter()
                r = await http.post(
                    "/api/v1/ingest", content=body, headers={"content-type": "text/plain"}
                )
                latencies.append(time.perf_counter() - began)
                if r.status_code != 200:
                    raise RuntimeError(f"ingest answered {r.status_code}: {r.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies


def wait_stored(server: Server, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.get("/healthz").json()["spool_backlog_bytes"] == 0:
            return
        time.sleep(0.02)
    raise RuntimeError("the server did not store everything in time")


def run_http(bodies: list[bytes], clients: int) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        rt = build_runtime(load_settings({"data_dir": data_dir}))
        ensure_demo_project(rt.control)
        rt.close()
        server = Server(data_dir).start()
        try:
            began = time.perf_counter()
            latencies = asyncio.run(_post_all(server.url, bodies, clients))
            wait_stored(server)
            return time.perf_counter() - began, latencies
        finally:
            server.stop()


def run_wrk(bodies: list[bytes], clients: int, seconds: int) -> tuple[int, float, float, float]:
    """(requests, seconds until all stored, p50 ms, p99 ms) of one wrk run."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        rt = build_runtime(load_settings({"data_dir": data_dir}))
        ensure_demo_project(rt.control)
        rt.close()
        lines = Path(tmp) / "bodies.jsonl"
        lines.write_bytes(b"\n".join(bodies) + b"\n")
        server = Server(data_dir).start()
        try:
            began = time.perf_counter()
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{clients}",
                    f"-d{seconds}s",
                    "--timeout",
                    "30s",
                    "-s",
                    str(Path(__file__).parent / "ingest_wrk.lua"),
                    server.url,
                    "--",
                    str(lines),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            wait_stored(server)
            elapsed = time.perf_counter() - began
        finally:
            server.stop()
    found = re.search(r"WRK requests=(\d+) errors=(\d+) p50_us=(\d+) p99_us=(\d+)", out)
    assert found, out
    if int(found[2]):
        raise RuntimeError(f"wrk saw {found[2]} failed requests")
    return int(found[1]), elapsed, int(found[3]) / 1000, int(found[4]) / 1000


def run_inprocess(bodies: list[bytes]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        rt = build_runtime(load_settings({"data_dir": Path(tmp) / "data"}))
        ensure_demo_project(rt.control)
        rt.start()
        try:
            began = time.perf_counter()
            rt.ingestor.ingest_many(bodies)
            rt.spool.wait_idle(timeout=600)
            return time.perf_counter() - began
        finally:
            rt.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP connections")
    parser.add_argument("--seconds", type=int, default=15, help="wrk run length")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args()
    bodies, events = workload(args.sessions, seed=11)
    assert all(DEMO_KEY.encode() in b for b in bodies[:1])
    mb = sum(map(len, bodies)) / 1e6
    per_request = events / len(bodies)
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    print(
        f"workload: {args.sessions} demo sessions, {len(bodies)} batches, {events} events "
        f"({per_request:.1f} per batch), {mb:.1f} MB (cores: {os.cpu_count()}); "
        f"client: {'wrk' if use_wrk else 'python httpx'}"
    )
    http_rates, base_rates, p50s, p99s = [], [], [], []
    for run in range(args.runs):
        if use_wrk:
            requests, secs, p50, p99 = run_wrk(bodies, args.clients, args.seconds)
            rate = requests * per_request / secs
        else:
            secs, lats = run_http(bodies, args.clients)
            rate = events / secs
            lat = sorted(lats)
            p50, p99 = lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000
        base = events / run_inprocess(bodies)
        http_rates.append(rate)
        base_rates.append(base)
        p50s.append(p50)
        p99s.append(p99)
        print(
            f"  run {run + 1}: http {rate:,.0f} ev/s (p50 {p50:.1f} ms, p99 {p99:.1f} ms), "
            f"in-process {base:,.0f} ev/s"
        )
    h, b = statistics.median(http_rates), statistics.median(base_rates)
    print(
        f"end to end over HTTP ({args.clients} connections): {h:,.0f} events/s, "
        f"{h / per_request * mb / len(bodies):.1f} MB/s, {h / per_request:,.0f} batches/s; "
        f"latency p50 {statistics.median(p50s):.1f} ms, p99 {statistics.median(p99s):.1f} ms"
    )
    print(f"baseline, same pipeline without HTTP: {b:,.0f} events/s")
    print(f"HTTP / baseline: {h / b:.2f}")
    print(f"target >= 20,000 events/s end to end: {'met' if h >= 20_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
