"""A/B experiments: per variant, conversion with a two-proportion test and intervals.

A session's variant is what the site reported (``clearsight.experiment(name,
variant)``) or, when it reported none, what an import assigned to its customer
(column ``exp:<name>``); see ``attributes``. Conversion is measured on a saved
funnel (sessions of the variant that entered step 1, and of those, how many
reached the last step) or, without one, on the project's conversion goal
(``analyse/conversion.py``).

Until every variant has the sample size needed to detect the experiment's
minimum effect, the result is "not enough data yet", whatever the p-value says:
peeking at an underpowered test is how false winners are declared.

Per-variant heatmaps: ``heatmap_url`` builds the link to the heatmap page with
the variant filter (``experiment`` and ``variant`` query parameters, which
``web/journey_filters.refine`` turns into a session filter). The experiment
page shows those links side by side.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec

from clearsight.analyse import attributes, funnels, stats
from clearsight.analyse.conversion import converted_sids_sql, goal_of
from clearsight.analyse.sqlbuild import Binder
from clearsight.errors import BadRequest, NotFound
from clearsight.govern.access import Access
from clearsight.govern.audit import Auditor
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane
from clearsight.store.filters import scoped_sessions_sql
from clearsight.store.sql import json_key

HEATMAP_PAGE = "/heatmaps"
"""Where per-variant heatmaps live (the heatmaps view); see ``heatmap_url``."""


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    funnel: str = ""
    """Saved funnel to measure on; empty: the project's conversion goal."""
    control: str = ""
    """The control variant; empty: the first variant by name."""
    minimum_effect: float = 0.1
    """Smallest relative change worth detecting (0.1 = 10 %): sets the sample size needed."""
    confidence: float = 0.95
    power: float = 0.8


def check_name(name: str) -> str:
    try:
        json_key(name)
    except ValueError:
        raise BadRequest(
            "invalid-experiment", "experiment names use letters, digits and _.:- (at most 60)"
        ) from None
    if len(name) > 60:
        raise BadRequest("invalid-experiment", "experiment names are at most 60 characters")
    return name


def settings_of(control: ControlPlane, project: str, name: str) -> Settings:
    return control.settings.get(project, "exp:" + check_name(name), Settings, Settings())


def configure(
    control: ControlPlane,
    auditor: Auditor,
    access: Access,
    project: str,
    name: str,
    value: Settings,
) -> None:
    """Check, store and audit an experiment's settings."""
    if value.funnel and funnels.saved(control).get(project, value.funnel) is None:
        raise BadRequest("funnel-not-found", f"project {project!r} has no funnel {value.funnel!r}")
    save_settings(control, project, name, value)
    auditor.record(access, "experiments.configure", f"experiment:{name}", project=project)


def save_settings(control: ControlPlane, project: str, name: str, value: Settings) -> None:
    if not 0 < value.minimum_effect <= 10 or not 0.5 <= value.confidence < 1:
        raise BadRequest("invalid-settings", "minimum_effect is in (0, 10], confidence [0.5, 1)")
    if not 0.5 <= value.power < 1:
        raise BadRequest("invalid-settings", "power is in [0.5, 1)")
    control.settings.set(project, "exp:" + check_name(name), value)


def listing(store: EventStore, project: str) -> list[dict[str, Any]]:
    """Experiments with their variants and exposed sessions."""
    out: dict[str, dict[str, int]] = {}
    for a in attributes.catalogue(store, project):
        if a.family == "experiment":
            name = a.name[len("experiment.") :]
            out[name] = dict(attributes.top_values(store, project, a.name, store.dialect, 20))
    return [{"name": n, "variants": v} for n, v in sorted(out.items())]


