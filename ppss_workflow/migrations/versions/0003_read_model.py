"""The read model: board rows, payment references and obligations per project, and the
checkpoint that says how far they follow the log. Derived data: rebuilt from the events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ppss_workflow.db import STREAM_ID, UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "project_rows",
        sa.Column("stream_id", STREAM_ID, primary_key=True),
        sa.Column("round_id", STREAM_ID, nullable=False),
        sa.Column("project_id", sa.String(200), nullable=False),
        sa.Column("district", sa.String(200), nullable=True),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.String(10), nullable=False),
        sa.Column("valid_until", sa.String(10), nullable=True),
        sa.Column("grant_awarded_sek", sa.BigInteger(), nullable=False),
        sa.Column("supervision_granted_sek", sa.BigInteger(), nullable=False),
        sa.Column("awarded_sek", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_sek", sa.BigInteger(), nullable=False),
        sa.Column("payable_sek", sa.BigInteger(), nullable=False),
        sa.Column("repayment_due_sek", sa.BigInteger(), nullable=False),
        sa.Column("may_be_paid", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(100), nullable=False),
        sa.Column("blocking", sa.Text(), nullable=False),
        sa.Column("next_code", sa.String(100), nullable=True),
        sa.Column("next_on", sa.String(10), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("sent", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_project_rows_round_totals",
        "project_rows",
        ["round_id", "grant_awarded_sek", "supervision_granted_sek"],
    )
    op.create_index("ix_project_rows_assessed_on", "project_rows", ["assessed_on"])
    op.create_index("ix_project_rows_valid_until", "project_rows", ["valid_until"])
    op.create_table(
        "payment_refs",
        sa.Column("stream_id", STREAM_ID, primary_key=True),
        sa.Column("position", sa.BigInteger(), primary_key=True),
        sa.Column("round_id", STREAM_ID, nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("district", sa.String(200), nullable=False),
        sa.Column("amount_sek", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(50), nullable=False),
    )
    op.create_index("ix_payment_refs_round_reference", "payment_refs", ["round_id", "reference"])
    op.create_table(
        "obligation_rows",
        sa.Column("stream_id", STREAM_ID, primary_key=True),
        sa.Column("code", sa.String(200), primary_key=True),
        sa.Column("round_id", STREAM_ID, nullable=False),
        sa.Column("due_on", sa.String(10), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("blocks", sa.String(20), nullable=False),
        sa.Column("before_only", sa.Integer(), nullable=False),
        sa.Column("remind_from", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_obligation_rows_due", "obligation_rows", ["met", "remind_from"])


def downgrade() -> None:
    for table in ("obligation_rows", "payment_refs", "project_rows", "projection_checkpoints"):
        op.drop_table(table)
