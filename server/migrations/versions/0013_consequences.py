"""consequences: unit rectification notices, interviews, loss of award eligibility, praise

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-30 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _recorded(table: str) -> list:
    """The columns and keys every record of a consequence has: its period, unit and recorder."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        _fk(table, "unit_id", "units"),
        _fk(table, "recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _indexes(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_period"), table, ["period"], unique=False)
    op.create_index(op.f(f"ix_{table}_unit_id"), table, ["unit_id"], unique=False)


def upgrade() -> None:
    op.create_table(
        "unit_notice_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_unit_notice_counters")),
    )
    op.create_table(
        "unit_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=12), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("deadline", WHEN, nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", WHEN, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_name", sa.String(length=200), nullable=False),
        sa.Column("document_type", sa.String(length=100), nullable=False),
        sa.Column("document_size", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", WHEN, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('issued', 'answered', 'accepted', 'returned')", name=op.f("ck_unit_notices_status")
        ),
        _fk("unit_notices", "unit_id", "units"),
        _fk("unit_notices", "issued_by_id", "users"),
        _fk("unit_notices", "answered_by_id", "users"),
        _fk("unit_notices", "decided_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_notices")),
        sa.UniqueConstraint("year", "seq", name="uq_unit_notices_year_seq"),
    )
    _indexes("unit_notices")
    op.create_table(
        "interviews",
        sa.Column("held_at", WHEN, nullable=False),
        sa.Column("interviewee", sa.String(length=200), nullable=False),
        sa.Column("interviewers", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Text(), nullable=False),
        *_recorded("interviews"),
    )
    _indexes("interviews")
    op.create_table(
        "eligibility_losses",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(length=12), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=False),
        *_recorded("eligibility_losses"),
        sa.UniqueConstraint("year", "unit_id", name="uq_eligibility_losses_year_unit"),
    )
    _indexes("eligibility_losses")
    op.create_table(
        "praises",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(length=12), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=False),
        *_recorded("praises"),
        sa.UniqueConstraint("period", "unit_id", name="uq_praises_period_unit"),
    )
    _indexes("praises")


def downgrade() -> None:
    for table in ("praises", "eligibility_losses", "interviews", "unit_notices"):
        op.drop_index(op.f(f"ix_{table}_unit_id"), table_name=table)
        op.drop_index(op.f(f"ix_{table}_period"), table_name=table)
        op.drop_table(table)
    op.drop_table("unit_notice_counters")
