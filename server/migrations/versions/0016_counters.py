"""counters: login throttling and rate limits shared by every server process

Revision ID: 0016
Revises: 0010
Create Date: 2026-11-30 19:45:00.000000

Each process kept its own counters, so a guesser facing N workers had N times the tries.
One row per key (window start, count, last hit), updated by an atomic upsert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("window_seconds", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_counters")),
    )


def downgrade() -> None:
    op.drop_table("counters")
