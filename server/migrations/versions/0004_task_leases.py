"""task leases: one server process at a time runs each periodic task

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 16:45:00.000000

The deadline sweep and the purge of expired tokens run in every server process; a row
per task, claimed with a conditional UPDATE, makes one process run it per interval.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_leases",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("held_by", sa.String(length=120), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_task_leases")),
    )


def downgrade() -> None:
    op.drop_table("task_leases")
