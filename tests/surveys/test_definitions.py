"""Survey definitions through the API and the CLI: validated, audited, served to the
capture script in its config (active ones only, in the script's camelCase)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import Server, cli, create_token, encode
from tests.surveys.support import WHAT_STOPPED_YOU


def put(srv: Server, survey_id: str, body: object, token: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = srv.request(
        "PUT", f"/api/v1/surveys/bank/{survey_id}", content=encode(body), headers=headers
    )
    return r.status_code, r.json() if r.content else {}


def capture_config(srv: Server, key: str) -> dict:
    r = srv.get(f"/api/v1/capture-config?key={key}", headers={"Authorization": ""})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_define_change_pause_delete_through_the_api(server: Server, project_key: str) -> None:
    status, body = put(server, "stopped", WHAT_STOPPED_YOU)
    assert status == 201, body
    assert body["id"] == "stopped" and body["labels"]["send"] == "Send"
    status, _ = put(server, "stopped", WHAT_STOPPED_YOU | {"seconds": 10})
    assert status == 200

    served = capture_config(server, project_key)
    # the privacy rules are still there; surveys come beside them
    assert served["sampleRate"] == 1.0 and "excludeUrls" in served
    assert served["surveys"] == [
        {
            "id": "stopped",
            "title": "Quick question",
            "urls": ["/loan/*/income"],
            "trigger": "exit",
            "seconds": 10,
            "sampleRate": 0.5,
            "labels": {
                "close": "Close survey",
                "send": "Send",
                "thanks": "Thank you for your feedback.",
            },
            "questions": [
                {
                    "id": "reason",
                    "type": "choice",
                    "text": "What stopped you today?",
                    "options": ["Fees unclear", "Need documents", "Just looking"],
                },
                {
                    "id": "ease",
                    "type": "rating",
                    "text": "How easy was this?",
                    "scale": 5,
                    "low": "",
                    "high": "",
                },
                {"id": "more", "type": "text", "text": "Anything else?", "maxLength": 300},
            ],
        }
    ]

    assert put(server, "stopped", WHAT_STOPPED_YOU | {"active": False})[0] == 200
    assert capture_config(server, project_key)["surveys"] == [], "paused surveys are not served"
    listed = server.get("/api/v1/surveys").json()["projects"]
    assert [s["id"] for s in listed[0]["surveys"]] == ["stopped"]

    assert server.request("DELETE", "/api/v1/surveys/bank/stopped").status_code == 204
    assert server.request("DELETE", "/api/v1/surveys/bank/stopped").status_code == 404
    actions = [
        e["action"]
        for e in server.get("/api/v1/audit").json()["entries"]
        if e["object"] == "survey:bank/stopped"
    ]
    assert actions == ["surveys.delete", "surveys.update", "surveys.update", "surveys.create"]


def test_invalid_definitions_are_refused_with_what_to_fix(server: Server) -> None:
    cases = {
        "a micro-survey has 1 to 3 questions": {"questions": []},
        "a choice needs 2 to 8 options": {
            "questions": [{"id": "q", "type": "choice", "text": "Why?", "options": ["only"]}]
        },
        "`scale` must be 3 to 10": {
            "questions": [{"id": "q", "type": "rating", "text": "Rate", "scale": 20}]
        },
        "`sample_rate` must be 0 to 1": WHAT_STOPPED_YOU | {"sample_rate": 1.5},
        "path globs starting with '/'": WHAT_STOPPED_YOU | {"urls": ["loan/*"]},
        "Expected `str` of length": WHAT_STOPPED_YOU | {"trigger": "scroll"},
        "differs from the address": WHAT_STOPPED_YOU | {"id": "other"},
    }
    for words, body in cases.items():
        status, problem = put(server, "s1", body)
        assert status == 400, (words, problem)
        assert problem["code"] == "invalid-survey"
        if words != "Expected `str` of length":
            assert words in problem["detail"], problem["detail"]
    assert put(server, "Bad Id", WHAT_STOPPED_YOU)[0] == 400
    assert (
        server.request(
            "PUT", "/api/v1/surveys/nope/s1", content=encode(WHAT_STOPPED_YOU)
        ).status_code
        == 404
    )


def test_who_may_define_and_read(server: Server, data_dir: Path) -> None:
    viewer = create_token(data_dir, "viewer")
    analyst = create_token(data_dir, "analyst")
    assert put(server, "stopped", WHAT_STOPPED_YOU, token=viewer)[0] == 403
    assert put(server, "stopped", WHAT_STOPPED_YOU, token=analyst)[0] == 201
    as_viewer = {"Authorization": f"Bearer {viewer}"}
    assert server.get("/api/v1/surveys/bank/stopped", headers=as_viewer).status_code == 200
    responses = server.get("/api/v1/surveys/bank/stopped/responses", headers=as_viewer)
    assert responses.status_code == 403 and responses.json()["code"] == "not-permitted"
    scoped = create_token(data_dir, "analyst", "--project", "other")
    r = server.get("/api/v1/surveys/bank/stopped", headers={"Authorization": f"Bearer {scoped}"})
    assert r.status_code == 404, "another project's survey is not even said to exist"


def test_the_cli_defines_surveys_beside_a_running_server(
    server: Server, data_dir: Path, project_key: str, tmp_path: Path
) -> None:
    definition = tmp_path / "stopped.json"
    definition.write_text(json.dumps(WHAT_STOPPED_YOU | {"id": "stopped"}))
    out = cli("surveys", "set", "bank", str(definition), data_dir=data_dir).stdout
    assert "survey stopped created in bank" in out
    assert (
        "stopped\tactive\texit+5s\t/loan/*/income\t0.5\tchoice,rating,text"
        in cli("surveys", "list", "bank", data_dir=data_dir).stdout
    )
    assert [s["id"] for s in capture_config(server, project_key)["surveys"]] == ["stopped"]
    cli("surveys", "pause", "bank", "stopped", data_dir=data_dir)
    assert capture_config(server, project_key)["surveys"] == []
    shown = json.loads(cli("surveys", "show", "bank", "stopped", data_dir=data_dir).stdout)
    assert shown["active"] is False and shown["questions"][2]["max_length"] == 300
    cli("surveys", "resume", "bank", "stopped", data_dir=data_dir)
    definition.write_text(json.dumps(WHAT_STOPPED_YOU | {"id": "stopped", "questions": []}))
    bad = cli("surveys", "set", "bank", str(definition), data_dir=data_dir, check=False)
    assert bad.returncode == 2 and "1 to 3 questions" in bad.stderr
    cli("surveys", "delete", "bank", "stopped", data_dir=data_dir)
    assert "has no surveys" in cli("surveys", "list", "bank", data_dir=data_dir).stdout
    entries = server.get("/api/v1/audit?action=surveys.update").json()["entries"]
    assert {e["actor"][:4] for e in entries} == {"cli:"}
    assert [json.loads(e["detail"])["active"] for e in entries] == [True, False]
