"""desk indexes: a campaign's findings newest first, in all and by status

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:30:00.000000

The desk lists a campaign's findings newest first (ORDER BY id DESC, LIMIT 50), in all or
for one status. With only (campaign_id, created_at)-style indexes, SQLite read and sorted
every finding of the campaign for each page (1.8 s at 1,000,000 findings); these two give
the rows in id order, so a page reads about 50 entries.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_findings_campaign_newest", "findings", ["campaign_id", "id"], unique=False)
    op.create_index(
        "ix_findings_campaign_status_newest", "findings", ["campaign_id", "status", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_findings_campaign_status_newest", table_name="findings")
    op.drop_index("ix_findings_campaign_newest", table_name="findings")
