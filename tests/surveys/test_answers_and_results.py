"""Survey answers from ingest to the results: scrubbed free text, answers that do not fit
their question kept as free text, aggregates checked against a hand-computed fixture,
responses linked to their session and its segments, scopes and audit respected."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clearsight.analyse.conversion import GOAL_KEY
from clearsight.app import build_runtime
from clearsight.config import load_settings
from clearsight.store.control import ControlPlane
from tests.support import Server, cli, create_project, create_token, encode
from tests.surveys.support import WHAT_STOPPED_YOU, answer, answered_batch

BASE = 1_767_000_000_000
SECRETS = ["jane.doe@example.com", "4111 1111 1111 1111", "123-45-6789", "mark.t@example.net"]
SEGMENTS = [("over-20k", "s1"), ("over-20k", "s3"), ("under-20k", "s2"), ("returning", "s3")]


def income(n: int) -> str:
    return f"https://apply.bank.test/loan/10{n}/income"


def fixture_batches(key: str) -> list[dict[str, Any]]:
    """Six sessions: four answered (s4's answers fit no question), s5 never saw an income
    page, s6 saw one and did not answer; s2 converted."""
    t = BASE

    def a(q: str, kind: str, value: str, n: int) -> dict[str, Any]:
        return answer(q, kind, value, ts=t + n * 60_000 + 500, url=income(n))

    answers = {
        1: [
            a("reason", "choice", "Fees unclear", 1),
            a("ease", "rating", "2", 1),
            a("more", "text", f"Call me at {SECRETS[0]}", 1),
        ],
        2: [a("reason", "choice", "Fees unclear", 2), a("ease", "rating", "4", 2)],
        3: [
            a("reason", "choice", "Need documents", 3),
            a("ease", "rating", "5", 3),
            a("more", "text", f"My card {SECRETS[1]} was refused", 3),
        ],
        4: [
            a("reason", "choice", f"my ssn is {SECRETS[2]}", 4),
            a("ease", "rating", "9", 4),
            # a survey nobody defined: its answer is untrusted free text too
            answer(
                "q", "choice", SECRETS[3], ts=t + 4 * 60_000 + 600, survey="ghost", url=income(4)
            ),
        ],
    }
    out = []
    for n in range(1, 7):
        url = "https://apply.bank.test/loan/105/offer" if n == 5 else income(n)
        out.append(answered_batch(key, f"s{n}", answers.get(n, []), ts=t + n * 60_000, url=url))
    done = answered_batch(key, "s2", [], ts=t + 2 * 60_000 + 5000, url=income(2), seq=1)
    done["events"][0]["url"] = "https://apply.bank.test/loan/102/complete"
    out.append(done)
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    data_dir = tmp_path_factory.mktemp("surveys") / "data"
    key = create_project(data_dir, "bank")
    definition = data_dir.parent / "stopped.json"
    definition.write_text(json.dumps(WHAT_STOPPED_YOU | {"id": "stopped"}))
    cli("surveys", "set", "bank", str(definition), data_dir=data_dir)
    settings = load_settings({"data_dir": data_dir})
    control = ControlPlane(settings.control_url)
    control.settings.set("bank", GOAL_KEY, {"url_pattern": "/loan/*/complete"})
    control.close()
    srv = Server(data_dir, token=create_token(data_dir, "admin")).start()
    for b in fixture_batches(key):
        assert srv.post("/api/v1/ingest", encode(b)).status_code == 200
    deadline = time.monotonic() + 20
    while srv.get("/api/v1/sessions?per_page=10").json()["total"] < 6:
        assert time.monotonic() < deadline, "batches not stored"
        time.sleep(0.1)
    # Saved-segment membership is the journeys analysis' to keep; here it is written
    # directly, as that analysis would, while no server holds the store.
    srv.stop()
    rt = build_runtime(settings)
    values = ", ".join(f"('bank', '{seg}', '{sid}')" for seg, sid in SEGMENTS)
    rt.store.execute(f"INSERT INTO segment_members VALUES {values}")
    rt.close()
    srv.start()
    yield srv, data_dir
    srv.stop()


def test_results_match_the_hand_computed_fixture(world: tuple[Server, Path]) -> None:
    srv, _ = world
    r = srv.get("/api/v1/surveys/bank/stopped").json()
    assert r["definition"]["id"] == "stopped"
    assert r["feedback"] == {"sessions": 6, "with_feedback": 4, "share": 0.6667}
    assert (r["responded"], r["targeted"], r["response_share"]) == (4, 5, 0.8)
    reason, ease, more = r["questions"]
    assert [(c["answer"], c["n"], c["share"], c["converted"]) for c in reason["counts"]] == [
        ("Fees unclear", 2, 0.5, 1),
        ("Need documents", 1, 0.25, 0),
        ("Just looking", 0, 0.0, 0),
    ]
    assert (reason["answers"], reason["text_answers"]) == (4, 1), "s4's odd 'choice' is free text"
    assert [c["n"] for c in ease["counts"]] == [0, 1, 0, 1, 1]
    assert ease["average"] == round((2 + 4 + 5) / 3, 2) and ease["text_answers"] == 1
    assert (more["answers"], more["text_answers"], more["counts"]) == (2, 2, [])
    assert r["pages"] == [{"page": "/loan/*/income", "sessions": 4}]
    assert r["segments"] == [
        {"segment": "over-20k", "sessions": 2},
        {"segment": "returning", "sessions": 1},
        {"segment": "under-20k", "sessions": 1},
    ]
    segment = srv.get("/api/v1/surveys/bank/stopped?segment=over-20k").json()
    assert segment["feedback"] == {"sessions": 2, "with_feedback": 2, "share": 1.0}
    assert [c["n"] for c in segment["questions"][0]["counts"]] == [1, 1, 0]
    later = srv.get(f"/api/v1/surveys/bank/stopped?from={BASE + 2 * 60_000 + 1}").json()
    assert later["responded"] == 2, "the range is on session start: s3 and s4"
    overview = srv.get("/api/v1/surveys").json()["projects"][0]
    assert overview["feedback"]["with_feedback"] == 4
    assert overview["surveys"][0]["totals"]["sessions"] == 4


def test_responses_are_linked_to_session_segments_and_context(world: tuple[Server, Path]) -> None:
    srv, _ = world
    steps = [
        {"label": "Income", "url": "/loan/*/income"},
        {"label": "Done", "url": "/loan/*/complete"},
    ]
    funnel = {"project": "bank", "name": "Apply", "steps": steps}
    assert srv.request("PUT", "/api/v1/funnels/apply", content=encode(funnel)).status_code == 200
    page = srv.get("/api/v1/surveys/bank/stopped/responses").json()
    assert page["total"] == 4
    assert [i["sid"] for i in page["items"]] == ["s4", "s3", "s2", "s1"]
    assert [c["key"] for c in page["columns"]] == ["converted", "errors", "funnel_step", "issues"]
    s1 = page["items"][3]
    assert s1["path"] == "/loan/101/income" and s1["segments"] == ["over-20k"]
    assert s1["context"] == {
        "converted": False,
        "errors": 0,
        "funnel_step": "1. Income",
        "issues": None,  # no frustration signal in it (values: tests/backends/test_friction.py)
    }
    assert page["items"][2]["context"]["converted"] is True
    assert page["items"][2]["context"]["funnel_step"] == "2. Done"  # answered next to step 2
    assert [(a["question"], a["qtype"], a["answer"]) for a in s1["answers"]] == [
        ("reason", "choice", "Fees unclear"),
        ("ease", "rating", "2"),
        ("more", "text", "Call me at ****.***@*******.***"),
    ]
    s4 = page["items"][0]["answers"]
    assert [(a["qtype"], a["answer"]) for a in s4] == [
        ("text", "my ssn is 999-99-9999"),
        ("text", "9"),
    ]
    chose = srv.get("/api/v1/surveys/bank/stopped/responses?question=reason&answer=Fees+unclear")
    assert [i["sid"] for i in chose.json()["items"]] == ["s2", "s1"]
    second = srv.get("/api/v1/surveys/bank/stopped/responses?per_page=3&page=2").json()
    assert [i["sid"] for i in second["items"]] == ["s1"] and second["total"] == 4
    # the session the answer links to is the one the API knows
    assert srv.get("/api/v1/sessions/s1").json()["sid"] == "s1"


def test_free_text_is_scrubbed_everywhere_and_sealed_on_disk(world: tuple[Server, Path]) -> None:
    srv, data_dir = world
    answers = "\n".join(
        srv.get(path).text
        for path in (
            "/api/v1/surveys/bank/stopped/responses",
            "/api/v1/surveys/bank/stopped",
            "/api/v1/sessions/s1",
            "/surveys/bank/stopped/responses",
        )
    )
    assert "****.***@*******.***" in answers
    for secret in SECRETS:
        assert secret not in answers and secret.replace(" ", "") not in answers
    on_disk = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for secret in SECRETS:
        assert secret.encode() not in on_disk, f"{secret} reached the disk"
    assert b"Call me at" not in data_dir.joinpath("events.duckdb").read_bytes(), "sealed"


def test_scopes_roles_and_audit(world: tuple[Server, Path]) -> None:
    srv, data_dir = world
    scoped = create_token(data_dir, "analyst", "--url-pattern", "/loan/101/**")
    headers = {"Authorization": f"Bearer {scoped}"}
    r = srv.get("/api/v1/surveys/bank/stopped", headers=headers).json()
    assert (r["responded"], r["feedback"]["sessions"]) == (1, 1)
    items = srv.get("/api/v1/surveys/bank/stopped/responses", headers=headers).json()["items"]
    assert [i["sid"] for i in items] == ["s1"]
    viewer = {"Authorization": f"Bearer {create_token(data_dir, 'viewer')}"}
    assert srv.get("/api/v1/surveys/bank/stopped", headers=viewer).status_code == 200
    assert srv.get("/surveys/bank/stopped/responses", headers=viewer).status_code == 403
    entries = srv.get("/api/v1/audit?action=surveys.responses").json()["entries"]
    reads = [e for e in entries if e["result"] == "allowed"]
    assert reads and all(e["project"] == "bank" for e in reads), "every read is audited"
    assert any(e["actor"].endswith("test-analyst") for e in reads)
    assert any(e["role"] == "viewer" for e in entries if e["result"] == "denied")
