"""What "converted" means for a project: the session reached the goal.

Heatmaps (clicks against conversion), frustration issues (impact) and the
dashboard all ask the same question, so they all ask it here. The goal is a
page-path glob for now (e.g. ``/loan/*/complete``); funnels may refine it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from clearsight.store.control import ControlPlane
from clearsight.store.sql import Dialect
from clearsight.urlglob import glob_to_regex

GOAL_KEY = "goal"


class Goal(msgspec.Struct, frozen=True):
    url_pattern: str = ""
    """Sessions that viewed a page whose path matches this glob converted."""
    label: str = ""


def goal_of(control: ControlPlane, project: str) -> Goal:
    return control.settings.get(project, GOAL_KEY, Goal, Goal())


def converted_sids_sql(
    goal: Goal, d: Dialect, project_param: str = "project"
) -> tuple[str, dict[str, Any]]:
    """``SELECT sid ...`` of the project's converted sessions; matches nothing without a goal."""
    if not goal.url_pattern:
        return "SELECT sid FROM pageviews WHERE 1 = 0", {}
    match = d.regex_full_match("path", ":goal_regex")
    return (
        f"SELECT DISTINCT sid FROM pageviews WHERE project = :{project_param} AND {match}",
        {"goal_regex": glob_to_regex(goal.url_pattern)},
    )
