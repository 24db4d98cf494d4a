"""Session attributes that segments, funnel breakdowns and experiments are built from.

Every attribute is a portable query ``SELECT sid, value`` (at most one row per
session, ``value`` a string) over one project's sessions. Four families:

- built-in, computed from the recording: ``device``, ``viewport``,
  ``visitor`` (new or returning), ``entry_page``, ``source`` (traffic source);
- ``trait.<name>``: what the site passed to ``identify(uid, traits)``, the
  latest value in the session;
- ``import.<name>``: a column of a CRM or loan-system export, joined through
  the tokenized customer id the session was identified with;
- ``experiment.<name>``: the variant the session saw, as reported by the site
  (``clearsight.experiment``) or, failing that, imported as column
  ``exp:<name>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from clearsight.analyse.sqlbuild import Binder
from clearsight.errors import BadRequest
from clearsight.store.base import EventStore
from clearsight.store.sql import Dialect, json_key

NONE = "(none)"
"""The group of sessions without a value."""

BUILTIN: dict[str, str] = {
    "device": "device class: desktop, tablet or mobile (from the viewport when the user "
    "agent was not kept)",
    "viewport": "viewport width bucket",
    "visitor": "new or returning visitor",
    "entry_page": "path of the first page viewed",
    "source": "traffic source: direct, search, social, campaign or referral",
}
PREFIXES = ("trait.", "import.", "experiment.")
IMPORTED_VARIANT = "exp:"
"""An imported column ``exp:<name>`` assigns experiment ``<name>``'s variant."""

_SEARCH = (
    r"(?i)https?://([^/]*\.)?(google|bing|duckduckgo|yahoo|ecosia|baidu|yandex|qwant)\.[^/]+(/.*)?"
)
_SOCIAL = (
    r"(?i)https?://([^/]*\.)?(facebook|instagram|linkedin|twitter|x|t|reddit|youtube|"
    r"tiktok|pinterest)\.[^/]+(/.*)?"
)


class Attribute(msgspec.Struct, frozen=True):
    name: str
    family: str
    about: str = ""


Where = Callable[[str], str]
"""Extra condition on a table alias's ``sid``: restricts attribute queries to some sessions."""


def _no_restriction(alias: str) -> str:
    return "1 = 1"


def check(name: str) -> str:
    """``name`` if it names an attribute this module can compute; BadRequest otherwise."""
    if name in BUILTIN:
        return name
    prefix = next((p for p in PREFIXES if name.startswith(p)), None)
    try:
        if prefix is None:
            raise ValueError(name)
        json_key(name[len(prefix) :])
    except ValueError:
        raise BadRequest(
            "unknown-attribute",
            f"no attribute {name!r}: use one of {', '.join(BUILTIN)}, or trait.<name>, "
            "import.<name>, experiment.<name> (see GET /api/v1/segments/attributes)",
        ) from None
    return name


def attribute_sql(
    name: str, project: str, d: Dialect, bind: Binder, where: Where = _no_restriction
) -> str:
    """``SELECT sid, value`` of one attribute for one project's sessions."""
    p = bind(project)
    name = check(name)
    if name.startswith("trait."):
        return _trait(name[6:], p, d, where)
    if name.startswith("import."):
        return _imported(name[7:], p, bind, where)
    if name.startswith("experiment."):
        return _variant(name[11:], p, bind, where)
    return _BUILTIN_SQL[name](p, d, bind, where)


DEVICE_WIDTHS = [(768, "mobile"), (1024, "tablet"), (None, "desktop")]
VIEWPORT_WIDTHS = [
    (576, "xs (<576)"),
    (768, "sm (576-767)"),
    (992, "md (768-991)"),
    (1200, "lg (992-1199)"),
    (None, "xl (1200+)"),
]


def _widths(buckets: list[tuple[int | None, str]], otherwise: str = "") -> str:
    """CASE over the viewport width ``vw``: the first bucket whose limit it is under."""
    cases = "".join(
        f"WHEN vw < {int(limit)} THEN '{label}' " for limit, label in buckets if limit is not None
    )
    return f"CASE {otherwise}WHEN vw <= 0 THEN '(unknown)' {cases}ELSE '{buckets[-1][1]}' END"


def _device(p: str, d: Dialect, bind: Binder, where: Where) -> str:
    value = _widths(DEVICE_WIDTHS, "WHEN device <> '' THEN device ")
    return f"SELECT sid, {value} AS value FROM sessions s WHERE project = {p} AND {where('s')}"


def _viewport(p: str, d: Dialect, bind: Binder, where: Where) -> str:
    value = _widths(VIEWPORT_WIDTHS)
    return f"SELECT sid, {value} AS value FROM sessions s WHERE project = {p} AND {where('s')}"


def _visitor(p: str, d: Dialect, bind: Binder, where: Where) -> str:
    # Returning: the same visitor id started an earlier session in this project.
    return (
        "SELECT s.sid, CASE WHEN s.started_at > f.first THEN 'returning' ELSE 'new' END "
        "AS value FROM sessions s JOIN (SELECT vid, min(started_at) AS first FROM sessions "
        f"WHERE project = {p} AND vid IN (SELECT vid FROM sessions v WHERE project = {p} "
        f"AND {where('v')}) GROUP BY vid) f ON f.vid = s.vid "
        f"WHERE s.project = {p} AND {where('s')}"
    )


def _entry_page(p: str, d: Dialect, bind: Binder, where: Where) -> str:
    return (
        f"SELECT sid, {d.arg_max('path', '-ts')} AS value FROM pageviews pv "
        f"WHERE project = {p} AND {where('pv')} GROUP BY sid"
    )


