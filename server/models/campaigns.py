"""Special campaigns (专项整治), their checklists and the register of sites."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, CodedNamed, UTCDateTime, utcnow
from .enums import Severity, values
from .org import Unit, User


class Campaign(CodedNamed, Base):
    __tablename__ = "campaigns"

    category: Mapped[str] = mapped_column(String(40))
    # One campaign, one lead leader, one responsible unit, one set of measures.
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    responsible_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    measures_zh: Mapped[str] = mapped_column(Text, default="")
    measures_en: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The campaign's rule for rectification deadlines: days after assignment, per severity
    # (0 = the same day), at the end of the working day. The assign form and the API propose
    # it when no deadline is given; see docs/findings-api.md.
    deadline_days_minor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deadline_days_major: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    deadline_days_critical: Mapped[int] = mapped_column(Integer, default=7, server_default="7")

    lead: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    responsible_unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="campaign", order_by="ChecklistItem.position", lazy="selectin"
    )

    def measures(self, lang: str) -> str:
        return self.measures_en if lang == "en" else self.measures_zh

    def deadline_days(self, severity: str) -> int:
        return {
            Severity.minor: self.deadline_days_minor,
            Severity.major: self.deadline_days_major,
            Severity.critical: self.deadline_days_critical,
        }.get(severity, self.deadline_days_major)


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (
        # One row per wording of an item: a changed text is a new revision, and the checks,
        # findings and notices made with the old one keep pointing at it.
        UniqueConstraint("campaign_id", "code", "revision", name="uq_checklist_items_campaign_code"),
        CheckConstraint(f"severity IN {tuple(values(Severity))}", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    text_zh: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(400))
    severity: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Active: part of the campaign's current checklist version.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    campaign: Mapped[Campaign] = relationship(back_populates="items", lazy="raise")

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_zh


class ChecklistVersion(Base):
    """A campaign's checklist as saved at one time: which item revisions, in which order."""

    __tablename__ = "checklist_versions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number", name="uq_checklist_versions_campaign_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ChecklistVersionItem(Base):
    __tablename__ = "checklist_version_items"

    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Site(CodedNamed, Base):
    __tablename__ = "sites"

    kind: Mapped[str] = mapped_column(String(30))
    lat: Mapped[float] = mapped_column(Float, index=True)
    lon: Mapped[float] = mapped_column(Float)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
