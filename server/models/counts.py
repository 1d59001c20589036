"""Running counts of findings, kept in the transaction of every change to a finding."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class FindingCount(Base):
    """How many findings of a campaign, unit, month and status there are, with the parts of the
    indicators that do not move with the clock.

    The desk shows a campaign's figures for the month and its counts of all time; counting a
    million findings for each page view cost most of the page. These rows answer both by
    summing a few dozen rows. Only findings in the indicators' scope are counted: merged ones
    and covert ones not yet disclosed are not. `month` is the first day of the month the
    finding was opened in, by the bureau's calendar (XUNCHA_TIMEZONE); `unit_id` is 0 for a
    finding not assigned to any unit (0 rather than NULL, so the row has a key to meet on).
    server/findings/counts.py keeps them and rebuilds them.
    """

    __tablename__ = "finding_counts"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id"), primary_key=True, autoincrement=False
    )
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    # Of those: submitted at least once; ever assigned; submitted by the deadline and now
    # submitted or closed; sent back at least once.
    handled: Mapped[int] = mapped_column(Integer, default=0)
    assigned: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    reworked: Mapped[int] = mapped_column(Integer, default=0)