def _source(p: str, d: Dialect, bind: Binder, where: Where) -> str:
    search, social = (
        d.regex_full_match("ref", bind(_SEARCH)),
        d.regex_full_match("ref", bind(_SOCIAL)),
    )
    first_ref = (
        f"SELECT sid, {d.arg_max('ref', '-ts')} AS ref, {d.arg_max('url', '-ts')} AS url "
        f"FROM pageviews pv WHERE project = {p} AND {where('pv')} GROUP BY sid"
    )
    return (
        "SELECT sid, CASE WHEN url LIKE '%utm_medium=cpc%' OR url LIKE '%gclid=%' "
        "THEN 'paid search' WHEN url LIKE '%utm_source=%' THEN 'campaign' "
        f"WHEN ref = '' THEN 'direct' WHEN {search} THEN 'search' WHEN {social} THEN 'social' "
        f"ELSE 'referral' END AS value FROM ({first_ref}) e"
    )


_BUILTIN_SQL: dict[str, Callable[[str, Dialect, Binder, Where], str]] = {
    "device": _device,
    "viewport": _viewport,
    "visitor": _visitor,
    "entry_page": _entry_page,
    "source": _source,
}


def _trait(key: str, p: str, d: Dialect, where: Where) -> str:
    value = d.json_string("traits", key)
    return (
        f"SELECT sid, {d.arg_max(value, 'ts')} AS value FROM identities i "
        f"WHERE project = {p} AND {value} IS NOT NULL AND {where('i')} GROUP BY sid"
    )


def identified_sql(p: str, where: Where = _no_restriction) -> str:
    """``SELECT sid, uid``: which customer token each session was identified with (once per
    identify() call: callers aggregate per session, so repeats do not count twice)."""
    return f"SELECT sid, uid FROM identities i WHERE project = {p} AND uid <> '' AND {where('i')}"


def _imported(column: str, p: str, bind: Binder, where: Where) -> str:
    return (
        f"SELECT c.sid, max(a.value) AS value FROM ({identified_sql(p, where)}) c "
        f"JOIN customer_attributes a ON a.uid = c.uid WHERE a.project = {p} "
        f"AND a.name = {bind(column)} GROUP BY c.sid"
    )


def _variant(exp: str, p: str, bind: Binder, where: Where) -> str:
    e = bind(exp)
    seen = (
        f"SELECT sid, max(variant) AS value FROM experiments x WHERE project = {p} "
        f"AND exp = {e} AND {where('x')} GROUP BY sid"
    )
    imported = _imported(IMPORTED_VARIANT + exp, p, bind, where)
    return (
        f"{seen} UNION ALL SELECT sid, value FROM ({imported}) m WHERE sid NOT IN "
        f"(SELECT sid FROM experiments WHERE project = {p} AND exp = {e})"
    )


def catalogue(store: EventStore, project: str) -> list[Attribute]:
    """Every attribute the project's data offers: built-ins, seen traits, imported columns,
    experiments."""
    out = [Attribute(n, "built-in", about) for n, about in BUILTIN.items()]
    out += [Attribute("trait." + k, "trait") for k in _trait_keys(store, project)]
    imported = store.query(
        "SELECT DISTINCT name FROM customer_attributes WHERE project = :p ORDER BY name",
        {"p": project},
    ).column("name")
    names = [str(n) for n in imported.to_pylist()]
    out += [Attribute("import." + n, "imported") for n in names if usable(n)]
    seen = store.query(
        "SELECT DISTINCT exp FROM experiments WHERE project = :p ORDER BY exp", {"p": project}
    ).column("exp")
    exps = {str(e) for e in seen.to_pylist()}
    exps |= {n[len(IMPORTED_VARIANT) :] for n in names if n.startswith(IMPORTED_VARIANT)}
    out += [Attribute("experiment." + e, "experiment") for e in sorted(exps) if usable(e)]
    return out


def usable(key: str) -> bool:
    """Whether ``key`` can name an attribute (letters, digits, ``_.:-``, at most 64)."""
    try:
        json_key(key)
    except ValueError:
        return False
    return True


def _trait_keys(store: EventStore, project: str) -> list[str]:
    """Trait names, from a bounded sample of distinct trait objects: names only, no values
    are aggregated here."""
    sample = store.query(
        "SELECT DISTINCT traits FROM identities WHERE project = :p LIMIT 500", {"p": project}
    ).column("traits")
    keys: set[str] = set()
    for raw in sample.to_pylist():
        try:
            decoded = msgspec.json.decode(raw or "{}")
        except msgspec.DecodeError:
            continue
        if isinstance(decoded, dict):
            keys |= {k for k in decoded if isinstance(k, str) and usable(k)}
    return sorted(keys)


def top_values(
    store: EventStore, project: str, name: str, d: Dialect, limit: int = 12
) -> list[tuple[str, int]]:
    """The most common values of an attribute, with their session counts."""
    bind = Binder("tv")
    sql = attribute_sql(name, project, d, bind)
    rows = store.query(
        f"SELECT value, count(*) AS n FROM ({sql}) a GROUP BY value ORDER BY n DESC, value "
        f"LIMIT {int(limit)}",
        bind.params,
    ).to_pylist()
    return [(str(r["value"]), int(r["n"])) for r in rows]


def slug_path(path: str) -> str:
    """A page path with its numeric segments made a glob (``/loan/123/offer`` →
    ``/loan/*/offer``), for linking to views of "this page"."""
    return re.sub(r"(?<=/)\d+(?=/|$)", "*", path)
