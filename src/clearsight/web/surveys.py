"""Micro-surveys over HTTP: definitions, results, responses, the pages, and the widget bundle.

Who may read what (``govern/permissions.py``):

- ``surveys.view``: definitions and aggregates: counts per option and rating, averages,
  pages, segments, the share of sessions with feedback. A count says nothing about one
  customer, so viewers hold it.
- ``surveys.responses``: individual responses, each tied to its session, with the free
  text. A visitor may have typed something about themselves however well the filter
  masks, and a response leads to a session, so this is customer-level data: audited on
  every read, like session lists.
- ``analysis.manage``: create, change, pause and delete surveys (audited).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from clearsight.analyse import surveys as results
from clearsight.errors import NotFound, Unavailable
from clearsight.govern.access import access_of
from clearsight.http import PUBLIC, guarded, json_response
from clearsight.store import chunks
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.surveys.definitions import Survey, SurveyBook, parse_survey, to_json
from clearsight.web.pages import TEMPLATES, render
from clearsight.web.params import int_param, time_param

WIDGET = Path(__file__).parent / "static" / "capture-survey.js"


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _linker(request: Request) -> Callable[..., str]:
    """``link(**changes)``: this page's query string with some parameters changed."""
    kept = {k: v for k, v in request.query_params.items() if v and k != "page"}

    def link(**changes: Any) -> str:
        merged = {k: v for k, v in (kept | changes).items() if v not in (None, "")}
        return "?" + urlencode(merged) if merged else ""

    return link


TEMPLATES.env.filters["pct"] = _pct


class SurveysWeb:
    def __init__(
        self,
        store: EventStore,
        sealer: chunks.ChunkSealer,
        control: ControlPlane,
        book: SurveyBook,
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.control = control
        self.book = book

    def routes(self) -> list[Route]:
        one = "/api/v1/surveys/{project}/{survey}"
        return [
            guarded("/capture-survey.js", self.widget, PUBLIC),
            guarded("/api/v1/surveys", self.list_api, "surveys.view"),
            guarded(one, self.results_api, "surveys.view"),
            guarded(one, self.put_api, "analysis.manage", ["PUT"]),
            guarded(one, self.delete_api, "analysis.manage", ["DELETE"]),
            guarded(one + "/responses", self.responses_api, "surveys.responses"),
            guarded("/surveys", self.list_page, "surveys.view"),
            guarded("/surveys/{project}/{survey}", self.results_page, "surveys.view"),
            guarded(
                "/surveys/{project}/{survey}/responses", self.responses_page, "surveys.responses"
            ),
        ]

    # -- shared ---------------------------------------------------------------------------------

    def widget(self, request: Request) -> Response:
        if not WIDGET.exists():
            raise Unavailable(
                "capture-not-built", "capture-survey.js has not been built: run `make capture`"
            )
        return FileResponse(
            WIDGET,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    def _project(self, request: Request) -> str:
        project: str = request.path_params["project"]
        if not access_of(request).allows_project(project) or self.control.project(project) is None:
            raise NotFound("project-not-found", f"no project {project!r} (or not in your scope)")
        request.state.audit_project = project
        return project

    def _survey(self, request: Request) -> tuple[str, Survey]:
        project = self._project(request)
        return project, self.book.get(project, request.path_params["survey"])

    def _scope(self, request: Request, project: str) -> results.Scope:
        q = request.query_params
        return results.scope_of(
            self.store,
            access_of(request),
            project,
            since=time_param(q, "from"),
            until=time_param(q, "to", end_of_day=True),
            segment=(q.get("segment") or "").strip() or None,
        )

    def _overview(self, request: Request) -> list[dict[str, Any]]:
        access = access_of(request)
        out = []
        for p in self.control.projects():
            if not access.allows_project(p.id):
                continue
            scope = self._scope(request, p.id)
            totals = results.survey_totals(self.store, scope)
            surveys = [
                to_json(s)
                | {"totals": totals.get(s.id, {"sessions": 0, "answers": 0, "last": None})}
                for s in self.book.all(p.id)
            ]
            feedback = results.feedback_share(self.store, scope)
            out.append({"project": p.id, "name": p.name, "feedback": feedback, "surveys": surveys})
        return out

    def _results(self, request: Request) -> tuple[str, Survey, dict[str, Any]]:
        project, survey = self._survey(request)
        found = results.results(self.store, self.control, self._scope(request, project), survey)
        return project, survey, found

    def _responses(self, request: Request) -> tuple[str, Survey, dict[str, Any]]:
        project, survey = self._survey(request)
        q = request.query_params
        wanted = results.ResponseQuery(
            page=int_param(q, "page", default=1, lo=1, hi=10**6) or 1,
            per_page=int_param(q, "per_page", default=50, lo=1, hi=500) or 50,
            question=q.get("question") or None,
            answer=q.get("answer"),
        )
        scope = self._scope(request, project)
        found = results.responses(self.store, self.sealer, self.control, scope, survey, wanted)
        return project, survey, found

    # -- API ------------------------------------------------------------------------------------

    def list_api(self, request: Request) -> Response:
        return json_response({"projects": self._overview(request)})

    def results_api(self, request: Request) -> Response:
        _, survey, found = self._results(request)
        return json_response({"definition": to_json(survey)} | found)

    async def put_api(self, request: Request) -> Response:
        survey = parse_survey(await request.body(), request.path_params["survey"])
        response: Response = await run_in_threadpool(self._put, request, survey)
        return response

    def _put(self, request: Request, survey: Survey) -> Response:
        project = self._project(request)
        created = self.book.save(access_of(request), project, survey)
        return json_response(to_json(survey), 201 if created else 200)

    def delete_api(self, request: Request) -> Response:
        project = self._project(request)
        self.book.delete(access_of(request), project, request.path_params["survey"])
        return Response(status_code=204)

    def responses_api(self, request: Request) -> Response:
        return json_response(self._responses(request)[2])

    # -- pages ----------------------------------------------------------------------------------

    def list_page(self, request: Request) -> Response:
        return self._page(request, "surveys.html", projects=self._overview(request))

    def results_page(self, request: Request) -> Response:
        project, survey, found = self._results(request)
        return self._page(request, "survey.html", project=project, survey=survey, r=found)

    def responses_page(self, request: Request) -> Response:
        project, survey, found = self._responses(request)
        pages = max(1, -(-found["total"] // found["per_page"]))
        return self._page(
            request, "survey_responses.html", project=project, survey=survey, r=found, pages=pages
        )

    def _page(self, request: Request, template: str, **context: Any) -> Response:
        context |= {"q": request.query_params, "link": _linker(request), "nav": "surveys"}
        return render(request, template, context)
