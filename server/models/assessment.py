"""What the unit assessment stores beyond the records it scores: the democratic evaluation's votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Evaluation(Base):
    """The votes of the collective democratic evaluation (集中民主评议) of one unit for one period,
    as the office entered them last, and who entered them when (the audit trail keeps each entry)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("period", "unit_id", name="uq_evaluations_period_unit"),
        CheckConstraint("satisfied >= 0 AND basically_satisfied >= 0 AND unsatisfied >= 0", name="votes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # As parse_period writes it: "2026", "2026-Q3" or "2026-10".
    period: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    satisfied: Mapped[int] = mapped_column(Integer)
    basically_satisfied: Mapped[int] = mapped_column(Integer)
    unsatisfied: Mapped[int] = mapped_column(Integer)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
