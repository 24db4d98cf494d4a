"""The sessions read API: filters, pagination, summaries, replay events, timeline."""

from __future__ import annotations

import time

from tests.support import Server, batch, encode

DAY = 86_400_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def post_all(server: Server, batches: list[dict]) -> None:
    for b in batches:
        r = server.post("/api/v1/ingest", encode(b))
        assert r.status_code == 200, r.text


def wait_total(server: Server, n: int) -> None:
    """``n`` sessions exist and every acknowledged batch is stored: a session
    appears with its first micro-batch, and its later batches may still be
    on their way to the store."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        health = server.get("/healthz").json()
        if (
            health["spool_backlog_bytes"] == 0
            and server.get("/api/v1/sessions").json()["total"] >= n
        ):
            return
        time.sleep(0.05)
    raise AssertionError("sessions were not stored")


def test_filters_and_pagination(server: Server, project_key: str) -> None:
    sessions = []
    for i in range(12):
        offer = f"https://apply.bank.test/loan/{100 + i}/offer"
        url = offer if i % 3 == 0 else "https://apply.bank.test/"
        first = batch(project_key, sid=f"s{i:02d}", ts=T0 + i * DAY, url=url)
        last = batch(
            project_key,
            sid=f"s{i:02d}",
            seq=1,
            ts=T0 + i * DAY + (i + 1) * 10_000,
            url="https://apply.bank.test/done",
        )
        sessions += [first, last]
    post_all(server, sessions)
    wait_total(server, 12)

    page1 = server.get("/api/v1/sessions?per_page=5").json()
    assert page1["total"] == 12 and len(page1["items"]) == 5
    assert [s["sid"] for s in page1["items"]] == ["s11", "s10", "s09", "s08", "s07"]
    page3 = server.get("/api/v1/sessions?per_page=5&page=3").json()
    assert [s["sid"] for s in page3["items"]] == ["s01", "s00"]

    ranged = server.get("/api/v1/sessions?from=2026-01-03&to=2026-01-05").json()
    assert sorted(s["sid"] for s in ranged["items"]) == ["s02", "s03", "s04"]

    glob = server.get("/api/v1/sessions", params={"url": "/loan/*/offer"}).json()
    assert sorted(s["sid"] for s in glob["items"]) == ["s00", "s03", "s06", "s09"]
    exact = server.get("/api/v1/sessions", params={"url": "/loan/103/offer"}).json()
    assert [s["sid"] for s in exact["items"]] == ["s03"]
    full = server.get(
        "/api/v1/sessions", params={"url": "https://apply.bank.test/loan/106/offer"}
    ).json()
    assert [s["sid"] for s in full["items"]] == ["s06"]

    long = server.get("/api/v1/sessions?min_duration=90").json()
    assert sorted(s["sid"] for s in long["items"]) == ["s08", "s09", "s10", "s11"]
    short = server.get("/api/v1/sessions?max_duration=21").json()  # s01 lasts 20.1 s
    assert sorted(s["sid"] for s in short["items"]) == ["s00", "s01"]


def test_summary_follows_page_order_even_when_batches_arrive_out_of_order(
    server: Server, project_key: str
) -> None:
    later = batch(project_key, sid="ooo", seq=1, ts=T0 + 60_000, url="https://apply.bank.test/b")
    earlier = batch(project_key, sid="ooo", seq=0, ts=T0, url="https://apply.bank.test/a")
    post_all(server, [later, earlier])
    wait_total(server, 1)
    time.sleep(0.5)
    s = server.get("/api/v1/sessions/ooo").json()
    assert s["entry_url"].endswith("/a") and s["exit_url"].endswith("/b")
    assert s["pages"] == 2 and s["clicks"] == 2
    assert s["started_at"] == T0 and s["duration_ms"] == s["ended_at"] - T0 >= 60_000
    events = server.replay("ooo", "events")
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps) and len(events) == 4
    tl = server.replay("ooo", "timeline")
    assert [p["path"] for p in tl["pageviews"]] == ["/a", "/b"]
    assert tl["clicks"][0]["sel"] == "#apply"


def test_read_errors(server: Server) -> None:
    for path, status, code in [
        ("/api/v1/sessions/nope", 404, "session-not-found"),
        # No purpose can be stated for it, so the replay gate answers first.
        ("/api/v1/sessions/nope/events", 403, "purpose-required"),
        ("/api/v1/sessions?page=0", 400, "invalid-parameter"),
        ("/api/v1/sessions?per_page=abc", 400, "invalid-parameter"),
        ("/api/v1/sessions?from=yesterday", 400, "invalid-parameter"),
        ("/api/v1/nothing-here", 404, "not-found"),
    ]:
        r = server.get(path)
        assert r.status_code == status, path
        assert r.json()["code"] == code
    assert server.post("/api/v1/sessions", b"{}").status_code == 405
    gone = server.post("/api/v1/sessions/nope/purpose", b'{"purpose": "ux-research"}')
    assert gone.status_code == 404 and gone.json()["code"] == "session-not-found"
    assert server.get("/healthz").json()["status"] == "ok"
