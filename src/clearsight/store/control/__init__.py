"""The control plane: projects, consent ledger and (later) accounts, audit, keys.

SQLite by default, PostgreSQL at scale, through the same SQLAlchemy Core code.
"""

from clearsight.store.control.plane import ControlPlane, Project

__all__ = ["ControlPlane", "Project"]
