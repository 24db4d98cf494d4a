"""Batch-id claims, for several ingest workers sharing one event store.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_claims",
        sa.Column("bid", sa.String(length=128), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bid"),
    )
    op.create_index(op.f("ix_batch_claims_claimed_at"), "batch_claims", ["claimed_at"])


def downgrade() -> None:
    raise NotImplementedError("the control plane holds the audit log; it is never downgraded")
