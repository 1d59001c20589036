"""Indicators of the rectification work, per campaign, per unit and per month.

Every rate names its numerator and denominator (docs/indicators.md says them in full),
and a rate whose denominator is empty is "no data", never 0 % or 100 %.

Scope: the findings opened (created on the server) in the period, by the bureau's calendar,
of the campaign and, for a unit, assigned to that unit. Left out: duplicates merged into
another finding (they are counted as the finding they were merged into), and covert findings
the office has not disclosed yet (no one may act on them, and the lead and the unit may not
know they exist; once disclosed they count in the month they were opened).

The figures come from running counts kept as findings change (findings/counts.py), with the
part that moves with the clock read from the few findings past their deadline; `recount` and
the per-unit and per-month tables count the findings themselves, one aggregate statement each
(a SUM of CASE per figure), so nothing loads findings to count them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypedDict, Unpack
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select

from ..db import Database
from ..findings.counts import FIGURES
from ..i18n import gettext
from ..labels import N_
from ..models import Finding, FindingCount, FindingStatus, utcnow

SETTLED = (FindingStatus.submitted.value, FindingStatus.closed.value)
WAITING = (FindingStatus.assigned.value, FindingStatus.rework.value)
# The statuses a scope's findings are counted in (merged ones are out of scope).
COUNTED_STATUSES = ("new", "assigned", "submitted", "rework", "closed")
UNSETTLED = tuple(status for status in COUNTED_STATUSES if status not in SETTLED)
NO_DATA = N_("no data")

# Shown beside each figure on the desk; message ids are English, the page translates them.
DEFINITIONS: dict[str, str] = {
    "handling": N_(
        "Handling rate (处置率): findings whose rectification was submitted at least once, "
        "out of all findings opened in the period."
    ),
    "on_time": N_(
        "On-time rate (按期处置率): findings submitted or closed by their deadline, out of the assigned "
        "findings that are settled (submitted or closed) or whose deadline has passed."
    ),
    "rework": N_(
        "Rework rate (返工率): findings sent back for rework at least once, out of the findings verified "
        "at least once (closed, or sent back)."
    ),
    "overdue": N_(
        "Overdue (超期): findings waiting for the unit (assigned or in rework) whose deadline has passed, now."
    ),
    "closure": N_("Closure rate (结案率): closed findings, out of all findings opened in the period."),
}


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def percent(self) -> str | None:
        value = self.value
        return None if value is None else f"{value * 100:.1f}%"

    def as_json(self) -> dict[str, object]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}

    def text(self) -> str:
        """As a page shows it: "62.5% (10/16)", or "no data" (translated) for an empty denominator."""
        percent = self.percent()
        if percent is None:
            return gettext(NO_DATA)
        return f"{percent} ({self.numerator}/{self.denominator})"


@dataclass(frozen=True)
class Indicators:
    total: int
    handling: Rate
    on_time: Rate
    rework: Rate
    overdue: int
    closure: Rate
    # How many of the scope's findings are in each status now (they add up to total).
    statuses: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "total": self.total,
            "handling_rate": self.handling.as_json(),
            "on_time_rate": self.on_time.as_json(),
            "rework_rate": self.rework.as_json(),
            "overdue": self.overdue,
            "closure_rate": self.closure.as_json(),
            "statuses": dict(self.statuses),
        }


def month_bounds(month: date, timezone: str) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next, in the bureau's zone."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(month.replace(day=1), time(), tzinfo=zone)
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, datetime.combine(following, time(), tzinfo=zone)


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def aggregate_columns(now: datetime) -> list[ColumnElement[int]]:
    handled = Finding.submitted_at.is_not(None)
    settled = Finding.status.in_(SETTLED)
    due = and_(Finding.assigned_at.is_not(None), settled | (Finding.deadline < now))
    on_time = and_(settled, Finding.submitted_at <= Finding.deadline)
    verified = (Finding.status == FindingStatus.closed.value) | (Finding.rework_count > 0)
    overdue = and_(Finding.status.in_(WAITING), Finding.deadline < now)
    return [
        func.count().label("total"),
        _sum(handled).label("handled"),
        _sum(due).label("due"),
        _sum(on_time).label("on_time"),
        _sum(verified).label("verified"),
        _sum(Finding.rework_count > 0).label("reworked"),
        _sum(overdue).label("overdue"),
        *(_sum(Finding.status == status).label(f"status_{status}") for status in COUNTED_STATUSES),
    ]


def indicators_of(row: object) -> Indicators:
    """The figures of a row selected with aggregate_columns."""
    r = row._mapping  # type: ignore[attr-defined]  # a Row with the labels of aggregate_columns
    statuses = {status: int(r[f"status_{status}"]) for status in COUNTED_STATUSES}
    return Indicators(
        total=int(r["total"]),
        handling=Rate(int(r["handled"]), int(r["total"])),
        on_time=Rate(int(r["on_time"]), int(r["due"])),
        rework=Rate(int(r["reworked"]), int(r["verified"])),
        overdue=int(r["overdue"]),
        closure=Rate(statuses["closed"], int(r["total"])),
        statuses=statuses,
    )


def _empty() -> Indicators:
    return Indicators(
        0, Rate(0, 0), Rate(0, 0), Rate(0, 0), 0, Rate(0, 0), dict.fromkeys(COUNTED_STATUSES, 0)
    )


def scope(
    *, campaign_id: int | None, unit_id: int | None, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [
        Finding.status != FindingStatus.merged.value,
        or_(Finding.covert.is_(False), Finding.disclosed_at.is_not(None)),
    ]
    if campaign_id is not None:
        clauses.append(Finding.campaign_id == campaign_id)
    if unit_id is not None:
        clauses.append(Finding.assigned_unit_id == unit_id)
    if start is not None:
        clauses.append(Finding.created_at >= start)
    if end is not None:
        clauses.append(Finding.created_at < end)
    return clauses


class Scope(TypedDict, total=False):
    """Which findings the figures are of (a campaign, a unit, a month: each left out is all) and
    the moment they are taken at (now when left out)."""

    campaign_id: int | None
    unit_id: int | None
    month: date | None
    now: datetime | None


class IndicatorService:
    def __init__(self, db: Database, timezone: str) -> None:
        self.db = db
        self.timezone = timezone

    def _window(self, within: Scope) -> tuple[int | None, int | None, date | None, Any, Any, datetime]:
        """The scope's campaign, unit and month, the month's bounds and the moment of the figures."""
        month = within.get("month")
        start, end = month_bounds(month, self.timezone) if month else (None, None)
        return (
            within.get("campaign_id"),
            within.get("unit_id"),
            month,
            start,
            end,
            within.get("now") or utcnow(),
        )

    async def compute(self, **within: Unpack[Scope]) -> Indicators:
        """The figures from the running counts (findings/counts.py), and, for the two that move
        with the clock (overdue, and the deadlines passed in the on-time rate's denominator), the
        findings not yet settled whose deadline has passed: a few rows on an index, where
        recounting every finding of the month read tens of thousands."""
        campaign_id, unit_id, month, start, end, now = self._window(within)
        counts = select(
            FindingCount.status,
            *(func.coalesce(func.sum(getattr(FindingCount, name)), 0) for name in FIGURES),
        ).group_by(FindingCount.status)
        if campaign_id is not None:
            counts = counts.where(FindingCount.campaign_id == campaign_id)
        if unit_id is not None:
            counts = counts.where(FindingCount.unit_id == unit_id)
        if month is not None:
            counts = counts.where(FindingCount.month == month.replace(day=1))
        # The deadline is tested in the sums, not in WHERE: so the planner reads the period's
        # unsettled findings on the (campaign_id, status, created_at) index, rather than every
        # deadline ever passed on the (campaign_id, status, deadline) one and then their months.
        passed = Finding.deadline < now
        late = select(
            _sum(and_(Finding.status.in_(WAITING), passed)),
            _sum(and_(Finding.assigned_at.is_not(None), passed)),
        ).where(
            *scope(campaign_id=campaign_id, unit_id=unit_id, start=start, end=end),
            Finding.status.in_(UNSETTLED),
        )
        async with self.db.read() as session:
            rows = (await session.execute(counts)).all()
            overdue, late_due = (await session.execute(late)).one()
        by_status = {row[0]: [int(n) for n in row[1:]] for row in rows}
        statuses = {status: by_status.get(status, [0])[0] for status in COUNTED_STATUSES}
        total = sum(row[0] for row in by_status.values())
        closed = statuses[FindingStatus.closed.value]
        reworked = sum(row[4] for row in by_status.values())
        reworked_open = sum(
            row[4] for status, row in by_status.items() if status != FindingStatus.closed.value
        )
        settled_due = sum(row[2] for status, row in by_status.items() if status in SETTLED)
        return Indicators(
            total=total,
            handling=Rate(sum(row[1] for row in by_status.values()), total),
            on_time=Rate(sum(row[3] for row in by_status.values()), settled_due + int(late_due)),
            rework=Rate(reworked, closed + reworked_open),
            overdue=int(overdue),
            closure=Rate(closed, total),
            statuses=statuses,
        )

    async def status_counts(self, *, campaign_id: int | None, unit_id: int | None = None) -> dict[str, int]:
        """How many findings are in each status now, of all time (the desk's cards), in the same
        scope: a sum of the running counts over the months."""
        query = select(FindingCount.status, func.sum(FindingCount.findings)).group_by(FindingCount.status)
        if campaign_id is not None:
            query = query.where(FindingCount.campaign_id == campaign_id)
        if unit_id is not None:
            query = query.where(FindingCount.unit_id == unit_id)
        counts = dict.fromkeys(COUNTED_STATUSES, 0)
        async with self.db.read() as session:
            for status, n in (await session.execute(query)).all():
                counts[status] = int(n or 0)
        return counts

    async def recount(self, **within: Unpack[Scope]) -> Indicators:
        """The same figures counted from the findings themselves, one aggregate statement: what
        `compute` must always equal, and the reference for the benchmark and the tests."""
        campaign_id, unit_id, _month, start, end, now = self._window(within)
        query = select(*aggregate_columns(now)).where(
            *scope(campaign_id=campaign_id, unit_id=unit_id, start=start, end=end)
        )
        async with self.db.read() as session:
            return indicators_of((await session.execute(query)).one())

    async def by_unit(
        self, *, campaign_id: int | None, month: date | None = None, now: datetime | None = None
    ) -> dict[int, Indicators]:
        """One row per assigned unit (findings not yet assigned have no unit and are left out)."""
        start, end = month_bounds(month, self.timezone) if month else (None, None)
        query = (
            select(Finding.assigned_unit_id, *aggregate_columns(now or utcnow()))
            .where(
                *scope(campaign_id=campaign_id, unit_id=None, start=start, end=end),
                Finding.assigned_unit_id.is_not(None),
            )
            .group_by(Finding.assigned_unit_id)
        )
        async with self.db.read() as session:
            return {row.assigned_unit_id: indicators_of(row) for row in (await session.execute(query)).all()}

    async def by_month(
        self, *, campaign_id: int | None, year: int, unit_id: int | None = None, now: datetime | None = None
    ) -> dict[date, Indicators]:
        """The twelve months of a year in one statement; a month with no findings has no data."""
        months = [date(year, number, 1) for number in range(1, 13)]
        bounds = [month_bounds(month, self.timezone) for month in months]
        # The month a finding falls in, by the bureau's calendar: the last month that started before it.
        bucket = case(
            *(
                (Finding.created_at >= start, number)
                for number, (start, _end) in reversed(list(enumerate(bounds)))
            ),
            else_=-1,
        ).label("month_index")
        query = (
            select(bucket, *aggregate_columns(now or utcnow()))
            .where(*scope(campaign_id=campaign_id, unit_id=unit_id, start=bounds[0][0], end=bounds[-1][1]))
            # By the output column's name: PostgreSQL would not see that a second copy of the CASE,
            # with parameters of its own, is the same expression.
            .group_by(literal_column("month_index"))
        )
        results = {month: _empty() for month in months}
        async with self.db.read() as session:
            for row in (await session.execute(query)).all():
                results[months[row.month_index]] = indicators_of(row)
        return results
