"""The composite score of a unit for a period (docs/scores.md): four parts, each from its own
records, weighted by the settings and re-weighted over the parts that have data.

Covert findings and checks the office has not disclosed count nowhere: the unit cannot know of
them, so it cannot be held to them yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from ..db import Database
from ..models import (
    RECTIFYING_UNIT_KINDS,
    Answer,
    Campaign,
    Check,
    CheckKind,
    Complaint,
    Finding,
    FindingStatus,
    Rating,
    Result,
    Role,
    Site,
    Unit,
    User,
    VisitOutcome,
    utcnow,
)
from ..settings import Settings
from .evaluations import POINTS, EvaluationService
from .indicators import aggregate_columns, scope
from .periods import Period

PARTS = ("third_party", "service_recipient", "democratic", "routine")
RATINGS = ("excellent", "qualified", "unqualified")


@dataclass(frozen=True)
class Part:
    value: float | None
    basis: int

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "basis": self.basis}


NO_DATA = Part(None, 0)


@dataclass(frozen=True)
class RoutineCounts:
    """What the routine part's rates are counted from (docs/scores.md)."""

    findings: int = 0
    on_time: int = 0
    due: int = 0
    reworked: int = 0
    verified: int = 0
    complaints: int = 0
    closed: int = 0

    def rates(self) -> dict[str, float]:
        """The rates with data, as percentages: on time, not reworked, complaints completed."""
        rates = {}
        if self.due:
            rates["on_time"] = 100 * self.on_time / self.due
        if self.verified:
            rates["not_reworked"] = 100 * (1 - self.reworked / self.verified)
        if self.complaints:
            rates["completed"] = 100 * self.closed / self.complaints
        return rates


def _round(value: float) -> float:
    return round(value, 2)


def composite(parts: dict[str, Part], weights: dict[str, int]) -> dict[str, Any]:
    """The weighted mean of the parts with data, their weights scaled to sum to 100."""
    used = [name for name in PARTS if parts[name].value is not None]
    if not used:
        return {"value": None, "basis": 0, "parts_used": []}
    weight = sum(weights[name] for name in used)
    value = sum(weights[name] * parts[name].value for name in used) / weight  # type: ignore[operator]
    return {"value": _round(value), "basis": sum(parts[name].basis for name in used), "parts_used": used}