def _counts(
    store: EventStore, control: ControlPlane, project: str, name: str, s: Settings, f: SessionFilter
) -> dict[str, tuple[int, int]]:
    """variant → (sessions, conversions)."""
    if s.funnel:
        funnel = funnels.saved(control).get(project, s.funnel)
        if funnel is None:
            raise NotFound(
                "funnel-not-found",
                f"the experiment measures on funnel {s.funnel!r}, "
                "which does not exist; pick another with PUT /api/v1/experiments/…",
            )
        groups = funnels.run(store, funnel, project, f, breakdown="experiment." + name)
        return {
            v: (steps[0]["sessions"], steps[-1]["sessions"])
            for v, steps in groups.items()
            if v != attributes.NONE
        }
    scoped, params = scoped_sessions_sql(f, store.dialect)
    bind = Binder("xp")
    variants = attributes.attribute_sql("experiment." + name, project, store.dialect, bind)
    converted, goal_params = converted_sids_sql(goal_of(control, project), store.dialect, "xg")
    rows = store.query(
        f"SELECT v.value AS variant, count(*) AS n, sum(CASE WHEN v.sid IN ({converted}) "
        f"THEN 1 ELSE 0 END) AS c FROM ({variants}) v WHERE v.sid IN ({scoped}) "
        "GROUP BY v.value",
        params | bind.params | goal_params | {"xg": project},
    ).to_pylist()
    return {str(r["variant"]): (int(r["n"]), int(r["c"] or 0)) for r in rows}


def report(
    store: EventStore, control: ControlPlane, project: str, name: str, f: SessionFilter
) -> dict[str, Any]:
    s = settings_of(control, project, name)
    counts = _counts(store, control, project, name, s, f)
    names = sorted(counts)
    base = s.control if s.control in counts else (names[0] if names else "")
    variants = [_variant(v, *counts[v], s.confidence) for v in [base, *names] if v]
    variants = list({v["variant"]: v for v in variants}.values())
    out: dict[str, Any] = {
        "experiment": name,
        "project": project,
        "settings": msgspec.to_builtins(s),
        "metric": f"funnel {s.funnel}" if s.funnel else "conversion goal",
        "control": base,
        "variants": variants,
        "required_per_variant": None,
        "state": "not_enough_data",
        "reason": "",
    }
    if len(variants) < 2:
        out["reason"] = "fewer than two variants have sessions yet"
        return out
    _compare(out, counts, base, s)
    return out


def _variant(v: str, n: int, c: int, confidence: float) -> dict[str, Any]:
    low, high = stats.wilson_interval(c, n, confidence)
    return {
        "variant": v,
        "sessions": n,
        "conversions": c,
        "rate": round(c / n, 4) if n else None,
        "ci": [round(low, 4), round(high, 4)],
    }


def _compare(
    out: dict[str, Any], counts: dict[str, tuple[int, int]], base: str, s: Settings
) -> None:
    n0, c0 = counts[base]
    required = stats.required_sample_size(c0 / n0, s.minimum_effect, 1 - s.confidence, s.power)
    out["required_per_variant"] = required
    significant = False
    for v in out["variants"][1:]:
        cmp = stats.two_proportions(c0, n0, v["conversions"], v["sessions"], s.confidence)
        significant |= cmp.p_value < 1 - s.confidence
        v["vs_control"] = {
            "difference": round(cmp.difference, 4),
            "ci": [round(cmp.ci_low, 4), round(cmp.ci_high, 4)],
            "z": round(cmp.z, 3),
            "p_value": round(cmp.p_value, 5),
        }
    smallest = min(v["sessions"] for v in out["variants"])
    if required is None:
        out["reason"] = (
            "the control converts at 0% or 100% so far: the sample size needed cannot be "
            "estimated yet"
        )
    elif smallest < required:
        out["reason"] = (
            f"each variant needs {required:,} sessions to detect a "
            f"{s.minimum_effect:.0%} change; the smallest has {smallest:,}"
        )
    else:
        out["state"] = "significant" if significant else "no_significant_difference"


def exposure_page(store: EventStore, project: str, name: str) -> str:
    """The page (as a glob) where the experiment was most often reported."""
    rows = store.query(
        "SELECT p.path AS path, count(*) AS n FROM experiments x JOIN pageviews p "
        "ON p.sid = x.sid AND p.pv = x.pv WHERE x.project = :p AND x.exp = :e "
        "GROUP BY p.path ORDER BY n DESC LIMIT 1",
        {"p": project, "e": name},
    ).to_pylist()
    return attributes.slug_path(str(rows[0]["path"])) if rows else ""


def heatmap_url(project: str, name: str, variant: str, page: str, bucket: str = "") -> str:
    """The heatmap page for one variant (the extension point the heatmap view honours).
    Maps compared side by side are drawn at the same viewport ``bucket``."""
    query = {
        "project": project,
        "url": page,
        "experiment": name,
        "variant": variant,
        "bucket": bucket,
    }
    return HEATMAP_PAGE + "?" + urlencode({k: v for k, v in query.items() if v})
