"""Survey definitions: what a project asks its visitors, on which pages, and when.

A project's surveys are one per-project setting (``surveys``) in the control plane, so the
CLI can change them beside a running server. ``SurveyBook`` is the only writer: it
validates a definition and writes the audit log. The capture script gets the active
surveys inside ``GET /api/v1/capture-config`` (``capture_surveys``).
"""

from __future__ import annotations

import re
from typing import Any, Literal

import msgspec

from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor
from clearsight.ingest.http import CaptureConfig
from clearsight.store.control import ControlPlane, Project

SETTING = "surveys"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
QType = Literal["choice", "rating", "text"]
Trigger = Literal["time", "exit", "frustration"]


class Question(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    id: str
    type: QType
    text: str
    options: list[str] = []
    """Single choice: the options, 2 to 8. The answer is the chosen option's text."""
    scale: int = 5
    """Rating: answers are 1 to ``scale`` (3 to 10)."""
    low: str = ""
    """Rating: what the lowest value means, e.g. "Very hard"."""
    high: str = ""
    max_length: int = 500
    """Short text: the most characters a visitor can type (1 to 1000)."""


class Labels(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The widget's own words, for sites in other languages."""

    close: str = "Close survey"
    send: str = "Send"
    thanks: str = "Thank you for your feedback."


class Survey(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    questions: list[Question]
    title: str = ""
    urls: list[str] = []
    """Path globs the survey may show on (``*`` one segment, ``**`` any); none means every page."""
    trigger: Trigger = "time"
    """``time``: after ``seconds`` on the page; ``exit``: when the pointer leaves through the
    top of the window; ``frustration``: after a rage click or an error click."""
    seconds: int = 0
    """Time on the page before the survey may show, whatever the trigger."""
    sample_rate: float = 1.0
    """Share of sessions (0 to 1) that may see it, drawn once per session."""
    active: bool = True
    labels: Labels = msgspec.field(default_factory=Labels)


def _question_problems(q: Question) -> list[str]:
    where = f"question {q.id!r}"
    problems = [] if SLUG.fullmatch(q.id) else [f"{where}: ids are a-z, 0-9 and '-'"]
    if not 0 < len(q.text.strip()) <= 200:
        problems.append(f"{where}: `text` must have 1 to 200 characters")
    if q.type == "choice":
        options = [o.strip() for o in q.options]
        if not 2 <= len(options) <= 8 or not all(0 < len(o) <= 80 for o in options):
            problems.append(f"{where}: a choice needs 2 to 8 options of 1 to 80 characters")
        elif len(set(options)) != len(options):
            problems.append(f"{where}: options must differ")
    elif q.options:
        problems.append(f"{where}: only choice questions have options")
    if q.type == "rating" and not 3 <= q.scale <= 10:
        problems.append(f"{where}: `scale` must be 3 to 10")
    if not 1 <= q.max_length <= 1000:
        problems.append(f"{where}: `max_length` must be 1 to 1000")
    if len(q.low) > 40 or len(q.high) > 40:
        problems.append(f"{where}: `low` and `high` have at most 40 characters")
    return problems


def _good_url(u: str) -> bool:
    # `?` is literal for the capture script but a wildcard for the server: allow neither
    return u.startswith("/") and len(u) <= 200 and "?" not in u


def problems_of(s: Survey) -> list[str]:
    """What is wrong with a definition, in words an operator can act on; empty when valid."""
    problems = [] if SLUG.fullmatch(s.id) else ["survey ids are a-z, 0-9 and '-' (up to 64)"]
    if not 1 <= len(s.questions) <= 3:
        problems.append("a micro-survey has 1 to 3 questions")
    if len({q.id for q in s.questions}) != len(s.questions):
        problems.append("question ids must differ")
    for q in s.questions:
        problems += _question_problems(q)
    if len(s.title) > 120:
        problems.append("`title` has at most 120 characters")
    if len(s.urls) > 20 or not all(_good_url(u) for u in s.urls):
        problems.append("`urls` are up to 20 path globs starting with '/', with * and ** only")
    if not 0 <= s.seconds <= 3600:
        problems.append("`seconds` must be 0 to 3600")
    if not 0.0 <= s.sample_rate <= 1.0:
        problems.append("`sample_rate` must be 0 to 1")
    labels = (s.labels.close, s.labels.send, s.labels.thanks)
    if not all(0 < len(t.strip()) <= 120 for t in labels):
        problems.append("`labels` need 1 to 120 characters each")
    return problems


def parse_survey(raw: bytes | dict[str, Any], survey_id: str | None = None) -> Survey:
    """A definition from JSON (or a decoded dict), checked; ``survey_id`` fills in or must
    match the body's ``id``."""
    try:
        data = msgspec.json.decode(raw) if isinstance(raw, bytes) else dict(raw)
        if not isinstance(data, dict):
            raise msgspec.ValidationError("expected a JSON object")
        if survey_id is not None and data.setdefault("id", survey_id) != survey_id:
            raise msgspec.ValidationError("the body's `id` differs from the address")
        survey = msgspec.convert(data, Survey)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise BadRequest("invalid-survey", f"invalid survey definition: {exc}") from None
    problems = problems_of(survey)
    if problems:
        raise BadRequest("invalid-survey", "invalid survey definition: " + "; ".join(problems))
    return survey


def summary(s: Survey) -> dict[str, Any]:
    """What the audit log keeps of a definition: its shape, not its wording."""
    return {
        "active": s.active,
        "trigger": s.trigger,
        "seconds": s.seconds,
        "sample_rate": s.sample_rate,
        "urls": s.urls,
        "questions": [f"{q.id}:{q.type}" for q in s.questions],
    }


class SurveyBook:
    """Reads and changes a project's surveys; every change is audited."""

    def __init__(self, control: ControlPlane, auditor: Auditor | None = None) -> None:
        self.control = control
        self.auditor = auditor

    def all(self, project: str) -> list[Survey]:
        return self.control.settings.get(project, SETTING, list[Survey], [])

    def get(self, project: str, survey_id: str) -> Survey:
        found = next((s for s in self.all(project) if s.id == survey_id), None)
        if found is None:
            raise NotFound("survey-not-found", f"project {project!r} has no survey {survey_id!r}")
        return found

    def save(self, access: Access, project: str, survey: Survey) -> bool:
        """Creates or replaces ``survey``; True when it is new."""
        if self.control.project(project) is None:
            raise NotFound("project-not-found", f"no project {project!r}")
        current = self.all(project)
        created = all(s.id != survey.id for s in current)
        kept = [survey if s.id == survey.id else s for s in current]
        self.control.settings.set(project, SETTING, [*kept, survey] if created else kept)
        self._audit(access, "surveys.create" if created else "surveys.update", project, survey)
        return created

    def delete(self, access: Access, project: str, survey_id: str) -> None:
        survey = self.get(project, survey_id)
        rest = [s for s in self.all(project) if s.id != survey_id]
        self.control.settings.set(project, SETTING, rest)
        self._audit(access, "surveys.delete", project, survey)

    def _audit(self, access: Access, action: str, project: str, survey: Survey) -> None:
        if self.auditor is not None:
            self.auditor.record(
                access,
                action,
                f"survey:{project}/{survey.id}",
                project=project,
                detail=summary(survey),
            )


def to_json(s: Survey) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(s)
    return out


def with_surveys(base: CaptureConfig, book: SurveyBook) -> CaptureConfig:
    """The capture config with the project's active surveys added under ``surveys``."""

    def config(project: Project) -> dict[str, Any]:
        return base(project) | {"surveys": capture_surveys(book.all(project.id))}

    return config


def capture_surveys(surveys: list[Survey]) -> list[dict[str, Any]]:
    """The active surveys as the capture script reads them (camelCase, like the rest of
    the capture config)."""
    return [
        {
            "id": s.id,
            "title": s.title,
            "urls": s.urls,
            "trigger": s.trigger,
            "seconds": s.seconds,
            "sampleRate": s.sample_rate,
            "labels": msgspec.to_builtins(s.labels),
            "questions": [_capture_question(q) for q in s.questions],
        }
        for s in surveys
        if s.active
    ]


def _capture_question(q: Question) -> dict[str, Any]:
    out: dict[str, Any] = {"id": q.id, "type": q.type, "text": q.text}
    if q.type == "choice":
        out["options"] = q.options
    elif q.type == "rating":
        out |= {"scale": q.scale, "low": q.low, "high": q.high}
    else:
        out["maxLength"] = q.max_length
    return out
