"""Reminder claims: who is sending which reminder, so each goes out once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ppss_workflow.db import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Operational state, not history: a claim's status moves claimed -> sent | failed and
    # back to claimed on a retry. History of each reminder is in the project's stream.
    op.create_table(
        "reminder_claims",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("reminder_claims")
