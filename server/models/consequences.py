"""What follows from a unit's rating (检查结果运用): the unit rectification notice, the interview
with the unit's head, the loss of award eligibility and praise (docs/consequences.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .org import Unit, User

UNIT_NOTICE_STATUSES = ("issued", "answered", "accepted", "returned")


class UnitNoticeCounter(Base):
    """Per-year sequence of unit rectification notice numbers: the row is locked while a number is
    taken, so numbers are unique and without gaps (a rolled-back notice gives its number back)."""

    __tablename__ = "unit_notice_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class UnitNotice(Base):
    """A unit rectification notice (整改通知书) the office issues to a unit for a period's rating,
    the unit's answer, and the office's decision on it."""

    __tablename__ = "unit_notices"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_unit_notices_year_seq"),
        CheckConstraint(f"status IN {UNIT_NOTICE_STATUSES}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(8), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The unit's rating for the period when the notice was issued (null: no data), and why the
    # office issued it anyway when that rating was not unqualified.
    rating: Mapped[str | None] = mapped_column(String(12))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="issued")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The document sent with the answer, kept under the data dir by its sha256.
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_name: Mapped[str] = mapped_column(String(200), default="")
    document_type: Mapped[str] = mapped_column(String(100), default="")
    document_size: Mapped[int | None] = mapped_column(Integer)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id], lazy="joined", innerjoin=True)
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")


class Recorded:
    """What every record of a consequence has: its period and unit, who recorded it and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # As parse_period writes it: "2026", "2026-Q3" or "2026-10".
    period: Mapped[str] = mapped_column(String(8), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def unit(cls) -> Mapped[Unit]:
        return relationship(Unit, lazy="joined", innerjoin=True)

    @declared_attr
    def recorded_by(cls) -> Mapped[User]:
        return relationship(User, lazy="joined", innerjoin=True)


class Interview(Recorded, Base):
    """The record of an interview with a unit's head (约谈), entered by the office."""

    __tablename__ = "interviews"

    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    interviewee: Mapped[str] = mapped_column(String(200))
    interviewers: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str] = mapped_column(Text, default="")


class EligibilityLoss(Recorded, Base):
    """A unit's loss of award eligibility for a year (取消评先资格), once per unit and year."""

    __tablename__ = "eligibility_losses"
    __table_args__ = (UniqueConstraint("year", "unit_id", name="uq_eligibility_losses_year_unit"),)

    year: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    # The unit's rating for the period when recorded, and why the office acted against it.
    rating: Mapped[str | None] = mapped_column(String(12))
    override_reason: Mapped[str] = mapped_column(Text, default="")


class Praise(Recorded, Base):
    """Praise in a bulletin (通报表彰) of an excellent unit, once per unit and period."""

    __tablename__ = "praises"
    __table_args__ = (UniqueConstraint("period", "unit_id", name="uq_praises_period_unit"),)

    text: Mapped[str] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(12))
    override_reason: Mapped[str] = mapped_column(Text, default="")
