"""Survey results: the answers per question, where they were given, and who gave them.

Every figure is limited to the sessions the caller may see (``Access``), that started
in the chosen range, and optionally to one saved segment. Aggregates (answer counts,
averages, pages, segments, the share of sessions with feedback) are what
``surveys.view`` opens; individual responses, with their free text and session, need
``surveys.responses`` (``responses`` below).

Extension point: ``CONTEXT`` holds the columns shown beside each response, each
computed for a page of responding sessions at once. Built in: whether the session
converted (``analyse/conversion.py``) and its JavaScript errors. Funnels register the
furthest funnel step a session reached, friction signals its issues, with
``register_context`` at import time; the API and the page show whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clearsight.analyse.conversion import converted_sids_sql, goal_of
from clearsight.govern.access import Access
from clearsight.store import chunks
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane
from clearsight.store.filters import session_where
from clearsight.surveys.definitions import Question, Survey
from clearsight.urlglob import glob_to_regex

# Path segments holding a digit are ids (/loan/12345/income): one page for all of them.
_ID_SEGMENT = "[^/]*[0-9][^/]*"
_ANSWERS = "survey_answers WHERE project = :project AND survey = :survey"


@dataclass(frozen=True)
class Scope:
    """The sessions a result is computed over, as SQL."""

    project: str
    where: str
    """A WHERE clause over ``sessions``."""
    params: dict[str, Any]

    @property
    def sids(self) -> str:
        return f"SELECT sid FROM sessions WHERE {self.where}"


def scope_of(
    store: EventStore,
    access: Access,
    project: str,
    since: int | None = None,
    until: int | None = None,
    segment: str | None = None,
) -> Scope:
    wanted = access.sessions(SessionFilter(projects=(project,), since=since, until=until))
    where, params = session_where(wanted, store.dialect)
    if segment:
        where += (
            " AND sessions.sid IN (SELECT sid FROM segment_members"
            " WHERE project = :project AND segment = :segment)"
        )
        params["segment"] = segment
    return Scope(project, where, params | {"project": project})


def _rows(store: EventStore, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = store.query(sql, params).to_pylist()
    return rows


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def feedback_share(store: EventStore, scope: Scope) -> dict[str, Any]:
    """The share of sessions with feedback: sessions that answered any survey."""
    row = _rows(
        store,
        "SELECT count(*) AS sessions, coalesce(sum(CASE WHEN sid IN (SELECT sid FROM "
        "survey_answers WHERE project = :project) THEN 1 ELSE 0 END), 0) AS with_feedback "
        f"FROM sessions WHERE {scope.where}",
        scope.params,
    )[0]
    sessions, answered = int(row["sessions"]), int(row["with_feedback"])
    return {"sessions": sessions, "with_feedback": answered, "share": _share(answered, sessions)}


def survey_totals(store: EventStore, scope: Scope) -> dict[str, dict[str, Any]]:
    """Per survey: answering sessions, answers, and the latest answer's time."""
    rows = _rows(
        store,
        "SELECT survey, count(DISTINCT sid) AS sessions, count(*) AS answers, max(ts) AS last "
        f"FROM survey_answers WHERE project = :project AND sid IN ({scope.sids}) GROUP BY survey",
        scope.params,
    )
    return {r["survey"]: r for r in rows}


def _page_expr(store: EventStore) -> str:
    return store.dialect.regex_replace("path", f"'{_ID_SEGMENT}'", "'*'")


def _targeted(store: EventStore, scope: Scope, survey: Survey) -> int:
    """Sessions that visited a page the survey targets: who could have seen it."""
    if not survey.urls:
        sql, params = f"SELECT count(*) AS n FROM sessions WHERE {scope.where}", scope.params
    else:
        regex = "|".join(f"(?:{glob_to_regex(u)})" for u in survey.urls)
        match = store.dialect.regex_full_match("path", ":targets")
        sql = (
            "SELECT count(DISTINCT sid) AS n FROM pageviews WHERE project = :project "
            f"AND {match} AND sid IN ({scope.sids})"
        )
        params = scope.params | {"targets": regex}
    return int(_rows(store, sql, params)[0]["n"])


