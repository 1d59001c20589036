"""Findings: a failed checklist item that someone must rectify."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .campaigns import Campaign, ChecklistItem, Site
from .checks import Answer, Check
from .enums import FindingStatus, Severity, values
from .org import Unit


class Finding(Base):
    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(values(FindingStatus))}", name="status"),
        CheckConstraint(f"severity IN {tuple(values(Severity))}", name="severity"),
        Index("ix_findings_campaign_status_created", "campaign_id", "status", "created_at"),
        Index("ix_findings_campaign_created", "campaign_id", "created_at"),
        Index("ix_findings_unit_status_deadline", "assigned_unit_id", "status", "deadline"),
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

    check: Mapped[Check] = relationship(lazy="raise")
    answer: Mapped[Answer] = relationship(lazy="raise")
    campaign: Mapped[Campaign] = relationship(lazy="joined", innerjoin=True)
    item: Mapped[ChecklistItem] = relationship(lazy="joined", innerjoin=True)
    site: Mapped[Site | None] = relationship(lazy="joined")
    assigned_unit: Mapped[Unit | None] = relationship(lazy="joined")
