"""Complaint indicators: 调查处理率, 回访率, 办结率, 满意率 (docs/indicators.md).

Scope: the complaints received in the month, by the bureau's calendar, whenever they were
handled; for a unit, those assigned to it now; for a campaign, those filed under it. One
aggregate statement per scope. A complaint counts as investigated, and as called back, once it
has been at least once (a reopened one too); satisfaction follows its latest call-back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from ..assessment.indicators import Rate, month_bounds
from ..db import Database
from ..labels import N_
from ..models import Complaint, ComplaintStatus, VisitOutcome

DEFINITIONS: dict[str, str] = {
    "investigation_rate": N_(
        "Investigation rate (调查处理率): complaints the unit has investigated at least once, "
        "out of the complaints received in the month."
    ),
    "return_visit_rate": N_(
        "Return-visit rate (回访率): complaints whose complainant was called back at least once, "
        "out of the complaints investigated."
    ),
    "completion_rate": N_(
        "Completion rate (办结率): closed complaints (closed only after a return visit), "
        "out of the complaints received in the month."
    ),
    "satisfaction_rate": N_(
        "Satisfaction rate (满意率): complaints whose latest call-back was satisfied or basically "
        "satisfied, out of the complaints called back."
    ),
}


@dataclass(frozen=True)
class ComplaintIndicators:
    received: int
    investigation: Rate
    return_visit: Rate
    completion: Rate
    satisfaction: Rate

    def rates(self) -> dict[str, Rate]:
        return {
            "investigation_rate": self.investigation,
            "return_visit_rate": self.return_visit,
            "completion_rate": self.completion,
            "satisfaction_rate": self.satisfaction,
        }

    def as_json(self) -> dict[str, object]:
        return {"received": self.received, **{k: r.as_json() for k, r in self.rates().items()}}


def _sum(condition: object) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)  # type: ignore[arg-type]


class ComplaintIndicatorService:
    def __init__(self, db: Database, timezone: str) -> None:
        self.db = db
        self.timezone = timezone

    async def compute(
        self, *, month: date, unit_id: int | None = None, campaign_id: int | None = None
    ) -> ComplaintIndicators:
        start, end = month_bounds(month, self.timezone)
        return await self.between(start, end, unit_id=unit_id, campaign_id=campaign_id)

    async def between(
        self, start: datetime, end: datetime, *, unit_id: int | None = None, campaign_id: int | None = None
    ) -> ComplaintIndicators:
        """The same figures for the complaints received from `start` to before `end` (a quarter, a year)."""
        good = (VisitOutcome.satisfied.value, VisitOutcome.basically_satisfied.value)
        query = select(
            func.count().label("received"),
            _sum(Complaint.first_investigated_at.is_not(None)).label("investigated"),
            _sum(Complaint.first_visited_at.is_not(None)).label("visited"),
            _sum(Complaint.status == ComplaintStatus.closed.value).label("closed"),
            _sum(Complaint.first_visited_at.is_not(None) & Complaint.visit_outcome.in_(good)).label(
                "satisfied"
            ),
        ).where(Complaint.received_at >= start, Complaint.received_at < end)
        if unit_id is not None:
            query = query.where(Complaint.assigned_unit_id == unit_id)
        if campaign_id is not None:
            query = query.where(Complaint.campaign_id == campaign_id)
        async with self.db.read() as session:
            row = (await session.execute(query)).one()._mapping
        received, investigated, visited = int(row["received"]), int(row["investigated"]), int(row["visited"])
        return ComplaintIndicators(
            received=received,
            investigation=Rate(investigated, received),
            return_visit=Rate(visited, investigated),
            completion=Rate(int(row["closed"]), received),
            satisfaction=Rate(int(row["satisfied"]), visited),
        )