def results(
    store: EventStore, control: ControlPlane, scope: Scope, survey: Survey
) -> dict[str, Any]:
    """Everything the results page shows except individual responses."""
    goal_sql, goal_params = converted_sids_sql(goal_of(control, scope.project), store.dialect)
    params = scope.params | goal_params | {"survey": survey.id}
    counted = _rows(
        store,
        "SELECT question, answer, count(*) AS n, "
        f"sum(CASE WHEN sid IN ({goal_sql}) THEN 1 ELSE 0 END) AS converted "
        f"FROM {_ANSWERS} AND qtype <> 'text' AND sid IN ({scope.sids}) GROUP BY question, answer",
        params,
    )
    texts = _rows(
        store,
        f"SELECT question, count(*) AS n FROM {_ANSWERS} AND qtype = 'text' "
        f"AND sid IN ({scope.sids}) GROUP BY question",
        params,
    )
    responded = _rows(
        store,
        f"SELECT count(DISTINCT sid) AS n FROM {_ANSWERS} AND sid IN ({scope.sids})",
        params,
    )[0]["n"]
    targeted = _targeted(store, scope, survey)
    return {
        "survey": survey.id,
        "responded": int(responded),
        "targeted": targeted,
        "response_share": _share(int(responded), targeted),
        "feedback": feedback_share(store, scope),
        "goal": bool(goal_params),
        "questions": [_question(q, counted, texts) for q in survey.questions],
        "pages": _pages(store, scope, params),
        "segments": _segments(store, scope, params),
    }


def _question(
    q: Question, counted: list[dict[str, Any]], texts: list[dict[str, Any]]
) -> dict[str, Any]:
    mine = {r["answer"]: r for r in counted if r["question"] == q.id}
    free = sum(int(r["n"]) for r in texts if r["question"] == q.id)
    if q.type == "choice":
        labels = list(q.options) + sorted(a for a in mine if a not in q.options)
    elif q.type == "rating":
        labels = [str(v) for v in range(1, q.scale + 1)]
    else:
        labels = []
    total = sum(int(r["n"]) for r in mine.values()) + free
    counts = [
        {
            "answer": a,
            "n": int(mine[a]["n"]) if a in mine else 0,
            "converted": int(mine[a]["converted"]) if a in mine else 0,
        }
        for a in labels
    ]
    for c in counts:
        c["share"] = _share(c["n"], total)
    out: dict[str, Any] = {"id": q.id, "type": q.type, "text": q.text, "answers": total}
    out |= {"counts": counts, "text_answers": free}
    if q.type == "rating":
        rated = sum(c["n"] for c in counts)
        weighted = sum(int(c["answer"]) * c["n"] for c in counts)
        out["average"] = round(weighted / rated, 2) if rated else None
    return out


def _pages(store: EventStore, scope: Scope, params: dict[str, Any]) -> list[dict[str, Any]]:
    page = _page_expr(store)
    return _rows(
        store,
        f"SELECT {page} AS page, count(DISTINCT sid) AS sessions FROM {_ANSWERS} "
        f"AND sid IN ({scope.sids}) GROUP BY {page} ORDER BY sessions DESC, page LIMIT 20",
        params,
    )


