"""Findings: a failed checklist item that someone must rectify."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StatusEvent, UTCDateTime, UUIDStr, utcnow
from .campaigns import Campaign, ChecklistItem, Site
from .checks import Answer, Check
from .enums import CheckStatus, FindingStatus, Severity, values
from .org import Unit, User


class Finding(Base):
    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(values(FindingStatus))}", name="status"),
        CheckConstraint(f"severity IN {tuple(values(Severity))}", name="severity"),
        Index("ix_findings_campaign_status_created", "campaign_id", "status", "created_at"),
        Index("ix_findings_campaign_created", "campaign_id", "created_at"),
        Index("ix_findings_unit_status_deadline", "assigned_unit_id", "status", "deadline"),
        Index("ix_findings_campaign_status_deadline", "campaign_id", "status", "deadline"),
        Index("ix_findings_item_created", "item_id", "created_at"),
        # The desk's list, newest first, in all and by status (migration 0003).
        Index("ix_findings_campaign_newest", "campaign_id", "id"),
        Index("ix_findings_campaign_status_newest", "campaign_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default=FindingStatus.new.value)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    covert: Mapped[bool] = mapped_column(Boolean, default=False)
    disclosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The rectification workflow fills these in.
    assigned_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    # The rectification notice issued at assignment, and the moment an overdue finding was
    # escalated to the lead (set once, by whichever worker's sweep gets there first).
    notice_number: Mapped[str | None] = mapped_column(String(60))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    check: Mapped[Check] = relationship(lazy="raise")
    answer: Mapped[Answer] = relationship(lazy="raise")
    campaign: Mapped[Campaign] = relationship(lazy="joined", innerjoin=True)
    item: Mapped[ChecklistItem] = relationship(lazy="joined", innerjoin=True)
    site: Mapped[Site | None] = relationship(lazy="joined")
    assigned_unit: Mapped[Unit | None] = relationship(lazy="joined")


class FindingEvent(StatusEvent, Base):
    """One step of a finding's history: who did what, when, and why."""

    __tablename__ = "finding_events"
    # The desk's feed looks for the latest disclosures (migration 0006).
    __table_args__ = (Index("ix_finding_events_action_id", "action", "id"),)

    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    rectification_id: Mapped[int | None] = mapped_column(ForeignKey("rectifications.id"))
    related_finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))

    actor: Mapped[User | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class Rectification(Base):
    """A responsible unit's report that a finding is fixed, with its after-photos."""

    __tablename__ = "rectifications"
    __table_args__ = (
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="position"),
        CheckConstraint(f"status IN {tuple(values(CheckStatus))}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDStr, unique=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_offset_min: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str] = mapped_column(String(10))
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    # Set once every photo has arrived: the moment the finding went to "submitted".
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)


class Notification(Base):
    """Something a person should see on their desk: today, escalations of overdue findings."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeCounter(Base):
    """Per-year sequence of rectification notice numbers (整改通知书编号)."""

    __tablename__ = "notice_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
