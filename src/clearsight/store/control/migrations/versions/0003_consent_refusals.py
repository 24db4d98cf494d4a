"""Batches refused for missing consent, per project and day (consent metrics).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_refusals",
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("batches", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("project", "day"),
    )


def downgrade() -> None:
    raise NotImplementedError("the control plane holds the audit log; it is never downgraded")
