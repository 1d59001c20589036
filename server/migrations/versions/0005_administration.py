"""administration: unit leaders, one-time passwords, versioned checklists, contact points, topics

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 17:00:00.000000

A checklist item's changed wording becomes a new row (a revision) so that the checks,
findings and notices made with the old wording keep it; a version lists the item rows
of the campaign's checklist at one time. Existing checklists become version 1.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("password_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leader_in_charge_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_units_leader_in_charge_id_users", "users", ["leader_in_charge_id"], ["id"]
        )

    with op.batch_alter_table("checklist_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch_op.drop_constraint("uq_checklist_items_campaign_code", type_="unique")
        batch_op.create_unique_constraint(
            "uq_checklist_items_campaign_code", ["campaign_id", "code", "revision"]
        )

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checklist_version", sa.Integer(), nullable=True))

    op.create_table(
        "checklist_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_checklist_versions_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_checklist_versions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_versions")),
        sa.UniqueConstraint("campaign_id", "number", name="uq_checklist_versions_campaign_number"),
    )
    op.create_table(
        "checklist_version_items",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["checklist_items.id"],
            name=op.f("fk_checklist_version_items_item_id_checklist_items"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["checklist_versions.id"],
            name=op.f("fk_checklist_version_items_version_id_checklist_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "item_id", name=op.f("pk_checklist_version_items")),
    )
    op.create_table(
        "contact_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["leader_id"], ["users.id"], name=op.f("fk_contact_points_leader_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_contact_points_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_points")),
        sa.UniqueConstraint("leader_id", "unit_id", name="uq_contact_points_leader_unit"),
    )
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_points_leader_id"), ["leader_id"], unique=False)
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'accepted', 'returned')", name=op.f("ck_topics_status")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_topics_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(["leader_id"], ["users.id"], name=op.f("fk_topics_leader_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_topics_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
    )
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topics_leader_id"), ["leader_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_topics_unit_id"), ["unit_id"], unique=False)

    # The checklists in use become version 1 of each campaign.
    op.execute(
        "INSERT INTO checklist_versions (campaign_id, number, created_at) "
        "SELECT DISTINCT campaign_id, 1, CURRENT_TIMESTAMP FROM checklist_items"
    )
    op.execute(
        "INSERT INTO checklist_version_items (version_id, item_id, position) "
        "SELECT v.id, i.id, i.position FROM checklist_items i "
        "JOIN checklist_versions v ON v.campaign_id = i.campaign_id WHERE i.active"
    )


def downgrade() -> None:
    op.drop_table("topics")
    op.drop_table("contact_points")
    op.drop_table("checklist_version_items")
    op.drop_table("checklist_versions")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_column("checklist_version")
    with op.batch_alter_table("checklist_items", schema=None) as batch_op:
        batch_op.drop_constraint("uq_checklist_items_campaign_code", type_="unique")
        batch_op.create_unique_constraint("uq_checklist_items_campaign_code", ["campaign_id", "code"])
        batch_op.drop_column("revision")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint("fk_units_leader_in_charge_id_users", type_="foreignkey")
        batch_op.drop_column("leader_in_charge_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_set_at")
        batch_op.drop_column("password_expires_at")
        batch_op.drop_column("must_change_password")