def rating_of(value: float | None, bands: dict[str, int]) -> str | None:
    if value is None:
        return None
    if value >= bands["excellent"]:
        return "excellent"
    return "qualified" if value >= bands["qualified"] else "unqualified"


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Highest composite first, equal composites sharing a rank (1, 2, 2, 4), units without any
    data last with no rank; ties and the unranked in the order of their unit codes."""
    rows.sort(
        key=lambda row: (row["composite"]["value"] is None, -(row["composite"]["value"] or 0), row["unit"])
    )
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        value = row["composite"]["value"]
        if value is None:
            row["rank"] = None
            continue
        if value != previous:
            rank, previous = position, value
        row["rank"] = rank
    return rows


def assessed_checks(start: datetime, end: datetime) -> Any:
    """The checks the third-party part rests on: unannounced, recorded in [start, end), not
    covert or disclosed; with the unit each one assesses (its target, or the keeper of its site)."""
    site_unit = select(Site.unit_id).where(Site.id == Check.site_id).scalar_subquery()
    unit_of = func.coalesce(Check.target_unit_id, site_unit).label("unit_id")
    return select(Check.id, unit_of).where(
        Check.kind == CheckKind.unannounced.value,
        or_(Check.covert.is_(False), Check.disclosed_at.is_not(None)),
        Check.recorded_at >= start,
        Check.recorded_at < end,
    )


def late_finding(now: datetime) -> Any:
    """A finding not rectified on time: submitted after its deadline, or not submitted and past it."""
    return and_(
        Finding.assigned_at.is_not(None),
        or_(
            Finding.submitted_at > Finding.deadline,
            and_(Finding.submitted_at.is_(None), Finding.deadline < now),
        ),
    )


def count_where(condition: Any) -> Any:
    """How many rows of the group meet the condition (0 for an empty group)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class ScoreService:
    def __init__(self, db: Database, settings: Settings, evaluations: EvaluationService) -> None:
        self.db = db
        self.settings = settings
        self.evaluations = evaluations

    async def visible_units(self, user: User) -> list[Unit] | None:
        """The units the user may see the scores of; None when they may see none (403)."""
        query = select(Unit).where(
            Unit.active.is_(True), Unit.kind.in_([k.value for k in RECTIFYING_UNIT_KINDS])
        )
        if user.role == Role.office:
            pass
        elif user.role == Role.lead:
            led = select(Campaign.id).where(Campaign.lead_id == user.id)
            responsible = select(Campaign.responsible_unit_id).where(Campaign.lead_id == user.id)
            assigned = select(Finding.assigned_unit_id).where(
                Finding.campaign_id.in_(led), Finding.assigned_unit_id.is_not(None)
            )
            query = query.where(or_(Unit.id.in_(responsible), Unit.id.in_(assigned)))
        elif user.role == Role.handler and user.unit_id is not None:
            query = query.where(Unit.id == user.unit_id)
        else:
            return None
        async with self.db.read() as session:
            return list((await session.execute(query.order_by(Unit.code))).scalars())

    async def scores(
        self, units: list[Unit], period: Period, now: datetime | None = None
    ) -> list[dict[str, Any]]:
        now = now or utcnow()
        start, end = period.bounds(self.settings.timezone)
        ids = [unit.id for unit in units]
        third_party = await self.third_party(ids, start, end, now)
        service = await self.service_recipient(ids, start, end)
        votes = await self.evaluations.votes_by_unit(period)
        routine = await self.routine(ids, start, end, now)
        weights = dict(zip(PARTS, self.settings.score_weights, strict=True))
        bands = dict(zip(("excellent", "qualified"), self.settings.rating_bands, strict=True))
        rows = []
        for unit in units:
            unit_votes = votes.get(unit.id)
            democratic = (
                Part(unit_votes.score(), unit_votes.total)
                if unit_votes is not None and unit_votes.total
                else NO_DATA
            )
            parts = {
                "third_party": third_party.get(unit.id, NO_DATA),
                "service_recipient": service.get(unit.id, NO_DATA),
                "democratic": democratic,
                "routine": routine.get(unit.id, NO_DATA),
            }
            total = composite(parts, weights)
            rows.append(
                {
                    "unit": unit.code,
                    **{name: part.as_json() for name, part in parts.items()},
                    "composite": total,
                    "rating": rating_of(total["value"], bands),
                }
            )
        return ranked(rows)

    async def third_party(
        self, ids: list[int], start: datetime, end: datetime, now: datetime
    ) -> dict[int, Part]:
        """Share of checklist items passed in the disclosed unannounced checks of the unit (its
        target, or a site it keeps), less a penalty per finding of those checks not rectified on time."""
        checks = assessed_checks(start, end).subquery()
        answers = (
            select(
                checks.c.unit_id,
                func.count(func.distinct(checks.c.id)),
                count_where(Answer.result == Result.passed.value),
                count_where(Answer.result == Result.failed.value),
            )
            .join(Answer, Answer.check_id == checks.c.id)
            .where(checks.c.unit_id.in_(ids))
            .group_by(checks.c.unit_id)
        )
        late = late_finding(now)
        findings = (
            select(Finding.assigned_unit_id, func.count())
            .join(checks, checks.c.id == Finding.check_id)
            .where(
                Finding.assigned_unit_id.in_(ids),
                Finding.status != FindingStatus.merged.value,
                late,
            )
            .group_by(Finding.assigned_unit_id)
        )
        async with self.db.read() as session:
            counted = {
                row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in (await session.execute(answers))
            }
            lates = {row[0]: int(row[1]) for row in (await session.execute(findings))}
        penalty = self.settings.late_finding_penalty
        parts = {}
        for unit_id, (checks_made, passed, failed) in counted.items():
            if passed + failed == 0:
                continue
            value = max(0.0, 100 * passed / (passed + failed) - penalty * lates.get(unit_id, 0))
            parts[unit_id] = Part(_round(value), checks_made)
        return parts

    async def service_recipient(self, ids: list[int], start: datetime, end: datetime) -> dict[int, Part]:
        """The mean of the ratings given in the period and the call-backs made in it, each worth
        100 (satisfied), 60 (basically satisfied) or 0."""
        totals: dict[int, tuple[int, int]] = {}

        def add(unit_id: int, outcome: str, n: int) -> None:
            count, score = totals.get(unit_id, (0, 0))
            totals[unit_id] = (count + n, score + n * POINTS[outcome])

        ratings = (
            select(Rating.unit_id, Rating.outcome, func.count())
            .where(
                Rating.unit_id.in_(ids),
                Rating.outcome.is_not(None),
                Rating.rated_at >= start,
                Rating.rated_at < end,
            )
            .group_by(Rating.unit_id, Rating.outcome)
        )
        visits = (
            select(Complaint.assigned_unit_id, Complaint.visit_outcome, func.count())
            .where(
                Complaint.assigned_unit_id.in_(ids),
                Complaint.visit_outcome.in_([o.value for o in VisitOutcome]),
                Complaint.visited_at >= start,
                Complaint.visited_at < end,
            )
            .group_by(Complaint.assigned_unit_id, Complaint.visit_outcome)
        )
        async with self.db.read() as session:
            for query in (ratings, visits):
                for unit_id, outcome, n in (await session.execute(query)).all():
                    add(unit_id, outcome, int(n))
        return {unit_id: Part(_round(score / count), count) for unit_id, (count, score) in totals.items()}

    async def routine_counts(
        self, ids: list[int], start: datetime, end: datetime, now: datetime
    ) -> dict[int, RoutineCounts]:
        """The numerators and denominators of the routine part's rates, per unit."""
        findings = (
            select(Finding.assigned_unit_id, *aggregate_columns(now))
            .where(
                *scope(campaign_id=None, unit_id=None, start=start, end=end),
                Finding.assigned_unit_id.in_(ids),
            )
            .group_by(Finding.assigned_unit_id)
        )
        complaints = (
            select(
                Complaint.assigned_unit_id,
                func.count(),
                count_where(Complaint.status == "closed"),
            )
            .where(
                Complaint.assigned_unit_id.in_(ids),
                Complaint.received_at >= start,
                Complaint.received_at < end,
            )
            .group_by(Complaint.assigned_unit_id)
        )
        counts: dict[int, RoutineCounts] = {}
        async with self.db.read() as session:
            for row in (await session.execute(findings)).all():
                r = row._mapping
                counts[r["assigned_unit_id"]] = RoutineCounts(
                    findings=int(r["total"]),
                    on_time=int(r["on_time"]),
                    due=int(r["due"]),
                    reworked=int(r["reworked"]),
                    verified=int(r["verified"]),
                )
            for unit_id, received, closed in (await session.execute(complaints)).all():
                found = counts.get(unit_id, RoutineCounts())
                counts[unit_id] = replace(found, complaints=int(received), closed=int(closed))
        return counts

    async def routine(self, ids: list[int], start: datetime, end: datetime, now: datetime) -> dict[int, Part]:
        """The mean of the rates with data among: on-time rate, 1 - rework rate (of the findings
        opened in the period) and completion rate (of the complaints received in it), as percentages."""
        parts = {}
        for unit_id, counts in (await self.routine_counts(ids, start, end, now)).items():
            rates = counts.rates()
            if rates:
                parts[unit_id] = Part(
                    _round(sum(rates.values()) / len(rates)), counts.findings + counts.complaints
                )
        return parts
