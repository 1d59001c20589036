"""duties: the year's calendar of dated duties, the units chosen for them, and the units' answers

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-30 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("scope IN ('all', 'chosen')", name=op.f("ck_duties_scope")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_duties_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duties")),
        sa.UniqueConstraint("year", "code", name="uq_duties_year_code"),
    )
    op.create_table(
        "duty_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["duty_id"], ["duties.id"], name=op.f("fk_duty_units_duty_id_duties")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_duty_units_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_units")),
        sa.UniqueConstraint("duty_id", "unit_id", name="uq_duty_units_duty_unit"),
    )
    op.create_index(op.f("ix_duty_units_duty_id"), "duty_units", ["duty_id"], unique=False)
    op.create_table(
        "duty_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.CheckConstraint("version >= 1 AND size_bytes >= 0", name=op.f("ck_duty_answers_version")),
        sa.ForeignKeyConstraint(["duty_id"], ["duties.id"], name=op.f("fk_duty_answers_duty_id_duties")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_duty_answers_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_duty_answers_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_answers")),
        sa.UniqueConstraint("duty_id", "unit_id", "version", name="uq_duty_answers_version"),
    )
    op.create_index(op.f("ix_duty_answers_duty_id"), "duty_answers", ["duty_id"], unique=False)
    op.create_index(op.f("ix_duty_answers_unit_id"), "duty_answers", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_duty_answers_unit_id"), table_name="duty_answers")
    op.drop_index(op.f("ix_duty_answers_duty_id"), table_name="duty_answers")
    op.drop_table("duty_answers")
    op.drop_index(op.f("ix_duty_units_duty_id"), table_name="duty_units")
    op.drop_table("duty_units")
    op.drop_table("duties")
