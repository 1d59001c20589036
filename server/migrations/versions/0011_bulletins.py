"""bulletins: the bureau's monthly, quarterly and annual bulletins, their figures frozen once published

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('monthly', 'quarterly', 'annual')", name=op.f("ck_bulletins_kind")),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f("ck_bulletins_status")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_bulletins_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_bulletins_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_bulletins_published_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
    )
    op.create_index("ix_bulletins_period", "bulletins", ["period"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_bulletins_period", table_name="bulletins")
    op.drop_table("bulletins")
