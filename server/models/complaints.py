"""Public complaints (群众举报投诉), their history, and the ratings of the people served."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StatusEvent, UTCDateTime, UUIDStr, utcnow
from .campaigns import Campaign, Site
from .enums import ComplaintSource, ComplaintStatus, VisitOutcome, values
from .org import Unit, User


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(f"source IN {tuple(values(ComplaintSource))}", name="source"),
        CheckConstraint(f"status IN {tuple(values(ComplaintStatus))}", name="status"),
        CheckConstraint(
            f"visit_outcome IS NULL OR visit_outcome IN {tuple(values(VisitOutcome))}", name="visit_outcome"
        ),
        Index("ix_complaints_received", "received_at"),
        Index("ix_complaints_unit_status", "assigned_unit_id", "status"),
        Index("ix_complaints_campaign_received", "campaign_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDStr, unique=True)
    source: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content: Mapped[str] = mapped_column(Text)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(Text, default="")
    # Personal data: read by the office only (server/complaints/presenters.py leaves it out otherwise).
    complainant_name: Mapped[str] = mapped_column(String(80), default="")
    complainant_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(14), default=ComplaintStatus.received.value)
    assigned_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First investigation and first call-back: the indicators count a complaint once it has had
    # each at least once, a reopened one included.
    first_investigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    investigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(Text, default="")
    first_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_outcome: Mapped[str | None] = mapped_column(String(20))
    visit_note: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    body_sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign | None] = relationship(lazy="joined")
    assigned_unit: Mapped[Unit | None] = relationship(lazy="joined")


class ComplaintEvent(StatusEvent, Base):
    """One step of a complaint's history. A unit's answer sent from a phone carries its own UUID,
    so the same answer arriving twice is recognised."""

    __tablename__ = "complaint_events"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(14))
    to_status: Mapped[str | None] = mapped_column(String(14))
    note: Mapped[str] = mapped_column(Text, default="")
    answer_uuid: Mapped[str | None] = mapped_column(UUIDStr, unique=True)
    body_sha256: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class Rating(Base):
    """A one-time rating link for a closed complaint or finding, and the rating once given.

    Only the token's hash is stored; the token itself is derived from the secret key, so the
    page of the complaint can show the same link again without keeping it."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint(f"outcome IS NULL OR outcome IN {tuple(values(VisitOutcome))}", name="outcome"),
        CheckConstraint("(complaint_id IS NULL) <> (finding_id IS NULL)", name="subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), unique=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")


class Round(Base):
    """A sample of sites the office draws for a supervisor's unannounced round (暗访轮次).

    The draw is reproducible: the same seed over the same sites and open findings gives the same
    sites (server/complaints/rounds.py)."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    seed: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id], lazy="joined", innerjoin=True)
    campaign: Mapped[Campaign | None] = relationship(lazy="joined")


class RoundSite(Base):
    __tablename__ = "round_sites"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    # Open findings at the site when drawn: the weight it was drawn with, less one.
    open_findings: Mapped[int] = mapped_column(Integer)

    site: Mapped[Site] = relationship(lazy="joined", innerjoin=True)
