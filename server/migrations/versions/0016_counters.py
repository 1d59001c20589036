"""counters and transferred rows: state shared by every server process, and districts moved in

Revision ID: 0016
Revises: 0010
Create Date: 2026-11-30 19:45:00.000000

Each process kept its own counters, so a guesser facing N workers had N times the tries.
One row per key (window start, count, last hit), updated by an atomic upsert.
transferred_rows maps each row `xuncha transfer` moved from a district to its row here, so a
transfer resumes where it stopped and a second run moves nothing twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
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
    op.create_table(
        "transferred_rows",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("target_id", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("audited", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("source", "table_name", "source_id", name=op.f("pk_transferred_rows")),
    )


def downgrade() -> None:
    op.drop_table("transferred_rows")
    op.drop_table("counters")
