"""Saved funnels, segments and experiment settings: per-project settings, one key each.

One key per object (``funnel:<id>``...) rather than one list per kind, so two
people saving different funnels at once never overwrite each other.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from clearsight.analyse.sqlbuild import SLUG
from clearsight.errors import BadRequest
from clearsight.store.control import ControlPlane

T = TypeVar("T")


def check_id(kind: str, value: str) -> str:
    if not SLUG.match(value):
        raise BadRequest(
            f"invalid-{kind}-id",
            f"a {kind} id is 1-48 lowercase letters, digits, '-' or '_', starting with a "
            "letter or digit",
        )
    return value


class Saved(Generic[T]):
    def __init__(self, control: ControlPlane, kind: str, struct: type[T]) -> None:
        self.control = control
        self.kind = kind
        self.struct = struct

    def _key(self, oid: str) -> str:
        return f"{self.kind}:{check_id(self.kind, oid)}"

    def get(self, project: str, oid: str) -> T | None:
        if not SLUG.match(oid):
            return None
        found: T | None = self.control.settings.get(project, self._key(oid), self.struct, None)
        return found

    def list(self, project: str) -> list[T]:
        prefix = self.kind + ":"
        return [
            msgspec.convert(value, self.struct)
            for key, value in sorted(self.control.settings.all(project).items())
            if key.startswith(prefix)
        ]

    def put(self, project: str, oid: str, value: T) -> None:
        self.control.settings.set(project, self._key(oid), value)

    def delete(self, project: str, oid: str) -> bool:
        return self.control.settings.delete(project, self._key(oid))
