"""The year's calendar of dated duties (the plan's work plans, self-reports, the bureau's report)
and the documents units answer them with, every version kept."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, ChosenUnit, UTCDateTime, utcnow
from .org import Unit


class Duty(Base):
    """A dated task of the year that units answer with a document, due by the end of `due_on` in
    the bureau's time zone. `scope` is "all" (every assessed unit, as they are when read) or
    "chosen" (the units of its DutyUnit rows)."""

    __tablename__ = "duties"
    __table_args__ = (
        UniqueConstraint("year", "code", name="uq_duties_year_code"),
        CheckConstraint("scope IN ('all', 'chosen')", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(10))
    # None for the duties the demo loader seeds.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def title(self, lang: str) -> str:
        return (self.title_en or self.title_zh) if lang == "en" else self.title_zh

    def description(self, lang: str) -> str:
        return (self.description_en or self.description_zh) if lang == "en" else self.description_zh


class DutyUnit(ChosenUnit, Base):
    """A unit chosen to answer a duty whose scope is "chosen"."""

    __tablename__ = "duty_units"
    __table_args__ = (UniqueConstraint("duty_id", "unit_id", name="uq_duty_units_duty_unit"),)

    duty_id: Mapped[int] = mapped_column(ForeignKey("duties.id"), index=True)


class DutyAnswer(Base):
    """One version of a unit's answer to a duty: the document's name, type (read from its content),
    size and sha256, who uploaded it and when, and whether it came after the deadline. The file is
    under the data dir, named by its sha256; the highest version is the unit's answer."""

    __tablename__ = "duty_answers"
    __table_args__ = (
        UniqueConstraint("duty_id", "unit_id", "version", name="uq_duty_answers_version"),
        CheckConstraint("version >= 1 AND size_bytes >= 0", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duties.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
