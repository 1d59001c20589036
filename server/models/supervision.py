"""Bureau leaders' contact points (联系点) and the topics they set them (点题监督)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, ChosenUnit, UTCDateTime, utcnow
from .org import Unit, User

TOPIC_STATUSES = ("open", "answered", "accepted", "returned")


class ContactPoint(ChosenUnit, Base):
    """A unit a bureau leader follows. Never deleted: a dropped one is inactive."""

    __tablename__ = "contact_points"
    __table_args__ = (UniqueConstraint("leader_id", "unit_id", name="uq_contact_points_leader_unit"),)

    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)


class Topic(Base):
    """A matter a leader sets a contact-point unit to act on, with a deadline."""

    __tablename__ = "topics"
    __table_args__ = (CheckConstraint(f"status IN {TOPIC_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    leader: Mapped[User] = relationship(foreign_keys=[leader_id], lazy="joined", innerjoin=True)
    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
