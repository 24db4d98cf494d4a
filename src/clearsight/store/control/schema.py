"""Control-plane tables (SQLAlchemy Core)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # The public key the capture script sends; it identifies, it does not authorise reads.
    sa.Column("key", sa.String(128), nullable=False, unique=True),
    sa.Column("origins", sa.JSON, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# The consent ledger: every decision a visitor made, append-only.
consent_decisions = sa.Table(
    "consent_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(64), nullable=False, index=True),
    sa.Column("vid", sa.String(128), nullable=False, index=True),
    sa.Column("sid", sa.String(128), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("policy", sa.String(64), nullable=False),
    sa.Column("banner_hash", sa.String(64), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("client_ts", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.BigInteger, nullable=False, index=True),
)
