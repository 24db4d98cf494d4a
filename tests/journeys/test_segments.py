"""Segments: imports with bad rows through the CLI, saved segments in every view, scopes,
the after-apply membership hook, and erasure of imported attributes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.journeys.support import MIN, T0, ingest, put, server_events, session
from tests.support import Server, cli, create_token, encode

GOOD_AND_BAD = "\n".join(
    [
        "customer_id,loan_amount_tier,service_tier",
        "C-1,>20k,premier",
        "C-2,5k-20k,standard",
        ",>20k,standard",
        "C-3,>20k",
        "C-4,<5k,standard,extra",
        "C-1,<5k,standard",
        "C-5,,",
        "C-6," + "x" * 201 + ",standard",
        "C-7,>20k,private",
        "",
    ]
)


def _sessions(key: str) -> list[dict]:
    out = []
    for n in range(1, 9):
        steps = [(0, "page", "/apply/start"), (MIN, "identify", (f"C-{n}", {"profile": "new"}))]
        out.append(session(key, f"s{n}", T0 + n * MIN * 10, steps))
    out.append(session(key, "anon", T0, [(0, "page", "/apply/start")]))
    return out


@pytest.fixture
def world(data_dir: Path, project_key: str, admin_token: str, tmp_path: Path):
    srv = Server(data_dir, token=admin_token).start()
    ingest(srv, _sessions(project_key))
    yield srv, data_dir, tmp_path
    srv.stop()


def _import(data_dir: Path, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli(
        "segments", "import", str(path), "--project", "bank", *extra, data_dir=data_dir, check=False
    )


def test_import_reports_bad_rows_and_keeps_the_good_ones(world, project_key: str) -> None:
    srv, data_dir, tmp = world
    export = tmp / "crm.csv"
    export.write_text(GOOD_AND_BAD)
    run = _import(data_dir, export, "--source", "crm")
    assert run.returncode == 1, run.stderr
    out = run.stdout
    assert "imported 3 of 9 rows (3 customers), attributes: loan_amount_tier, service_tier" in out
    for expected in [
        "line 4: no customer id",
        "line 5: 2 fields, the header has 3",
        "line 6: 4 fields, the header has 3",
        "line 7: the same customer id as line 2",
        "line 8: no attribute values",
        "line 9: `loan_amount_tier` is longer than 200 characters",
    ]:
        assert expected in out, out
    assert "C-" not in out + run.stderr  # the report never repeats a customer id
    attrs = srv.get("/api/v1/segments/attributes?project=bank").json()["attributes"]
    tier = next(a for a in attrs if a["name"] == "import.loan_amount_tier")
    tiers = {value: n for value, n in tier["values"]}
    assert tiers == {">20k": 2, "5k-20k": 1}  # C-1 kept its first row, C-7 and C-2 imported
    assert any(a["name"] == "trait.profile" for a in attrs)

    seg = put(
        srv,
        "/api/v1/segments/large",
        {
            "project": "bank",
            "name": "Loans above $20K",
            "conditions": [{"attribute": "import.loan_amount_tier", "op": "is", "value": ">20k"}],
        },
    )
    assert seg["members"] == 2
    listed = srv.get("/api/v1/sessions?segment=large").json()
    assert sorted(s["sid"] for s in listed["items"]) == ["s1", "s7"]
    listing = cli("segments", "list", "--project", "bank", data_dir=data_dir).stdout
    assert "large\t2 sessions\tLoans above $20K" in listing

    # A new session of C-1 joins the segment as it is stored (after-apply hook).
    later = session(
        project_key, "s1b", T0 + 5 * 3_600_000, [(0, "page", "/x"), (MIN, "identify", ("C-1", {}))]
    )
    assert srv.post("/api/v1/ingest", encode(later)).status_code == 200
    _wait_members(srv, "large", 3)


def _wait_members(srv: Server, segment: str, n: int) -> None:
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = srv.get(f"/api/v1/sessions?segment={segment}").json()["total"]
        if found == n:
            return
        time.sleep(0.1)
    raise AssertionError(f"segment {segment} did not reach {n} members")


def test_json_import_and_whole_file_errors(world) -> None:
    srv, data_dir, tmp = world
    lines = tmp / "los.jsonl"
    lines.write_text(
        '{"cid": "C-3", "aum_band": "50k-250k", "vip": true}\n'
        "not json\n"
        '{"cid": "C-4", "aum_band": {"nested": 1}}\n'
        '["C-5"]\n'
        '{"cid": 42, "aum_band": "<50k"}\n'
    )
    run = _import(data_dir, lines, "--key", "cid", "--source", "los")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "imported 2 of 5 rows" in run.stdout
    assert "line 2: not a JSON object" in run.stdout
    assert "line 3: `aum_band` is not a plain value" in run.stdout
    assert "line 4: not a JSON object" in run.stdout

    missing = _import(data_dir, lines)  # no `customer_id` column
    assert missing.returncode == 2
    assert "no column `customer_id` holds the customer id" in missing.stderr
    assert "--key" in missing.stderr

    dry = tmp / "dry.csv"
    dry.write_text("customer_id,tier\nC-8,gold\n")
    checked = _import(data_dir, dry, "--dry-run")
    assert checked.returncode == 0 and "dry run, nothing stored" in checked.stdout
    attrs = srv.get("/api/v1/segments/attributes?project=bank").json()["attributes"]
    assert "import.tier" not in {a["name"] for a in attrs}
    assert {"import.aum_band", "import.vip"} <= {a["name"] for a in attrs}


def test_import_without_a_server_runs_in_process(data_dir: Path, project_key: str, tmp_path: Path):
    export = tmp_path / "crm.csv"
    export.write_text("customer_id,tier\nC-1,gold\n,silver\n")
    run = _import(data_dir, export)
    assert run.returncode == 1 and "imported 1 of 2 rows" in run.stdout
    assert "line 3: no customer id" in run.stdout


def test_segment_scope_and_erasure(world, project_key: str) -> None:
    srv, data_dir, tmp = world
    export = tmp / "crm.csv"
    export.write_text("customer_id,tier\nC-2,gold\nC-3,gold\nC-4,silver\n")
    assert _import(data_dir, export).returncode == 0
    put(srv, "/api/v1/segments/gold", {"project": "bank", "conditions": [
        {"attribute": "import.tier", "op": "in", "value": ["gold"]}]})  # fmt: skip
    scoped = create_token(data_dir, "analyst", "--segment", "gold")
    seen = srv.get("/api/v1/sessions", headers={"Authorization": f"Bearer {scoped}"}).json()
    assert sorted(s["sid"] for s in seen["items"]) == ["s2", "s3"]

    los = create_token(data_dir, "server")
    server_events(srv, los, {"project": "bank", "events": [
        {"customer_id": "C-3", "name": "approved", "ts": T0 + 5 * MIN}]})  # fmt: skip
    r = srv.post("/api/v1/subjects/erase", encode({"project": "bank", "customer_id": "C-3"}))
    assert r.status_code == 200, r.text
    assert r.json()["removed"]["customer_data"] == 2  # one attribute, one server event
    attrs = srv.get("/api/v1/segments/attributes?project=bank").json()["attributes"]
    tier = next(a for a in attrs if a["name"] == "import.tier")
    assert {v: n for v, n in tier["values"]} == {"gold": 1, "silver": 1}
    assert srv.get("/api/v1/sessions?segment=gold").json()["total"] == 1


def test_segment_definitions_are_validated(world) -> None:
    srv, _, _ = world
    for conditions, code in [
        ([{"attribute": "nope", "op": "is", "value": "x"}], "unknown-attribute"),
        ([{"attribute": "device", "op": "in", "value": "mobile"}], "invalid-condition"),
        ([{"attribute": "device", "op": "gte", "value": "x"}], "invalid-condition"),
    ]:
        r = srv.request(
            "PUT",
            "/api/v1/segments/bad",
            content=encode({"project": "bank", "conditions": conditions}),
        )
        assert r.status_code == 400 and r.json()["code"] == code, r.text
    r = srv.request("PUT", "/api/v1/segments/Bad Id", content=encode({"project": "bank"}))
    assert r.status_code == 400
    html = srv.get("/segments?project=bank", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "trait.profile" in html.text
