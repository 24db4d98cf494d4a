"""PII incidents, masking coverage, consent metrics, withdrawal and re-scan, against a real
server, its API, its pages and the CLI."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.privacy.server_support import TS, element, eventually, page, settle, stored, text
from tests.support import Server, batch, cli, create_project, create_token, encode

from clearsight.app import build_runtime
from clearsight.config import load_settings
from clearsight.store.accepted import AcceptedBatch

IBAN = "GB82 WEST 1234 5698 7654 32"
PROJECTS = ("leaky", "consent", "erase", "keep")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("incidents") / "data"
    keys = {p: create_project(data_dir, p) for p in PROJECTS}
    for project in ("erase", "keep"):
        flag = "true" if project == "erase" else "false"
        cli("privacy", "rules", project, "--set", "erase_on_withdraw", flag, data_dir=data_dir)
    srv = Server(data_dir, token=create_token(data_dir)).start()
    yield srv, keys
    srv.stop()


def ingest(srv: Server, body: dict[str, Any]) -> None:
    r = srv.post("/api/v1/ingest", encode(body))
    assert r.status_code == 200, r.text


def leaky_sessions(srv: Server, key: str) -> list[str]:
    """A snapshot leaking an IBAN, a URL leaking an email, and a clean session."""
    url = "https://apply.bank.test/payout"
    iban_page = page(
        [
            element(
                5,
                "div",
                {"data-cs-unmask": ""},
                [element(6, "span", {"id": "iban"}, [text(7, IBAN)])],
            )
        ],
        url,
    )
    sids = [str(uuid.uuid4()) for _ in range(3)]
    ingest(srv, batch(key, sid=sids[0], url=url, rrweb=iban_page))
    ingest(srv, batch(key, sid=sids[1], url="https://apply.bank.test/apply?email=ada@example.com"))
    ingest(srv, batch(key, sid=sids[2]))
    for sid in sids:
        stored(srv, sid)
    return sids


def test_incidents_by_page_and_selector_with_the_fix_and_coverage(world) -> None:
    srv, keys = world
    sids = leaky_sessions(srv, keys["leaky"])
    found = srv.get("/api/v1/privacy/incidents?project=leaky").json()
    # The IBAN once; the email in the page view's and the click's URL and the Meta href.
    assert found["incidents"] == 4 and found["sessions"] == 2
    places = sorted((i["detector"], i["where"], i["incidents"]) for i in found["items"])
    assert places == [
        ("email", "events[].url", 1),
        ("email", "events[].url", 1),
        ("email", "rrweb.meta.href", 1),
        ("iban", "rrweb.fullsnapshot.text", 1),
    ]
    by_detector = {(i["detector"], i["selector"]): i for i in found["items"]}
    iban = by_detector["iban", "span#iban"]
    assert (iban["url"], iban["selector"], iban["where"]) == (
        "https://apply.bank.test/payout",
        "span#iban",
        "rrweb.fullsnapshot.text",
    )
    assert iban["fix"]["mask_selector"] == "span#iban"
    assert "URLs" in by_detector["email", "#apply"]["fix"]["advice"]
    assert {p["url"] for p in found["pages"]} == {
        "https://apply.bank.test/payout",
        "https://apply.bank.test/apply",
    }
    blob = json.dumps(found)
    assert "WEST" not in blob and "ada@" not in blob, "incidents never hold the value"
    assert "WEST" not in json.dumps(srv.replay(sids[0]))

    # Coverage counts sessions by their start (these were recorded on TS's day).
    coverage = srv.get("/api/v1/privacy/coverage?project=leaky&from=2025-12-01").json()
    coverage = coverage["projects"]
    assert coverage == [
        {"project": "leaky", "sessions": 3, "with_incidents": 2, "coverage": 0.3333}
    ]

    # A caller scoped to another project sees none of it.
    scoped = create_token(srv.data_dir, "compliance", "--project", "consent")
    hidden = srv.get("/api/v1/privacy/incidents", headers={"Authorization": f"Bearer {scoped}"})
    assert hidden.status_code == 200 and hidden.json()["incidents"] == 0

    # The Privacy page shows the same, and the report has a section for it.
    html = srv.get("/privacy?project=leaky&from=2025-12-01", headers={"Accept": "text/html"}).text
    assert 'class="mask-selector">span#iban<' in html and "33.3%" in html
    assert 'href="/privacy"' in html
    report = srv.get("/api/v1/report?format=json&from=2025-12-01").json()
    section = report["sections"]["PII incidents and masking coverage"]
    assert section["leaky: masking coverage"].startswith("33.3% of 3 sessions")
    assert (
        "iban on https://apply.bank.test/payout at span#iban (1)" in section["leaky: where to fix"]
    )


def consent(srv: Server, key: str, state: str, vid: str, sid: str = "") -> None:
    decision = {
        "v": 1,
        "key": key,
        "vid": vid,
        "sid": sid,
        "state": state,
        "ts": TS,
        "policy": "p1",
    }
    assert srv.post("/api/v1/consent", encode(decision)).status_code == 204


def test_consent_metrics_and_refused_batches_per_day(world) -> None:
    srv, keys = world
    key = keys["consent"]
    for n, state in enumerate(["granted"] * 3 + ["denied", "withdrawn"]):
        consent(srv, key, state, f"v{n}")
    for _ in range(2):
        r = srv.post("/api/v1/ingest", encode(batch(key, consent="denied")))
        assert r.status_code == 403 and r.json()["code"] == "consent-required"

    def metrics() -> dict[str, Any] | None:
        found = srv.get("/api/v1/privacy/consent?project=consent").json()
        rows = found["projects"]
        return found if rows and rows[0]["refused_batches"] == 2 else None

    found = eventually(metrics, "refused batches to be persisted")
    assert found["projects"] == [
        {
            "project": "consent",
            "granted": 3,
            "denied": 1,
            "withdrawn": 1,
            "refused_batches": 2,
            "opt_in_rate": 0.75,
            "opt_out_rate": 0.25,
            "withdrawal_rate": 0.3333,
        }
    ]
    assert [d["day"] for d in found["days"]] == [int(time.time() * 1000) // 86_400_000]
    analyst = create_token(srv.data_dir, "analyst")
    denied = srv.get("/api/v1/privacy/consent", headers={"Authorization": f"Bearer {analyst}"})
    assert denied.status_code == 403


def test_withdrawal_erases_the_session_when_the_project_says_so(world) -> None:
    srv, keys = world
    sid, vid = str(uuid.uuid4()), "visitor-w"
    ingest(srv, batch(keys["erase"], sid=sid, vid=vid))
    stored(srv, sid)
    consent(srv, keys["erase"], "withdrawn", "someone-else", sid)  # not this session's visitor
    time.sleep(2.5)
    assert srv.get(f"/api/v1/sessions/{sid}").status_code == 200
    consent(srv, keys["erase"], "withdrawn", vid, sid)
    eventually(lambda: srv.get(f"/api/v1/sessions/{sid}").status_code == 404, "the erasure")
    late = srv.post("/api/v1/ingest", encode(batch(keys["erase"], sid=sid, vid=vid, seq=1)))
    assert late.status_code == 403 and late.json()["code"] == "consent-required"
    entries = srv.get("/api/v1/audit?action=consent.withdraw.erase").json()["entries"]
    assert len(entries) == 1 and sid not in json.dumps(entries)
    assert json.loads(entries[0]["detail"])["removed"]["sessions"] == 1

    kept_sid = str(uuid.uuid4())
    ingest(srv, batch(keys["keep"], sid=kept_sid, vid=vid))
    stored(srv, kept_sid)
    consent(srv, keys["keep"], "withdrawn", vid, kept_sid)
    time.sleep(2.5)
    assert srv.get(f"/api/v1/sessions/{kept_sid}").status_code == 200, "kept: the project's choice"
    refused = srv.post("/api/v1/ingest", encode(batch(keys["keep"], sid=kept_sid, vid=vid, seq=1)))
    assert refused.status_code == 403, "but recording stopped"


def store_unscrubbed(data_dir: Path, project: str, sid: str, value: str) -> None:
    """A chunk stored as an older server without today's detectors would have."""
    rt = build_runtime(load_settings({"data_dir": data_dir}))
    try:
        b = batch(
            "unused",
            sid=sid,
            rrweb=page([element(5, "p", {}, [text(6, value)])], "https://apply.bank.test/old"),
        )
        rt.store.apply([AcceptedBatch(project, b["bid"], sid, TS, "", "", "", "", encode(b))])
    finally:
        rt.close()


