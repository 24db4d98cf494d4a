"""From query-string parameters to a ``HeatQuery`` the caller may run, and the JSON answers.

Shared by the API, the heatmap page and the CLI's in-process export, so a map
means the same thing wherever it is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from clearsight.analyse import heatmap, heatmap_elements
from clearsight.analyse.conversion import GOAL_KEY, Goal
from clearsight.analyse.heatmap_query import BUCKETS, KINDS, HeatQuery, bucket_of
from clearsight.analyse.heatmap_urls import (
    SETTINGS_KEY,
    HeatmapSettings,
    PageRef,
    resolve_pages,
    rules_of,
)
from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import Access
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane
from clearsight.store.filters import scoped_sessions_sql
from clearsight.web.journey_filters import journey_within
from clearsight.web.params import time_param

_CHOICES = {
    "visitor": ("new", "returning"),
    "converted": ("yes", "no"),
    "device": ("desktop", "mobile", "tablet"),
}


@dataclass
class HeatRequest:
    query: HeatQuery
    pages: list[PageRef]
    buckets: dict[str, dict[str, int]]
    settings: HeatmapSettings

    @property
    def sample(self) -> dict[str, Any]:
        chosen = self.buckets[BUCKETS[self.query.bucket]]
        return chosen | {
            "min": self.settings.min_sample,
            "too_small": chosen["views"] < self.settings.min_sample,
        }

    def head(self) -> dict[str, Any]:
        return {
            "project": self.query.project,
            "url": self.pages[0].key if len(self.pages) == 1 else None,
            "pages": [p.key for p in self.pages],
            "bucket": BUCKETS[self.query.bucket],
            "buckets": self.buckets,
            "layer": self.query.layer,
            "sample": self.sample,
        }


def _choice(params: Mapping[str, str], name: str) -> str | None:
    value = (params.get(name) or "").strip().lower() or None
    if value is not None and value not in _CHOICES[name]:
        raise BadRequest(
            "invalid-parameter", f"`{name}` must be one of: {', '.join(_CHOICES[name])}"
        )
    return value


def project_for(control: ControlPlane, access: Access, params: Mapping[str, str]) -> str:
    wanted = (params.get("project") or "").strip()
    visible = [p.id for p in control.projects() if access.allows_project(p.id)]
    if wanted:
        if wanted not in visible:
            raise NotFound("project-not-found", "no such project (or it is not yours to see)")
        return wanted
    if len(visible) == 1:
        return visible[0]
    raise BadRequest("missing-parameter", "`project` is required: you can see several projects")


def heat_request(
    store: EventStore, control: ControlPlane, access: Access, params: Mapping[str, str]
) -> HeatRequest:
    project = project_for(control, access, params)
    stored = control.settings.all(project)  # one read for the heatmap settings and the goal
    settings = msgspec.convert(stored.get(SETTINGS_KEY, {}), HeatmapSettings)
    goal = msgspec.convert(stored.get(GOAL_KEY, {}), Goal)
    pages = resolve_pages(store, project, params.get("url") or "", rules_of(settings))
    scope_sql: str | None = None
    scope_params: dict[str, Any] = {}
    # A funnel stage or an experiment's variant (the experiment page's side-by-side
    # maps) narrows the sessions as it does in the sessions list.
    within = journey_within(params, lambda: project, control, store.dialect)
    if within or not access.unlimited:
        scope = SessionFilter(projects=(project,), within=tuple(within))
        scope_sql, scope_params = scoped_sessions_sql(
            scope if access.unlimited else access.sessions(scope), store.dialect
        )
    query = HeatQuery(
        project=project,
        pages=tuple(p.page for p in pages),
        bucket=0,
        since=time_param(params, "from"),
        until=time_param(params, "to", end_of_day=True),
        device=_choice(params, "device"),
        visitor=_choice(params, "visitor"),
        converted=_choice(params, "converted"),
        segment=(params.get("segment") or "").strip() or None,
        layer=(params.get("layer") or "all").strip(),
        scope_sql=scope_sql,
        scope_params=scope_params,
        goal=goal,
        regulatory_selectors=tuple(settings.regulatory_selectors),
    )
    if query.converted and not query.goal.url_pattern:
        raise BadRequest(
            "no-goal", "the project has no conversion goal: set one before filtering by it"
        )
    buckets = heatmap.bucket_counts(store, query)
    wanted = (params.get("bucket") or "").strip()
    bucket = bucket_of(wanted) if wanted else heatmap.most_common_bucket(buckets)
    query = msgspec.structs.replace(query, bucket=bucket)
    return HeatRequest(query, pages, buckets, settings)


def kind_of(params: Mapping[str, str]) -> str:
    kind = (params.get("kind") or "click").strip()
    if kind not in KINDS:
        raise BadRequest("invalid-parameter", f"`kind` must be one of: {', '.join(KINDS)}")
    return kind


def map_json(store: EventStore, req: HeatRequest, kind: str) -> dict[str, Any]:
    out = req.head() | {"kind": kind, "grid": heatmap.GRID, "bands": heatmap.BANDS}
    q = req.query
    if kind == "click":
        out["points"] = heatmap.click_points(store, q)
    elif kind == "move":
        out["points"] = heatmap.move_points(store, q)
    elif kind == "scroll":
        out["scroll"] = heatmap.scroll_bands(store, q)
    else:
        out["attention"] = heatmap.attention_bands(store, q)
    return out


def elements_json(store: EventStore, req: HeatRequest) -> dict[str, Any]:
    return (
        req.head()
        | heatmap_elements.ranking(store, req.query)
        | {"regulatory": heatmap_elements.regulatory(store, req.query)}
    )
