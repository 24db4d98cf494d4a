"""The ingest filter for survey answers: free text is scrubbed before anything is stored.

The whole-batch privacy filter also masks answers, but this one does not rely on it:
a survey's free text is where a visitor is most likely to type a name, an account
number or an e-mail address, so it is masked here whatever other filters run.

An answer is trusted as a choice or a rating only when it fits the survey's
definition (known survey and question, same type, an offered option, a value on the
scale). Anything else is kept as free text: scrubbed, cut to length, sealed with the
session's text key by the store, and shown only to those who may read free text.
"""

from __future__ import annotations

import msgspec

from clearsight import events as ev
from clearsight.privacy.scrub import scrub_text
from clearsight.store.control import Project
from clearsight.surveys.definitions import Question, SurveyBook

MAX_TEXT = 1000
MAX_ID = 64

_decode = msgspec.json.Decoder(ev.Batch)
_encode = msgspec.json.Encoder().encode


def fits(q: Question | None, e: ev.SurveyAnswer) -> bool:
    """Whether a choice or rating answer is one the question offered."""
    if q is None or q.type != e.qtype:
        return False
    if q.type == "choice":
        return e.answer in q.options
    if q.type == "rating":
        return e.answer.isdigit() and 1 <= int(e.answer) <= q.scale
    return False


def clean(e: ev.SurveyAnswer, questions: dict[tuple[str, str], Question]) -> ev.SurveyAnswer:
    q = questions.get((e.survey, e.question))
    if fits(q, e):
        return e
    limit = q.max_length if q is not None and q.type == "text" else MAX_TEXT
    survey, question = e.survey, e.question
    if q is None:
        # ids that no definition has are as untrusted as the answer
        survey, question = scrub_text(survey[:MAX_ID])[0], scrub_text(question[:MAX_ID])[0]
    answer = scrub_text(e.answer[:limit])[0]
    return msgspec.structs.replace(e, survey=survey, question=question, qtype="text", answer=answer)


class ScrubSurveyAnswers:
    """A body filter (``ingest.accept.BodyFilter``) for ``survey`` events."""

    def __init__(self, book: SurveyBook) -> None:
        self.book = book

    def __call__(self, body: bytes, batch: ev.Batch, project: Project) -> bytes:
        # ``batch`` is the batch as decoded on arrival; filters never add events.
        if not any(isinstance(e, ev.SurveyAnswer) for e in batch.events):
            return body
        current = _decode.decode(body)
        if not any(isinstance(e, ev.SurveyAnswer) for e in current.events):
            return body
        # paused surveys count too: their last answers may still be on their way
        questions = {(s.id, q.id): q for s in self.book.all(project.id) for q in s.questions}
        events = [
            clean(e, questions) if isinstance(e, ev.SurveyAnswer) else e for e in current.events
        ]
        return _encode(msgspec.structs.replace(current, events=events))
