"""The composite score of a unit for a period (docs/scores.md): four parts, each from its own
records, weighted by the settings and re-weighted over the parts that have data.

Several consecutive periods (the twelve months of a year's trend) are scored at once: each part
is one grouped statement over all the units and periods, its rows keyed by the unit and the
index of the period a record falls in.

Covert findings and checks the office has not disclosed count nowhere: the unit cannot know of
them, so it cannot be held to them yet.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select

from ..admin.fields import CODE
from ..db import Database
from ..models import (
    RECTIFYING_UNIT_KINDS,
    Answer,
    Campaign,
    Check,
    CheckKind,
    Complaint,
    Finding,
    FindingCount,
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
from .composite import (
    NO_DATA,
    PARTS,
    RATINGS,
    Part,
    RoutineCounts,
    composite,
    ranked,
    rating_of,
    round2,
)
from .evaluations import POINTS, EvaluationService
from .indicators import SETTLED, UNSETTLED, aggregate_columns, scope
from .periods import Period

__all__ = ["NO_DATA", "PARTS", "RATINGS", "Part", "RoutineCounts", "ScoreService", "composite", "ranked"]

Bounds = list[tuple[datetime, datetime]]
Key = tuple[int, int]  # a unit's id and the index of a period in the list scored


def period_index(column: Any, bounds: Bounds) -> Any:
    """The index of the period the instant falls in: the last one that started before it."""
    return case(
        *((column >= start, index) for index, (start, _end) in reversed(list(enumerate(bounds)))),
        else_=-1,
    ).label("period_index")


def within(column: Any, bounds: Bounds) -> list[Any]:
    return [column >= bounds[0][0], column < bounds[-1][1]]


# By the output column's name: PostgreSQL would not see that a second copy of the CASE, with
# parameters of its own, is the same expression.
BY_PERIOD = literal_column("period_index")
# The figures of the indicators' aggregate the routine part needs.
ROUTINE_FIGURES = {"total", "due", "on_time", "verified", "reworked"}


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

    @staticmethod
    def _scored() -> Any:
        return select(Unit).where(
            Unit.active.is_(True), Unit.kind.in_([k.value for k in RECTIFYING_UNIT_KINDS])
        )

    async def scored_unit(self, code: str) -> Unit | None:
        """The active unit `code` if the assessment scores it (None for the bureau itself, the
        office, outside evaluators, a retired or unknown unit)."""
        if not CODE.match(code):  # no unit has such a code; a NUL would not even reach PostgreSQL
            return None
        async with self.db.read() as session:
            return (await session.execute(self._scored().where(Unit.code == code))).scalar_one_or_none()

    async def visible_units(self, user: User) -> list[Unit] | None:
        """The units the user may see the scores of; None when they may see none (403)."""
        query = self._scored()
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
        """The units' scores for the period, ranked."""
        (rows,) = await self.tables(units, [period], now)
        return rows

    async def tables(
        self, units: list[Unit], periods: list[Period], now: datetime | None = None
    ) -> list[list[dict[str, Any]]]:
        """The units' ranked scores for each of the consecutive periods, one statement per part."""
        now = now or utcnow()
        bounds = [period.bounds(self.settings.timezone) for period in periods]
        ids = [unit.id for unit in units]
        third_party = await self.third_party(ids, bounds, now)
        service = await self.service_recipient(ids, bounds)
        votes = await self.evaluations.votes_by_period([period.key for period in periods])
        routine = await self.routine(ids, bounds, now)
        weights = dict(zip(PARTS, self.settings.score_weights, strict=True))
        bands = dict(zip(("excellent", "qualified"), self.settings.rating_bands, strict=True))
        tables = []
        for index, period in enumerate(periods):
            rows = []
            for unit in units:
                key = (unit.id, index)
                unit_votes = votes.get((unit.id, period.key))
                democratic = (
                    Part(unit_votes.score(), unit_votes.total)
                    if unit_votes is not None and unit_votes.total
                    else NO_DATA
                )
                parts = {
                    "third_party": third_party.get(key, NO_DATA),
                    "service_recipient": service.get(key, NO_DATA),
                    "democratic": democratic,
                    "routine": routine.get(key, NO_DATA),
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
            tables.append(ranked(rows))
        return tables

    async def third_party(self, ids: list[int], bounds: Bounds, now: datetime) -> dict[Key, Part]:
        """Share of checklist items passed in the disclosed unannounced checks of the unit (its
        target, or a site it keeps), less a penalty per finding of those checks not rectified on time."""
        # Materialized: else SQLite flattens it and reads every answer ever given to find the few
        # of the period's unannounced checks, where this reads those checks and their answers.
        checks = (
            assessed_checks(bounds[0][0], bounds[-1][1])
            .add_columns(period_index(Check.recorded_at, bounds))
            .cte("assessed_checks")
            .prefix_with("MATERIALIZED")
        )
        answers = (
            select(
                checks.c.unit_id,
                checks.c.period_index,
                func.count(func.distinct(checks.c.id)),
                count_where(Answer.result == Result.passed.value),
                count_where(Answer.result == Result.failed.value),
            )
            .join(Answer, Answer.check_id == checks.c.id)
            .where(checks.c.unit_id.in_(ids))
            .group_by(checks.c.unit_id, checks.c.period_index)
        )
        findings = (
            select(Finding.assigned_unit_id, checks.c.period_index, func.count())
            .join(checks, checks.c.id == Finding.check_id)
            # Every unit's late findings of those checks, the units not asked for read and dropped:
            # naming them here would lead the planner to read all their findings of all time.
            .where(Finding.status != FindingStatus.merged.value, late_finding(now))
            .group_by(Finding.assigned_unit_id, checks.c.period_index)
        )
        async with self.db.read() as session:
            counted = {
                (row[0], row[1]): (int(row[2]), int(row[3]), int(row[4]))
                for row in (await session.execute(answers))
            }
            lates = {(row[0], row[1]): int(row[2]) for row in (await session.execute(findings))}
        penalty = self.settings.late_finding_penalty
        parts = {}
        for key, (checks_made, passed, failed) in counted.items():
            if passed + failed == 0:
                continue
            value = max(0.0, 100 * passed / (passed + failed) - penalty * lates.get(key, 0))
            parts[key] = Part(round2(value), checks_made)
        return parts

    async def service_recipient(self, ids: list[int], bounds: Bounds) -> dict[Key, Part]:
        """The mean of the ratings given in the period and the call-backs made in it, each worth
        100 (satisfied), 60 (basically satisfied) or 0."""
        totals: dict[Key, tuple[int, int]] = {}
        ratings = (
            select(Rating.unit_id, period_index(Rating.rated_at, bounds), Rating.outcome, func.count())
            .where(Rating.unit_id.in_(ids), Rating.outcome.is_not(None), *within(Rating.rated_at, bounds))
            .group_by(Rating.unit_id, BY_PERIOD, Rating.outcome)
        )
        visits = (
            select(
                Complaint.assigned_unit_id,
                period_index(Complaint.visited_at, bounds),
                Complaint.visit_outcome,
                func.count(),
            )
            .where(
                Complaint.assigned_unit_id.in_(ids),
                Complaint.visit_outcome.in_([o.value for o in VisitOutcome]),
                *within(Complaint.visited_at, bounds),
            )
            .group_by(Complaint.assigned_unit_id, BY_PERIOD, Complaint.visit_outcome)
        )
        async with self.db.read() as session:
            for query in (ratings, visits):
                for unit_id, index, outcome, n in (await session.execute(query)).all():
                    count, score = totals.get((unit_id, index), (0, 0))
                    totals[(unit_id, index)] = (count + int(n), score + int(n) * POINTS[outcome])
        return {key: Part(round2(score / count), count) for key, (count, score) in totals.items()}

    async def routine_counts(self, ids: list[int], bounds: Bounds, now: datetime) -> dict[Key, RoutineCounts]:
        """The numerators and denominators of the routine part's rates, per unit and period: the
        findings' figures from the running counts by month (findings/counts.py), and the part that
        moves with the clock (deadlines passed, in the on-time rate's denominator) from the few
        unsettled findings past their deadline, as IndicatorService.compute reads them."""
        months = {}
        for index, (start, end) in enumerate(bounds):
            month = start.date()
            while month < end.date():
                months[month] = index
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        counts_query = (
            select(
                FindingCount.unit_id,
                FindingCount.month,
                FindingCount.status,
                *(
                    func.sum(getattr(FindingCount, name))
                    for name in ("findings", "assigned", "on_time", "reworked")
                ),
            )
            .where(FindingCount.unit_id.in_(ids), FindingCount.month.in_(list(months)))
            .group_by(FindingCount.unit_id, FindingCount.month, FindingCount.status)
        )
        late = (
            select(Finding.assigned_unit_id, period_index(Finding.created_at, bounds), func.count())
            .where(
                *scope(campaign_id=None, unit_id=None, start=bounds[0][0], end=bounds[-1][1]),
                Finding.assigned_unit_id.in_(ids),
                Finding.status.in_(UNSETTLED),
                Finding.assigned_at.is_not(None),
                Finding.deadline < now,
            )
            .group_by(Finding.assigned_unit_id, BY_PERIOD)
        )
        totals: dict[Key, list[int]] = {}
        async with self.db.read() as session:
            for unit_id, month, status, findings, assigned, on_time, reworked in (
                await session.execute(counts_query)
            ).all():
                row = totals.setdefault((unit_id, months[month]), [0] * 5)
                closed = status == FindingStatus.closed.value
                row[0] += int(findings)
                row[1] += int(on_time)
                row[2] += int(assigned) if status in SETTLED else 0
                row[3] += int(reworked)
                row[4] += int(findings) if closed else int(reworked)
            for unit_id, index, n in (await session.execute(late)).all():
                totals.setdefault((unit_id, index), [0] * 5)[2] += int(n)
            counts = {key: RoutineCounts(*row) for key, row in totals.items()}
            return await self._with_complaints(session, counts, ids, bounds)

    async def routine_recount(
        self, ids: list[int], bounds: Bounds, now: datetime
    ) -> dict[Key, RoutineCounts]:
        """The same counted from the findings themselves, one aggregate statement: what
        `routine_counts` must always equal (the benchmark checks it at size)."""
        findings = (
            select(
                Finding.assigned_unit_id,
                period_index(Finding.created_at, bounds),
                *(column for column in aggregate_columns(now) if column.name in ROUTINE_FIGURES),
            )
            .where(
                *scope(campaign_id=None, unit_id=None, start=bounds[0][0], end=bounds[-1][1]),
                Finding.assigned_unit_id.in_(ids),
            )
            .group_by(Finding.assigned_unit_id, BY_PERIOD)
        )
        async with self.db.read() as session:
            counts = {}
            for row in (await session.execute(findings)).all():
                r = row._mapping
                counts[(r["assigned_unit_id"], r["period_index"])] = RoutineCounts(
                    findings=int(r["total"]),
                    on_time=int(r["on_time"]),
                    due=int(r["due"]),
                    reworked=int(r["reworked"]),
                    verified=int(r["verified"]),
                )
            return await self._with_complaints(session, counts, ids, bounds)

    async def _with_complaints(
        self, session: Any, counts: dict[Key, RoutineCounts], ids: list[int], bounds: Bounds
    ) -> dict[Key, RoutineCounts]:
        """The counts with the complaints received in each period and how many are closed."""
        complaints = (
            select(
                Complaint.assigned_unit_id,
                period_index(Complaint.received_at, bounds),
                func.count(),
                count_where(Complaint.status == "closed"),
            )
            .where(Complaint.assigned_unit_id.in_(ids), *within(Complaint.received_at, bounds))
            .group_by(Complaint.assigned_unit_id, BY_PERIOD)
        )
        for unit_id, index, received, closed in (await session.execute(complaints)).all():
            found = counts.get((unit_id, index), RoutineCounts())
            counts[(unit_id, index)] = replace(found, complaints=int(received), closed=int(closed))
        return counts

    async def routine(self, ids: list[int], bounds: Bounds, now: datetime) -> dict[Key, Part]:
        """The mean of the rates with data among: on-time rate, 1 - rework rate (of the findings
        opened in the period) and completion rate (of the complaints received in it), as percentages."""
        parts = {}
        for key, counts in (await self.routine_counts(ids, bounds, now)).items():
            rates = counts.rates()
            if rates:
                parts[key] = Part(
                    round2(sum(rates.values()) / len(rates)), counts.findings + counts.complaints
                )
        return parts
