"""The main navigation: (key, label, path, permission). A link shows only to roles that hold
its permission, so nobody is shown a door that would answer 403."""

from __future__ import annotations

NAV: list[tuple[str, str, str, str]] = [
    ("sessions", "Sessions", "/sessions", "sessions.list"),
    ("issues", "Issues", "/issues", "issues.view"),
    ("heatmaps", "Heatmaps", "/heatmaps", "heatmaps.view"),
    ("funnels", "Funnels", "/funnels", "funnels.view"),
    ("segments", "Segments", "/segments", "funnels.view"),
    ("experiments", "Experiments", "/experiments", "funnels.view"),
    ("surveys", "Surveys", "/surveys", "surveys.view"),
    ("privacy", "Privacy", "/privacy", "privacy.view"),
    ("audit", "Audit log", "/audit", "audit.view"),
    ("compliance", "Compliance", "/compliance", "reports.view"),
]