def test_scan_masks_stored_chunks_in_process_and_through_the_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    create_project(data_dir, "bank")
    store_unscrubbed(data_dir, "bank", "s-old", f"Payout to {IBAN}")
    out = cli("privacy", "scan", "--quiet", data_dir=data_dir).stdout
    assert "1 replay chunks scanned, 1 masked in place (1 values: iban 1)" in out
    again = cli("privacy", "scan", "--quiet", data_dir=data_dir).stdout
    assert "0 masked in place" in again, "masking is idempotent"

    store_unscrubbed(data_dir, "bank", "s-older", "Card 4111 1111 1111 1111")
    srv = Server(data_dir, token=create_token(data_dir)).start()
    try:
        scan = cli("privacy", "scan", "--project", "bank", data_dir=data_dir)
        assert "2 replay chunks scanned, 1 masked in place (1 values: card 1)" in scan.stdout
        # The API streams progress (the CLI draws it as a bar on a terminal), then the result.
        lines = srv.request("POST", "/api/v1/privacy/scan", content=b"{}").text.splitlines()
        streamed = [json.loads(line) for line in lines]
        assert streamed[-2] == {"done": 2, "total": 2}
        assert streamed[-1]["result"] | {"detectors": {}} == {
            "chunks": 2,
            "rewritten": 0,
            "unreadable": 0,
            "incidents": 0,
            "detectors": {},
        }
        for sid in ("s-old", "s-older"):
            replay = json.dumps(srv.replay(sid))
            assert "WEST" not in replay and "4111" not in replay
        found = srv.get("/api/v1/privacy/incidents?from=2025-12-01").json()
        assert {i["detector"] for i in found["items"]} == {"iban", "card"}
        audit = srv.get("/api/v1/audit?action=privacy.scan").json()["entries"]
        assert [e["actor"].split(":")[0] for e in audit] == ["token", "cli", "cli", "cli"]
        settle(srv)
    finally:
        srv.stop()
