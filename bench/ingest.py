"""Ingest throughput: real batches from the demo recordings, end to end.

End to end means the server's answer (durable in the spool) and the writer
having stored everything. The baseline in the same run is the same pipeline
in-process, without HTTP. Prints medians over several runs.

    .venv/bin/python bench/ingest.py [--sessions 300] [--runs 3] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
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
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP connections")
    args = parser.parse_args()
    bodies, events = workload(args.sessions, seed=11)
    assert all(DEMO_KEY.encode() in b for b in bodies[:1])
    mb = sum(map(len, bodies)) / 1e6
    print(
        f"workload: {args.sessions} demo sessions, {len(bodies)} batches, {events} events, "
        f"{mb:.1f} MB (cores: {os.cpu_count()})"
    )
    http_secs, base_secs, lat_all = [], [], []
    for run in range(args.runs):
        secs, lats = run_http(bodies, args.clients)
        base = run_inprocess(bodies)
        http_secs.append(secs)
        base_secs.append(base)
        lat_all += lats
        print(
            f"  run {run + 1}: http {events / secs:,.0f} ev/s, in-process {events / base:,.0f} ev/s"
        )
    h, b = statistics.median(http_secs), statistics.median(base_secs)
    lat = sorted(lat_all)
    p50, p99 = lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000
    print(
        f"end to end over HTTP ({args.clients} clients): {events / h:,.0f} events/s, "
        f"{mb / h:.1f} MB/s, {len(bodies) / h:,.0f} batches/s; "
        f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(f"baseline, same pipeline without HTTP: {events / b:,.0f} events/s, {mb / b:.1f} MB/s")
    print(f"HTTP / baseline throughput ratio: {b / h:.2f}x slower over HTTP")
    print(f"target >= 20,000 events/s end to end: {'met' if events / h >= 20_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
