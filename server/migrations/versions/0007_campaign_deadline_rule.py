"""campaign deadline rule: days to rectify per severity; the supervision office's own unit kind

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-30 17:30:00.000000

Each campaign proposes a rectification deadline from the finding's severity (一般 the same
day, 较重 3 days, 严重 7 days unless the campaign says otherwise). The server defaults give
every existing campaign that rule.

The supervision office (履职督查办) was a unit of kind "office", like the sanitation or
lighting offices that rectify; it gets a kind of its own, "supervision", so that assignment
can offer only units that rectify by their kind.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_KINDS = "kind IN ('bureau', 'office', 'district', 'department', 'third_party')"
NEW_KINDS = "kind IN ('bureau', 'office', 'district', 'department', 'third_party', 'supervision')"


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_constraint(op.f("ck_units_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_units_kind"), NEW_KINDS)
    op.execute("UPDATE units SET kind = 'supervision' WHERE code = 'duty-office'")
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("deadline_days_minor", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("deadline_days_major", sa.Integer(), server_default="3", nullable=False))
        batch.add_column(
            sa.Column("deadline_days_critical", sa.Integer(), server_default="7", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("deadline_days_critical")
        batch.drop_column("deadline_days_major")
        batch.drop_column("deadline_days_minor")
    op.execute("UPDATE units SET kind = 'office' WHERE kind = 'supervision'")
    with op.batch_alter_table("units") as batch:
        batch.drop_constraint(op.f("ck_units_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_units_kind"), OLD_KINDS)
