"""The overview's page from indexes: supervision money paid and payable as columns, the
rounds' totals by status and blocking codes (board_groups), an index per sort.

Derived data only: the projection's fingerprint changed with this revision, so the model is
rebuilt from the events (and board_groups filled) before anyone reads it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ppss_workflow.db import STREAM_ID

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORTS = (
    ("district", "district"),
    ("awarded", "awarded_sek"),
    ("paid", "disbursed_sek"),
    ("payable", "payable_sek"),
    ("owed", "repayment_due_sek"),
    ("status", "status"),
)


def upgrade() -> None:
    for name in ("supervision_paid_sek", "supervision_payable_sek"):
        op.add_column(
            "project_rows", sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")
        )
    for name, column in _SORTS:
        op.create_index(
            f"ix_project_rows_by_{name}",
            "project_rows",
            ["round_id", "listed", column, "project_id", "stream_id"],
        )
    op.create_table(
        "board_groups",
        sa.Column("round_id", STREAM_ID, primary_key=True),
        sa.Column("status", sa.String(100), primary_key=True),
        sa.Column("blocking", sa.Text(), primary_key=True),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False)
            for name in (
                "projects",
                "awarded_sek",
                "disbursed_sek",
                "payable_sek",
                "repayment_due_sek",
                "payable_projects",
                "supervision_granted_sek",
                "supervision_paid_sek",
                "supervision_payable_sek",
            )
        ),
    )


def downgrade() -> None:
    op.drop_table("board_groups")
    for name, _column in _SORTS:
        op.drop_index(f"ix_project_rows_by_{name}", "project_rows")
    with op.batch_alter_table("project_rows") as batch:
        batch.drop_column("supervision_payable_sek")
        batch.drop_column("supervision_paid_sek")
