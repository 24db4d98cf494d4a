"""Per-project privacy rules through the CLI and the API, enforced by a real server:
excluded URLs, sampling, block and mask selectors, tokenized fields, IP and UA reduction."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.privacy.server_support import (
    TS,
    UA_CHROME,
    element,
    eventually,
    mutation,
    page,
    settle,
    stored,
    text,
)
from tests.support import Server, batch, cli, create_project, create_token, encode

from clearsight.privacy.rules import in_sample
from clearsight.privacy.secrets import project_secret
from clearsight.privacy.tokenize import tokenize

PROJECTS = ("bank", "excl", "sample", "mask", "tok", "other", "allow")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("rules") / "data"
    keys = {p: create_project(data_dir, p) for p in PROJECTS}
    srv = Server(data_dir, token=create_token(data_dir), env={"CLEARSIGHT_IP_MODE": "truncate"})
    srv.start()
    yield srv, keys
    srv.stop()


def put_rules(srv: Server, project: str, **rules: Any) -> dict[str, Any]:
    r = srv.request("PUT", f"/api/v1/privacy/rules/{project}", content=encode(rules))
    assert r.status_code == 200, r.text
    return dict(r.json())


def ingest(srv: Server, body: dict[str, Any], **headers: str) -> None:
    r = srv.post("/api/v1/ingest", encode(body), headers=headers)
    assert r.status_code == 200, r.text


def test_rules_by_cli_reach_capture_config_and_are_audited(world) -> None:
    srv, keys = world
    out = cli(
        "privacy",
        "rules",
        "bank",
        "--add",
        "mask_selectors",
        ".customer-name",
        "--add",
        "unmask_urls",
        "/help/**",
        "--add",
        "exclude_urls",
        "/account/statements/*",
        "--set",
        "sample_rate",
        "0.9",
        data_dir=srv.data_dir,
    ).stdout
    assert json.loads(out)["mask_selectors"] == [".customer-name"]

    def served() -> dict[str, Any] | None:
        # The server re-reads rules changed by another process within seconds.
        config = srv.get(f"/api/v1/capture-config?key={keys['bank']}").json()
        return config if config["sampleRate"] == 0.9 else None

    config = eventually(served, "the CLI's rules at the server")
    assert config.pop("surveys") == []  # no survey configured; surveys.md
    assert config == {
        "blockSelectors": [],
        "maskSelectors": [".customer-name"],
        "unmaskSelectors": [],
        "unmaskUrls": ["/help/**"],
        "excludeUrls": ["/account/statements/*"],
        "sampleRate": 0.9,
    }
    assert srv.get("/api/v1/privacy/rules/bank").json()["exclude_urls"] == ["/account/statements/*"]
    cli("privacy", "rules", "bank", "--clear", "mask_selectors", data_dir=srv.data_dir)
    entries = srv.get("/api/v1/audit?action=privacy.rules").json()["entries"]
    details = [json.loads(e["detail"])["changed"] for e in entries]
    assert details[0] == {"mask_selectors": [[".customer-name"], []]}
    assert entries[1]["actor"].startswith("cli:")
    assert details[1]["sample_rate"] == [1.0, 0.9]


@pytest.mark.parametrize(
    ("rules", "wanted"),
    [
        ({"mask_selectors": ["form .iban"]}, "only tags, #id, .class"),
        ({"block_selectors": ["input:not([type])"]}, "only tags"),
        ({"exclude_urls": ["account/*"]}, "must start with '/'"),
        ({"sample_rate": 1.5}, "between 0 and 1"),
        ({"allow_values": ["12-34"]}, "fewer than 6 letters and digits"),
    ],
)
def test_rules_the_server_cannot_enforce_are_refused(world, rules, wanted) -> None:
    srv, _ = world
    r = srv.request("PUT", "/api/v1/privacy/rules/other", content=encode(rules))
    assert r.status_code == 400 and r.json()["code"] == "invalid-rules"
    assert wanted in r.json()["detail"]
    bad = cli(
        "privacy",
        "rules",
        "other",
        "--add",
        "mask_selectors",
        "a b",
        data_dir=srv.data_dir,
        check=False,
    )
    assert bad.returncode == 2 and "only tags" in bad.stderr


def test_rules_need_projects_manage(world) -> None:
    srv, _ = world
    viewer = create_token(srv.data_dir, "compliance")
    r = srv.request(
        "PUT",
        "/api/v1/privacy/rules/other",
        content=b"{}",
        headers={"Authorization": f"Bearer {viewer}"},
    )
    assert r.status_code == 403
    ok = srv.get("/api/v1/privacy/rules/other", headers={"Authorization": f"Bearer {viewer}"})
    assert ok.status_code == 200


def test_excluded_urls_lose_their_events_and_rrweb(world) -> None:
    srv, keys = world
    put_rules(srv, "excl", exclude_urls=["/account/statements/*"])
    secret_url = "https://apply.bank.test/account/statements/2024"
    open_url = "https://apply.bank.test/account/summary"
    sid = str(uuid.uuid4())
    statement = page([element(5, "p", {}, [text(6, "Closing balance 12,345.67")])], secret_url)
    only_excluded = batch(keys["excl"], sid=sid, url=secret_url, rrweb=statement)
    ingest(srv, only_excluded)  # answered, and nothing of it kept
    later = batch(keys["excl"], sid=sid, seq=1, url=secret_url, ts=TS + 500)
    later["rrweb"] = [mutation(TS + 600, texts=[{"id": 6, "value": "Overdraft 99.00"}])]
    ingest(srv, later)  # no Meta: still on the excluded page
    summary = batch(
        keys["excl"],
        sid=sid,
        seq=2,
        url=open_url,
        ts=TS + 1000,
        rrweb=page([], open_url, TS + 1000),
    )
    summary["events"].append({"t": "custom", "ts": TS + 1200, "url": secret_url, "name": "x"})
    ingest(srv, summary)
    session = stored(srv, sid)
    assert session["entry_url"] == open_url and session["pages"] == 1
    replay = json.dumps(srv.replay(sid))
    assert "balance" not in replay and "Overdraft" not in replay and "statements" not in replay
    timeline = srv.get(f"/api/v1/sessions/{sid}/timeline").json()
    assert [p["url"] for p in timeline["pageviews"]] == [open_url]


def test_sampling_is_decided_per_session_as_the_script_decides(world) -> None:
    srv, keys = world
    put_rules(srv, "sample", sample_rate=0.5)
    sids = [str(uuid.uuid4()) for _ in range(24)]
    for sid in sids:
        ingest(srv, batch(keys["sample"], sid=sid))
        ingest(srv, batch(keys["sample"], sid=sid, seq=1, ts=TS + 2000))
    settle(srv)
    kept = {
        s["sid"] for s in srv.get("/api/v1/sessions?project=sample&per_page=500").json()["items"]
    }
    assert kept == {s for s in sids if in_sample(s, 0.5)}
    assert 0 < len(kept) < len(sids)


def test_block_and_mask_selectors_are_enforced_on_snapshots_and_mutations(world) -> None:
    srv, keys = world
    put_rules(
        srv,
        "mask",
        mask_selectors=[".customer-name", "input[name=iban]"],
        block_selectors=["#statement"],
    )
    url = "https://apply.bank.test/account"
    body = [
        element(
            5, "h2", {"class": "customer-name", "title": "Ada Lovelace"}, [text(6, "Ada Lovelace")]
        ),
        element(
            7,
            "div",
            {"id": "statement", "data-owner": "Ada"},
            [
                element(8, "p", {}, [text(9, "Salary from Analytical Engines Ltd")]),
            ],
        ),
        element(10, "input", {"name": "iban", "value": "prefilled-value"}, []),
        element(11, "p", {}, [text(12, "Welcome back")]),
    ]
    sid = str(uuid.uuid4())
    ingest(srv, batch(keys["mask"], sid=sid, url=url, rrweb=page(body, url)))
    changes = [
        mutation(
            TS + 100,
            texts=[{"id": 6, "value": "Charles Babbage"}, {"id": 9, "value": "Rent to Byron"}],
            attributes=[{"id": 5, "attributes": {"title": "Charles Babbage"}}],
            adds=[
                {
                    "parentId": 7,
                    "nextId": None,
                    "node": element(20, "span", {}, [text(21, "Gambling debts")]),
                },
                {"parentId": 5, "nextId": None, "node": text(22, "and Mary Somerville")},
            ],
        ),
        {
            "type": 3,
            "data": {"source": 5, "text": "typed-into-iban", "isChecked": False, "id": 10},
            "timestamp": TS + 200,
        },
        {
            "type": 3,
            "data": {"source": 5, "text": "free", "isChecked": False, "id": 9},
            "timestamp": TS + 300,
        },
    ]
    ingest(srv, batch(keys["mask"], sid=sid, seq=1, ts=TS + 100, url=url, rrweb=changes))
    settle(srv)
    replay = json.dumps(srv.replay(sid))
    for leaked in (
        "Ada",
        "Lovelace",
        "Babbage",
        "Salary",
        "Rent to",
        "Gambling",
        "Somerville",
        "prefilled",
        "typed-into",
    ):
        assert leaked not in replay, leaked
    assert "Welcome back" in replay, "text outside the rules is untouched"
    assert '"textContent": "*** ********"' in replay
    assert '"id": "statement"' in replay and '"data-owner"' not in replay
    assert '"text": "***************"' in replay
    assert '"text": "free"' not in replay, "input events inside a blocked element are dropped"


def test_identify_uid_and_configured_fields_are_tokenized(world) -> None:
    srv, keys = world
    put_rules(srv, "tok", tokenize_props=["customer_ref"], tokenize_traits=["member_no"])
    sid = str(uuid.uuid4())
    b = batch(keys["tok"], sid=sid)
    b["events"] += [
        {
            "t": "identify",
            "ts": TS + 5,
            "uid": "C-778899",
            "traits": {"member_no": 4412, "tier": "gold"},
        },
        {
            "t": "custom",
            "ts": TS + 6,
            "url": "https://apply.bank.test/",
            "name": "offer",
            "props": {"customer_ref": "CR-99812", "amount": 12500},
        },
    ]
    ingest(srv, b)
    stored(srv, sid)
    r = srv.request(
        "POST",
        "/api/v1/subjects/export",
        content=encode({"project": "tok", "customer_id": "C-778899"}),
    )
    assert r.status_code == 200, r.text
    doc = zipfile.ZipFile(io.BytesIO(r.content)).read("export.json").decode()
    secret = project_secret(srv.data_dir / "keys", "tok")
    for value in ("C-778899", "4412", "CR-99812"):
        assert value not in doc
        assert tokenize(secret, value) in doc
    assert '\\"tier\\":\\"gold\\"' in doc and '\\"amount\\":12500' in doc


def test_ip_is_truncated_and_the_user_agent_reduced(world) -> None:
    srv, keys = world
    sid = str(uuid.uuid4())
    ingest(srv, batch(keys["bank"], sid=sid), **{"User-Agent": UA_CHROME})
    session = stored(srv, sid)
    assert (session["device"], session["browser"], session["os"]) == (
        "desktop",
        "Chrome 126",
        "Windows",
    )
    assert session["ip"] == "127.0.0.0"
    assert "6478" not in json.dumps(session)


def test_by_default_no_ip_is_kept(server: Server, project_key: str, data_dir: Path) -> None:
    sid = str(uuid.uuid4())
    ingest(server, batch(project_key, sid=sid, ua=UA_CHROME), **{"User-Agent": UA_CHROME})
    session = stored(server, sid)
    assert session["ip"] == "" and session["browser"] == "Chrome 126"
    server.stop()
    # Visitors' addresses are kept nowhere (the audit log keeps staff's, on purpose).
    stores = [*data_dir.glob("events.duckdb*"), *(data_dir / "spool").rglob("*")]
    assert stores
    for kept in (b"127.0.0.1", b"6478.127"):  # nor their full user agent
        assert not any(kept in p.read_bytes() for p in stores if p.is_file())


def test_allowed_values_are_left_alone_and_everything_else_is_still_masked(world) -> None:
    srv, keys = world
    rules = put_rules(srv, "allow", allow_values=["+1 800 555 0142", "GB29 NWBK 6016 1331 9268 19"])
    assert rules["allow_values"] == ["+1 800 555 0142", "GB29 NWBK 6016 1331 9268 19"]
    url = "https://apply.bank.test/help"
    body = [
        element(5, "p", {"data-cs-unmask": ""}, [text(6, "Call us on +1-800-555-0142")]),
        element(7, "p", {"data-cs-unmask": ""}, [text(8, "e.g. GB29NWBK60161331926819")]),
        element(9, "p", {"data-cs-unmask": ""}, [text(10, "Your IBAN DE89370400440532013000")]),
        element(11, "p", {"data-cs-unmask": ""}, [text(12, "Mobile +44 7700 900123")]),
    ]
    sid = str(uuid.uuid4())
    ingest(srv, batch(keys["allow"], sid=sid, url=url, rrweb=page(body, url)))
    # The same batch on a project without an allow-list: the values are caught there.
    other = str(uuid.uuid4())
    ingest(srv, batch(keys["other"], sid=other, url=url, rrweb=page(body, url)))
    settle(srv)
    replay = json.dumps(srv.replay(sid))
    assert "+1-800-555-0142" in replay and "GB29NWBK60161331926819" in replay
    assert "DE89370400440532013000" not in replay and "7700 900123" not in replay
    elsewhere = json.dumps(srv.replay(other))
    assert "1-800-555-0142" not in elsewhere and "GB29NWBK60161331926819" not in elsewhere
