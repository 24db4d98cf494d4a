"""Survey definitions and survey-answer batches for the tests."""

from __future__ import annotations

from typing import Any

from tests.support import batch

WHAT_STOPPED_YOU: dict[str, Any] = {
    "title": "Quick question",
    "urls": ["/loan/*/income"],
    "trigger": "exit",
    "seconds": 5,
    "sample_rate": 0.5,
    "questions": [
        {
            "id": "reason",
            "type": "choice",
            "text": "What stopped you today?",
            "options": ["Fees unclear", "Need documents", "Just looking"],
        },
        {"id": "ease", "type": "rating", "text": "How easy was this?", "scale": 5},
        {"id": "more", "type": "text", "text": "Anything else?", "max_length": 300},
    ],
}


def answer(
    question: str,
    qtype: str,
    value: str,
    *,
    ts: int,
    survey: str = "stopped",
    url: str = "https://apply.bank.test/loan/123/income",
) -> dict[str, Any]:
    return {
        "t": "survey",
        "ts": ts,
        "pv": "pv1",
        "url": url,
        "survey": survey,
        "question": question,
        "qtype": qtype,
        "answer": value,
    }


def answered_batch(
    key: str,
    sid: str,
    answers: list[dict[str, Any]],
    *,
    ts: int = 1_767_000_000_000,
    url: str = "https://apply.bank.test/loan/123/income",
    seq: int = 0,
) -> dict[str, Any]:
    """A session's batch: a page view of ``url``, a click, and the given answers."""
    b = batch(key, sid=sid, ts=ts, url=url, seq=seq)
    b["events"] += answers
    return b
