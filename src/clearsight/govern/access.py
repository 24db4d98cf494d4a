"""What the caller of a request may see: set per request by the auth middleware.

Handlers never decide access themselves: they narrow every query with the
``Access`` of the request (``access_of``), so scopes hold in every view.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from starlette.requests import Request

from clearsight.store.base import SessionFilter


@dataclass(frozen=True)
class Access:
    actor: str
    """Who: a user name or ``token:<id>``; ``system`` for the CLI."""
    role: str
    projects: tuple[str, ...] | None = None
    """Projects the caller may see; None means all."""
    url_patterns: tuple[str, ...] | None = None
    """Only sessions that visited one of these path globs; None means any."""
    segments: tuple[str, ...] | None = None
    """Only sessions in one of these saved segments; None means any."""

    def sessions(self, wanted: SessionFilter) -> SessionFilter:
        """Narrow a session filter to what this caller may see."""
        projects = wanted.projects
        if self.projects is not None:
            projects = tuple(p for p in (projects or self.projects) if p in self.projects)
        return msgspec.structs.replace(
            wanted,
            projects=projects,
            scope_urls=self.url_patterns,
            scope_segments=self.segments,
        )

    @property
    def unlimited(self) -> bool:
        return self.projects is None and self.url_patterns is None and self.segments is None

    def allows_project(self, project: str) -> bool:
        return self.projects is None or project in self.projects


SYSTEM = Access(actor="system", role="admin")


def access_of(request: Request) -> Access:
    """The request's access, as set by the auth middleware (``SYSTEM`` before accounts exist)."""
    found = getattr(request.state, "access", None)
    return found if isinstance(found, Access) else SYSTEM
