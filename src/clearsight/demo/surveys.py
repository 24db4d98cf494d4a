"""The demo's micro-survey, and synthetic answers to it in the loaded traffic.

"What stopped you?" shows on exit intent on the income-verification step, where
the demo's applicants drop off. Some of the sessions that ended there answer it;
applicants for more than $20K name missing documents more often, as in the
personal-loans team's finding. A few free-text answers hold a phone number,
which the ingest filter masks like any visitor's.

Exit intent only: the demo site is driven by browser tests elsewhere, and a
survey appearing on a timer or after a rage click would get in their way.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import msgspec

from clearsight import events as ev
from clearsight.store.control import ControlPlane
from clearsight.surveys.definitions import SETTING, Question, Survey, SurveyBook

INCOME_STEP = "/demo/loan/*/income"
REASONS = [
    "I don't have my documents at hand",
    "The rate or fees were unclear",
    "I'm worried about my credit score",
    "Just comparing offers",
    "Something didn't work",
]
# weights per amount tier: bigger loans need more proof of income
WEIGHTS = {">20k": [55, 15, 12, 13, 5], "": [25, 28, 17, 24, 6]}
TEXTS = [
    "Need my last two payslips first.",
    "Which documents count as proof of income for the self-employed?",
    "Call me on 415-555-0142 to talk it through.",
    "The upload kept failing on my phone.",
    "Will checking my rate show up on my credit file?",
]
ANSWER_SHARE = 0.35
TEXT_SHARE = 0.3

DEMO_SURVEY = Survey(
    id="what-stopped-you",
    title="Before you go",
    urls=[INCOME_STEP],
    trigger="exit",
    seconds=5,
    sample_rate=0.5,
    questions=[
        Question("reason", "choice", "What stopped you from continuing today?", options=REASONS),
        Question("more", "text", "Anything else we should know?", max_length=300),
    ],
)

_batch = msgspec.json.Decoder(ev.Batch)
_encode = msgspec.json.Encoder().encode


def ensure_demo_surveys(control: ControlPlane, project: str) -> None:
    """The demo survey, unless the project has surveys already (yours are kept)."""
    book = SurveyBook(control)
    if not book.all(project):
        control.settings.set(project, SETTING, [DEMO_SURVEY])


def with_answers(sessions: Iterator[list[bytes]], seed: int) -> Iterator[list[bytes]]:
    """Each session as it is, plus a batch of survey answers for some of those that
    ended on the income step."""
    rng = random.Random(seed * 7919 + 1)  # its own stream: the traffic itself is unchanged
    for bodies in sessions:
        extra = _answers(bodies, rng)
        yield [*bodies, extra] if extra else bodies


def _answers(bodies: list[bytes], rng: random.Random) -> bytes | None:
    batches = [_batch.decode(b) for b in bodies]
    views = [e for b in batches for e in b.events if isinstance(e, ev.PageView)]
    if not views or rng.random() >= ANSWER_SHARE:
        return None
    last = max(views, key=lambda e: e.ts)
    if not last.url.split("?")[0].endswith("/income") or "/demo/loan/" not in last.url:
        return None
    tier = next(
        (
            str(e.traits.get("amount_tier"))
            for b in batches
            for e in b.events
            if isinstance(e, ev.Identify) and e.traits.get("amount_tier") == ">20k"
        ),
        "",
    )
    ts = max(e.ts for b in batches for e in b.events) + rng.randint(2000, 9000)

    reason = ev.SurveyAnswer(
        ts=ts,
        pv=last.pv,
        url=last.url,
        survey=DEMO_SURVEY.id,
        question="reason",
        qtype="choice",
        answer=rng.choices(REASONS, WEIGHTS[tier])[0],
    )
    events: list[ev.InteractionEvent] = [reason]
    if rng.random() < TEXT_SHARE:
        more = msgspec.structs.replace(
            reason,
            ts=ts + rng.randint(4000, 15000),
            question="more",
            qtype="text",
            answer=rng.choice(TEXTS),
        )
        events.append(more)
    first = batches[-1]
    return _encode(
        msgspec.structs.replace(
            first,
            seq=max(b.seq for b in batches) + 1,
            bid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            sent=events[-1].ts + 500,
            rrweb=msgspec.Raw(b"[]"),
            events=events,
        )
    )