def _segments(store: EventStore, scope: Scope, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Answering sessions per saved segment (a session can be in several)."""
    return _rows(
        store,
        "SELECT m.segment AS segment, count(DISTINCT a.sid) AS sessions "
        "FROM survey_answers a JOIN segment_members m ON m.sid = a.sid AND m.project = a.project "
        f"WHERE a.project = :project AND a.survey = :survey AND a.sid IN ({scope.sids}) "
        "GROUP BY m.segment ORDER BY sessions DESC, segment LIMIT 50",
        params,
    )


# -- individual responses ------------------------------------------------------------------

ContextProvider = Callable[[EventStore, ControlPlane, str, list[str]], dict[str, Any]]
"""(store, control, project, sids) → {sid: value} for the sids that have one."""


@dataclass(frozen=True)
class ContextColumn:
    key: str
    label: str
    provider: ContextProvider


CONTEXT: list[ContextColumn] = []


def register_context(key: str, label: str, provider: ContextProvider) -> None:
    """Add (or replace) a column shown beside each response."""
    CONTEXT[:] = [c for c in CONTEXT if c.key != key] + [ContextColumn(key, label, provider)]


def _converted(
    store: EventStore, control: ControlPlane, project: str, sids: list[str]
) -> dict[str, Any]:
    goal = goal_of(control, project)
    if not goal.url_pattern:
        return {}
    sql, params = converted_sids_sql(goal, store.dialect)
    found = _rows(
        store,
        f"SELECT sid FROM ({sql}) c WHERE {store.dialect.in_list('sid', 'sids')}",
        params | {"project": project, "sids": sids},
    )
    hits = {r["sid"] for r in found}
    return {sid: sid in hits for sid in sids}


def _errors(
    store: EventStore, control: ControlPlane, project: str, sids: list[str]
) -> dict[str, Any]:
    found = _rows(
        store,
        "SELECT sid, errors FROM sessions WHERE project = :project AND "
        + store.dialect.in_list("sid", "sids"),
        {"project": project, "sids": sids},
    )
    return {r["sid"]: int(r["errors"]) for r in found}


register_context("converted", "Converted", _converted)
register_context("errors", "JS errors", _errors)


@dataclass(frozen=True)
class ResponseQuery:
    page: int = 1
    per_page: int = 50
    question: str | None = None
    """With ``answer``: only sessions that gave this choice or rating."""
    answer: str | None = None


def responses(
    store: EventStore,
    sealer: chunks.ChunkSealer,
    control: ControlPlane,
    scope: Scope,
    survey: Survey,
    q: ResponseQuery,
) -> dict[str, Any]:
    """One page of responses, newest first: each session's answers, segments and context."""
    params = scope.params | {"survey": survey.id}
    where = f"sid IN ({scope.sids})"
    if q.question and q.answer is not None:
        where += (
            f" AND sid IN (SELECT sid FROM {_ANSWERS} AND question = :f_question"
            " AND answer = :f_answer AND qtype <> 'text')"
        )
        params |= {"f_question": q.question, "f_answer": q.answer}
    listed = _rows(
        store,
        f"SELECT sid, min(ts) AS ts, count(*) OVER () AS total FROM {_ANSWERS} AND {where} "
        "GROUP BY sid ORDER BY ts DESC, sid LIMIT :limit OFFSET :offset",
        params | {"limit": q.per_page, "offset": (q.page - 1) * q.per_page},
    )
    sids = [r["sid"] for r in listed]
    items = _answers_of(store, sealer, control, scope, survey, sids) if sids else []
    return {
        "items": items,
        "total": int(listed[0]["total"]) if listed else 0,
        "page": q.page,
        "per_page": q.per_page,
        "columns": [{"key": c.key, "label": c.label} for c in CONTEXT],
    }


def _answers_of(
    store: EventStore,
    sealer: chunks.ChunkSealer,
    control: ControlPlane,
    scope: Scope,
    survey: Survey,
    sids: list[str],
) -> list[dict[str, Any]]:
    project = scope.project
    params = {"project": project, "survey": survey.id, "sids": sids}
    member = store.dialect.in_list("sid", "sids")
    rows = _rows(
        store,
        f"SELECT sid, ts, path, question, qtype, answer FROM {_ANSWERS} AND {member} ORDER BY ts",
        params,
    )
    segments = _rows(
        store,
        f"SELECT sid, segment FROM segment_members WHERE project = :project AND {member} "
        "ORDER BY segment",
        params,
    )
    context = {c.key: c.provider(store, control, project, sids) for c in CONTEXT}
    by_sid: dict[str, dict[str, Any]] = {
        sid: {"sid": sid, "ts": None, "path": "", "answers": [], "segments": [], "context": {}}
        for sid in sids
    }
    for r in rows:
        item = by_sid[r["sid"]]
        answer = r["answer"]
        if r["qtype"] == "text":
            answer = sealer.open_text(project, r["sid"], answer)
        if item["ts"] is None:
            item["ts"], item["path"] = r["ts"], r["path"]
        item["answers"].append({"question": r["question"], "qtype": r["qtype"], "answer": answer})
    for s in segments:
        by_sid[s["sid"]]["segments"].append(s["segment"])
    for key, values in context.items():
        for sid, item in by_sid.items():
            item["context"][key] = values.get(sid)
    return list(by_sid.values())
