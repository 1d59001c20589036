"""evaluations: the votes of the collective democratic evaluation per unit and period

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("basically_satisfied", sa.Integer(), nullable=False),
        sa.Column("unsatisfied", sa.Integer(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "satisfied >= 0 AND basically_satisfied >= 0 AND unsatisfied >= 0",
            name=op.f("ck_evaluations_votes"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_evaluations_entered_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_evaluations_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("period", "unit_id", name="uq_evaluations_period_unit"),
    )
    op.create_index(op.f("ix_evaluations_unit_id"), "evaluations", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_evaluations_unit_id"), table_name="evaluations")
    op.drop_table("evaluations")
