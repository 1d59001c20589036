"""Three assessments, two reports (三考核两通报), docs/scores.md: for each unit and period,

- its own result (主体责任): its composite score;
- the result of the department that oversees its sector (行业监管责任): its parent unit, whose
  result is the mean composite of the units it oversees (its active scored children with a
  composite);
- the result of each bureau leader who follows it as a contact point (片区联系指导责任): the mean
  composite of the leader's contact-point units with a composite.

Each result is reported both to the unit and to the unit above it: the report of a unit is read
by the unit itself and by its parent unit (as well as the office, and the leads who see its score).
The bulletins read the same `assess`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..db import Database
from ..models import RECTIFYING_UNIT_KINDS, ContactPoint, Role, Unit, User
from .periods import Period
from .scores import ScoreService


@dataclass(frozen=True)
class Mean:
    """The mean composite of a set of units: over those with a composite, rounded to two decimals."""

    value: float | None
    units: tuple[str, ...]  # the units the mean is over
    of: int  # all the units overseen or followed, with a composite or not

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "units": list(self.units), "of": self.of}


def mean_of(codes: list[str], rows: dict[str, dict[str, Any]]) -> Mean:
    scored = [code for code in codes if rows[code]["composite"]["value"] is not None]
    if not scored:
        return Mean(None, (), len(codes))
    value = sum(rows[code]["composite"]["value"] for code in scored) / len(scored)
    return Mean(round(value, 2), tuple(sorted(scored)), len(codes))


@dataclass
class Responsibilities:
    period: Period
    rows: dict[str, dict[str, Any]]  # every scored unit's score, ranked among them all
    units: dict[int, Unit]  # every unit, scored or not (parents may be the bureau)
    departments: dict[int, Mean] = field(default_factory=dict)  # by the overseeing unit's id
    leaders: dict[int, tuple[User, Mean]] = field(default_factory=dict)
    followed_by: dict[int, list[int]] = field(default_factory=dict)  # unit id -> leader ids

    def unit_json(self, unit: Unit) -> dict[str, Any]:
        row = self.rows[unit.code]
        parent = self.units.get(unit.parent_id) if unit.parent_id is not None else None
        sector = None
        if parent is not None:
            sector = {"unit": parent.code, **self.departments[parent.id].as_json()}
        contacts = []
        for leader_id in self.followed_by.get(unit.id, []):
            leader, mean = self.leaders[leader_id]
            contacts.append({"leader": leader.username, **mean.as_json()})
        return {
            "unit": unit.code,
            "own": {"value": row["composite"]["value"], "rating": row["rating"], "rank": row["rank"]},
            "sector": sector,
            "contact": contacts,
        }

    def as_json(self, unit_ids: set[int]) -> dict[str, Any]:
        """The results of the given units, and of the departments and leaders answering for them."""
        shown = sorted(
            (self.units[i] for i in unit_ids if self.units[i].code in self.rows), key=lambda u: u.code
        )
        parents = {u.parent_id for u in shown if u.parent_id is not None}
        leaders = {leader for u in shown for leader in self.followed_by.get(u.id, [])}
        return {
            "period": self.period.key,
            "units": [self.unit_json(unit) for unit in shown],
            "departments": [
                {"unit": self.units[i].code, **self.departments[i].as_json()}
                for i in sorted(parents, key=lambda i: self.units[i].code)
            ],
            "leaders": [
                {"leader": self.leaders[i][0].username, **self.leaders[i][1].as_json()}
                for i in sorted(leaders, key=lambda i: self.leaders[i][0].username)
            ],
        }


class ResponsibilityService:
    def __init__(self, db: Database, scores: ScoreService) -> None:
        self.db = db
        self.scores = scores

    async def assess(self, period: Period, now: datetime | None = None) -> Responsibilities:
        """Every scored unit's three results for the period."""
        async with self.db.read() as session:
            units = {u.id: u for u in (await session.scalars(select(Unit).order_by(Unit.code))).all()}
            points = (
                await session.execute(
                    select(ContactPoint.leader_id, ContactPoint.unit_id, User)
                    .join(User, User.id == ContactPoint.leader_id)
                    .where(ContactPoint.active.is_(True), User.active.is_(True), User.role == Role.lead.value)
                    .order_by(User.username, ContactPoint.unit_id)
                )
            ).all()
        scored = [u for u in units.values() if u.active and u.kind in RECTIFYING_UNIT_KINDS]
        rows = {row["unit"]: row for row in await self.scores.scores(scored, period, now)}
        result = Responsibilities(period, rows, units)
        children: dict[int, list[str]] = {}
        for unit in scored:
            if unit.parent_id is not None:
                children.setdefault(unit.parent_id, []).append(unit.code)
        result.departments = {parent: mean_of(codes, rows) for parent, codes in children.items()}
        followed: dict[int, tuple[User, list[str]]] = {}
        for leader_id, unit_id, leader in points:
            unit = units[unit_id]
            if unit.code in rows:
                followed.setdefault(leader_id, (leader, []))[1].append(unit.code)
                result.followed_by.setdefault(unit_id, []).append(leader_id)
        result.leaders = {i: (leader, mean_of(codes, rows)) for i, (leader, codes) in followed.items()}
        return result

    async def report_units(self, reader: User) -> list[Unit] | None:
        """The units whose report the reader may read: those whose score they see, and for a unit's
        account the units below its own (the report goes to the unit above); for a bureau leader,
        also their contact-point units. None when they may read none."""
        visible = await self.scores.visible_units(reader)
        if visible is None:
            return None
        extra = select(Unit).where(
            Unit.active.is_(True), Unit.kind.in_([k.value for k in RECTIFYING_UNIT_KINDS])
        )
        if reader.role == Role.handler:
            extra = extra.where(Unit.parent_id == reader.unit_id)
        elif reader.role == Role.lead:
            followed = select(ContactPoint.unit_id).where(
                ContactPoint.leader_id == reader.id, ContactPoint.active.is_(True)
            )
            extra = extra.where(Unit.id.in_(followed))
        else:
            return visible
        async with self.db.read() as session:
            more = list((await session.scalars(extra)).all())
        by_id = {u.id: u for u in [*visible, *more]}
        return sorted(by_id.values(), key=lambda u: u.code)
