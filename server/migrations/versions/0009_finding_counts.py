"""finding counts: running counts per campaign, unit, month and status for the desk's figures

Revision ID: 0009
Revises: 0003
Create Date: 2026-11-30 17:20:00.000000

The desk counted every finding of a campaign twice per page view (the month's figures and the
all-time counts by status): most of the page's time at a million findings. The counts are now
kept as the findings change; this fills them from the findings already there, by the bureau's
calendar (XUNCHA_TIMEZONE, as the app reads it).
"""

import os
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finding_counts",
        sa.Column("campaign_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("reworked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_finding_counts_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "unit_id", "month", "status", name=op.f("pk_finding_counts")),
    )
    # The counting itself is the app's, so that the migration and a later rebuild agree.
    from server.findings.counts import rebuild

    rebuild(op.get_bind(), ZoneInfo(os.environ.get("XUNCHA_TIMEZONE", "Asia/Shanghai")))


def downgrade() -> None:
    op.drop_table("finding_counts")
