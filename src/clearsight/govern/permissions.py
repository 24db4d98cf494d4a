"""THE permission table: which role may do what, and which actions touch customer data.

Every route declares one permission (``clearsight.http.guarded``). The auth
middleware allows a request when the caller's role holds it, and the
authorization test walks every route and role through this table. Change
access here, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from clearsight.http import PUBLIC


@dataclass(frozen=True)
class Permission:
    name: str
    about: str
    customer_data: bool = False
    """Reading or exporting customer-level data: every use is written to the audit log."""
    needs_purpose: bool = False
    """The caller must state a purpose first (replays)."""


PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in [
        Permission(PUBLIC, "no account needed: health, static files, capture endpoints"),
        Permission("account.self", "see and use one's own account (log out, who am I)"),
        # Customer-level reads: audited every time.
        Permission("sessions.list", "list and search sessions", customer_data=True),
        Permission("replay.open", "state a purpose to open a replay", customer_data=True),
        Permission(
            "replay.view",
            "watch a replay (after stating a purpose)",
            customer_data=True,
            needs_purpose=True,
        ),
        Permission("subjects.export", "export a data subject's sessions", customer_data=True),
        Permission("subjects.erase", "erase a data subject's data", customer_data=True),
        Permission(
            "surveys.responses",
            "survey responses one by one: free text and the session that gave them",
            customer_data=True,
        ),
        # Aggregates: no customer-level data.
        Permission("heatmaps.view", "heatmaps and element statistics"),
        Permission("funnels.view", "funnels, segments' aggregates, experiments, KPIs"),
        Permission("issues.view", "frustration signals and impact-ranked issues"),
        Permission("surveys.view", "survey definitions and answer counts, feedback share"),
        Permission("analysis.manage", "define funnels, segments, surveys; mark signals"),
        # Compliance.
        Permission("audit.view", "read, verify and export the audit log"),
        Permission("consent.view", "read the consent ledger and its metrics"),
        Permission("privacy.view", "PII incidents and masking coverage"),
        Permission("reports.view", "produce the compliance report"),
        Permission("holds.manage", "place and release legal holds"),
        # Administration: every change is audited by its handler.
        Permission("users.manage", "create users and tokens, change roles and scopes"),
        Permission("projects.manage", "projects, origins, capture and masking rules"),
        Permission("retention.manage", "retention policies and purges"),
        Permission("keys.manage", "key rotation"),
        # Machines.
        Permission("events.ingest", "send server-side events (loan-origination system)"),
    ]
}

_AGGREGATES = {"heatmaps.view", "funnels.view", "surveys.view"}
_REPLAY = {"sessions.list", "replay.open", "replay.view"}
_ANALYST = _AGGREGATES | _REPLAY | {"issues.view", "analysis.manage", "surveys.responses"}
_COMPLIANCE = _REPLAY | {
    "subjects.export",
    "subjects.erase",
    "audit.view",
    "consent.view",
    "privacy.view",
    "reports.view",
    "holds.manage",
}

ROLES: dict[str, frozenset[str]] = {
    # everything
    "admin": frozenset(PERMISSIONS) - {"events.ingest"},
    # replays (masked, with a purpose), heatmaps, funnels, issues
    "analyst": frozenset(_ANALYST | {PUBLIC, "account.self"}),
    # audit log, consent ledger, incidents, reports, erasure; replays only with a purpose
    "compliance": frozenset(_COMPLIANCE | {PUBLIC, "account.self"}),
    # aggregates only: no replays, no session lists
    "viewer": frozenset(_AGGREGATES | {PUBLIC, "account.self"}),
    # a loan-origination system posting server-side events; nothing else
    "server": frozenset({PUBLIC, "events.ingest"}),
}

HUMAN_ROLES = ("admin", "analyst", "compliance", "viewer")


def allowed(role: str, permission: str) -> bool:
    return permission in ROLES.get(role, frozenset())


def describe(permission: str) -> Permission:
    try:
        return PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"permission {permission!r} is not in govern/permissions.py") from None
