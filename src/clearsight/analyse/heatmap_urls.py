"""Which page a heatmap is about: URL normalisation rules and page lookup.

Heatmaps group page views by *normalised* path, so ``/loan/123/offer`` and
``/loan/456/offer`` are one page, ``/loan/:id/offer``. A rule replaces a whole
path segment that fully matches its RE2 pattern; the first matching rule
wins. The writer applies the same rules in SQL (rollups/030_heatmaps.sql),
so both sides must agree: they share RE2, and ``tests/heatmaps`` checks.

Per-project settings live in the control plane under ``heatmap``
(``HeatmapSettings``); the rules are mirrored into the event store, and a
change re-derives the heat tables (``store.duckdb.heatmaps.rebuild``).
"""

from __future__ import annotations

import weakref
from typing import Any
from urllib.parse import urlsplit

import msgspec
import re2

from clearsight.errors import BadRequest, NotFound
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.store.heat_rules import DEFAULT_RULES
from clearsight.urlglob import glob_to_regex, is_glob

SETTINGS_KEY = "heatmap"


class UrlRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pattern: str
    """RE2 pattern a whole path segment must match, e.g. ``[A-Z]{2}[0-9]{6}``."""
    replacement: str
    """What the segment becomes, e.g. ``:ref``."""


class HeatmapSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    url_rules: list[UrlRule] | None = None
    """None: the default rules (ids, UUIDs, long hex)."""
    regulatory_selectors: list[str] = []
    """Selectors of regulatory elements besides ``[data-cs-regulatory]`` ones: an element
    whose stored selector equals one, or is a path inside one (``#fee-table>tbody>…``)."""
    min_sample: int = 30
    """Fewer page views than this and the legend says the map is too small to trust."""


def settings_of(control: ControlPlane, project: str) -> HeatmapSettings:
    return control.settings.get(project, SETTINGS_KEY, HeatmapSettings, HeatmapSettings())


def validate(settings: HeatmapSettings) -> None:
    for rule in settings.url_rules or []:
        try:
            re2.compile(rule.pattern)
        except re2.error:
            raise BadRequest(
                "invalid-url-rule", f"URL rule pattern {rule.pattern!r} is not valid RE2"
            ) from None
        if "/" in rule.replacement:
            raise BadRequest("invalid-url-rule", "a replacement names one segment: no '/'")
    if not 1 <= settings.min_sample <= 1_000_000:
        raise BadRequest("invalid-parameter", "min_sample must be between 1 and 1000000")


def rules_of(settings: HeatmapSettings) -> list[tuple[str, str]]:
    if settings.url_rules is None:
        return list(DEFAULT_RULES)
    return [(r.pattern, r.replacement) for r in settings.url_rules]


def path_of(url: str) -> str:
    """The path of a URL or of a path with a query string."""
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        raise BadRequest("invalid-parameter", "`url` is not a URL or path") from None


def normalise(path: str, rules: list[tuple[str, str]]) -> str:
    compiled = [(re2.compile(p), r) for p, r in rules]

    def segment(seg: str) -> str:
        for pattern, replacement in compiled:
            if pattern.fullmatch(seg):
                return replacement
        return seg

    return "/".join(segment(s) for s in path.split("/"))


class PageRef(msgspec.Struct, frozen=True):
    page: int
    key: str


def resolve_pages(
    store: EventStore, project: str, url: str, rules: list[tuple[str, str]]
) -> list[PageRef]:
    """The pages a ``url`` filter names: a URL or path (normalised, one page) or a glob over
    normalised paths (``/loan/*/offer``, ``/apply/**``), which may name several."""
    url = url.strip()
    if not url:
        raise BadRequest("missing-parameter", "`url` is required: a page path, URL or glob")
    if "://" not in url and is_glob(url):  # a full URL's "?" starts its query, not a glob
        match = store.dialect.regex_full_match("key", ":rx")
        return _lookup(store, project, match, {"rx": glob_to_regex(url)})
    key = normalise(path_of(url), rules)
    known = _known.setdefault(store, {})
    if (project, key) not in known:
        known[(project, key)] = _lookup(store, project, "key = :key", {"key": key})
    return known[(project, key)]


# A normalised page's number never changes once given, so exact lookups are kept
# (per store); glob lookups are not, as new pages may match them later.
_known: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], list[PageRef]]] = (
    weakref.WeakKeyDictionary()
)


def _lookup(store: EventStore, project: str, where: str, params: dict[str, Any]) -> list[PageRef]:
    rows = store.query(
        f"SELECT DISTINCT page, key FROM heat_pages WHERE project = :project AND {where} "
        "ORDER BY key",
        {"project": project} | params,
    ).to_pylist()
    if not rows:
        raise NotFound("page-not-found", "no page views of that URL are stored for the project")
    return [PageRef(page=int(r["page"]), key=str(r["key"])) for r in rows]


def pages_json(store: EventStore, project: str, limit: int = 500) -> list[dict[str, Any]]:
    """Normalised pages of a project, busiest first, with their page-view counts."""
    rows = store.query(
        "SELECT p.key AS key, count(*) AS views FROM heat_views v "
        "JOIN (SELECT DISTINCT page, key FROM heat_pages WHERE project = :project) p "
        "ON p.page = v.page WHERE v.project = :project "
        f"GROUP BY p.key ORDER BY views DESC, key LIMIT {int(limit)}",
        {"project": project},
    )
    return [{"url": r["key"], "views": int(r["views"])} for r in rows.to_pylist()]
