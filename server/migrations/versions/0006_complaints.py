"""complaints: public complaints, their history, ratings by the people served; the desk's
feed finds the latest disclosures of covert checks by an index

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = ("hotline_12319", "web", "letter", "visit", "media", "referral")
STATUSES = ("received", "assigned", "investigated", "visited", "closed")
OUTCOMES = ("satisfied", "basically_satisfied", "unsatisfied")


def upgrade() -> None:
    op.create_index("ix_finding_events_action_id", "finding_events", ["action", "id"], unique=False)
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("complainant_name", sa.String(length=80), nullable=False),
        sa.Column("complainant_phone", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("assigned_unit_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_investigated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("investigated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("first_visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visit_outcome", sa.String(length=20), nullable=True),
        sa.Column("visit_note", sa.Text(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"source IN {SOURCES}", name=op.f("ck_complaints_source")),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_complaints_status")),
        sa.CheckConstraint(
            f"visit_outcome IS NULL OR visit_outcome IN {OUTCOMES}", name=op.f("ck_complaints_visit_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_unit_id"], ["units.id"], name=op.f("fk_complaints_assigned_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_complaints_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_complaints_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name=op.f("fk_complaints_finding_id_findings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("uuid", name=op.f("uq_complaints_uuid")),
    )
    op.create_index("ix_complaints_received", "complaints", ["received_at"], unique=False)
    op.create_index("ix_complaints_unit_status", "complaints", ["assigned_unit_id", "status"], unique=False)
    op.create_index(
        "ix_complaints_campaign_received", "complaints", ["campaign_id", "received_at"], unique=False
    )
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=14), nullable=True),
        sa.Column("to_status", sa.String(length=14), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answer_uuid", sa.String(length=36), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_complaint_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_events_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_complaint_events_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_events")),
        sa.UniqueConstraint("answer_uuid", name=op.f("uq_complaint_events_answer_uuid")),
    )
    op.create_index(
        op.f("ix_complaint_events_complaint_id"), "complaint_events", ["complaint_id"], unique=False
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES}", name=op.f("ck_ratings_outcome")),
        sa.CheckConstraint("(complaint_id IS NULL) <> (finding_id IS NULL)", name=op.f("ck_ratings_subject")),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_ratings_complaint_id_complaints")
        ),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_ratings_finding_id_findings")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_ratings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_ratings_complaint_id")),
        sa.UniqueConstraint("finding_id", name=op.f("uq_ratings_finding_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ratings_token_hash")),
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_rounds_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_rounds_created_by_id_users")),
        sa.ForeignKeyConstraint(["supervisor_id"], ["users.id"], name=op.f("fk_rounds_supervisor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    op.create_index(op.f("ix_rounds_supervisor_id"), "rounds", ["supervisor_id"], unique=False)
    op.create_table(
        "round_sites",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("open_findings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_sites_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_round_sites_site_id_sites")),
        sa.PrimaryKeyConstraint("round_id", "site_id", name=op.f("pk_round_sites")),
    )


def downgrade() -> None:
    op.drop_table("round_sites")
    op.drop_index(op.f("ix_rounds_supervisor_id"), table_name="rounds")
    op.drop_table("rounds")
    op.drop_index("ix_finding_events_action_id", table_name="finding_events")
    op.drop_table("ratings")
    op.drop_index(op.f("ix_complaint_events_complaint_id"), table_name="complaint_events")
    op.drop_table("complaint_events")
    op.drop_index("ix_complaints_campaign_received", table_name="complaints")
    op.drop_index("ix_complaints_unit_status", table_name="complaints")
    op.drop_index("ix_complaints_received", table_name="complaints")
    op.drop_table("complaints")
