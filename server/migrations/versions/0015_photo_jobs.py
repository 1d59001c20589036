"""photo jobs: photos are acknowledged once stored, their copies made in the background

Revision ID: 0015
Revises: 0010
Create Date: 2026-11-30 19:45:00.000000

A photo's status says whether its display copy and thumbnail exist; the photos received
before this revision already have them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("status", sa.String(length=12), server_default="missing", nullable=False))
    op.execute("UPDATE photos SET status = 'ready' WHERE received_at IS NOT NULL")
    op.create_table(
        "photo_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_photo_jobs_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_jobs")),
        sa.UniqueConstraint("photo_id", name=op.f("uq_photo_jobs_photo_id")),
    )
    op.create_index("ix_photo_jobs_lease_until", "photo_jobs", ["lease_until"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_photo_jobs_lease_until", table_name="photo_jobs")
    op.drop_table("photo_jobs")
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("status")
