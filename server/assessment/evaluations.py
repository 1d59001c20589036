"""The collective democratic evaluation (集中民主评议): the votes the office enters per unit and period,
and the part of the score they give (docs/scores.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..audit.chain import AuditLog
from ..db import Database
from ..errors import Forbidden, Invalid, NotFound
from ..i18n import gettext as _
from ..models import RECTIFYING_UNIT_KINDS, Evaluation, Role, Unit, User, utcnow
from ..settings import Settings
from .periods import Period

VOTES = ("satisfied", "basically_satisfied", "unsatisfied")
# Points a vote gives: the share of the panel satisfied counts in full, basically satisfied at 60.
POINTS = {"satisfied": 100, "basically_satisfied": 60, "unsatisfied": 0}


@dataclass(frozen=True)
class Votes:
    satisfied: int
    basically_satisfied: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.basically_satisfied + self.unsatisfied

    def score(self) -> float | None:
        """(satisfied*100 + basically_satisfied*60 + unsatisfied*0) / total; None with no votes."""
        if not self.total:
            return None
        points = sum(POINTS[name] * getattr(self, name) for name in VOTES)
        return round(points / self.total, 2)


def evaluation_json(evaluation: Evaluation, unit_code: str, entered_by: str) -> dict[str, Any]:
    votes = Votes(evaluation.satisfied, evaluation.basically_satisfied, evaluation.unsatisfied)
    return {
        "period": evaluation.period,
        "unit": unit_code,
        **{name: getattr(evaluation, name) for name in VOTES},
        "total": votes.total,
        "score": votes.score(),
        "entered_by": entered_by,
        "entered_at": evaluation.entered_at.isoformat(),
    }


class EvaluationService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def votes_from(self, body: Any) -> Votes:
        """The three counts of the body, or 422 naming every field that is missing, not a whole
        number, negative, or unknown, and the total when it is over the set maximum."""
        if not isinstance(body, dict):
            raise Invalid(
                _("The body must be a JSON object."),
                errors=[{"field": "", "message": _("Expected an object.")}],
            )
        errors = [
            {
                "field": str(key)[:40],
                "message": _("Unknown field: send satisfied, basically_satisfied and unsatisfied."),
            }
            for key in body
            if key not in VOTES
        ]
        for name in VOTES:
            value = body.get(name)
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append({"field": name, "message": _("A whole number of votes, 0 or more.")})
            elif value < 0:
                errors.append({"field": name, "message": _("A count of votes cannot be negative.")})
        if errors:
            raise Invalid(_("The votes could not be recorded."), errors=errors)
        votes = Votes(*(body[name] for name in VOTES))
        limit = self.settings.max_evaluation_votes
        if votes.total > limit:
            raise Invalid(
                _("The votes could not be recorded."),
                errors=[
                    {
                        "field": "total",
                        "message": _(
                            "%(total)s votes in all, more than the %(limit)s an evaluation may hold: check the counts.",
                            total=votes.total,
                            limit=limit,
                        ),
                    }
                ],
            )
        return votes

    async def put(self, user: User, period: Period, unit_code: str, body: Any) -> tuple[int, dict[str, Any]]:
        """Record the votes: 201 when the unit had none for the period, 200 when they were the same
        or are replaced (each replacement is an entry of the audit trail)."""
        if user.role != Role.office:
            raise Forbidden(_("The supervision office enters the votes of the democratic evaluation."))
        votes = self.votes_from(body)
        async with self.db.write() as session:
            unit = (await session.execute(select(Unit).where(Unit.code == unit_code))).scalar_one_or_none()
            if unit is None:
                raise NotFound(_("There is no unit %(code)s.", code=unit_code[:40]))
            if not unit.active or unit.kind not in RECTIFYING_UNIT_KINDS:
                # Votes no score would ever read: the bureau itself, the office, outside evaluators.
                raise Invalid(
                    _("The votes could not be recorded."),
                    errors=[
                        {
                            "field": "unit",
                            "message": _("%(code)s is not a unit the assessment scores.", code=unit.code),
                        }
                    ],
                )
            evaluation = (
                await session.execute(
                    select(Evaluation).where(Evaluation.period == period.key, Evaluation.unit_id == unit.id)
                )
            ).scalar_one_or_none()
            status = 200
            if evaluation is None:
                evaluation = Evaluation(period=period.key, unit_id=unit.id, entered_by_id=user.id)
                session.add(evaluation)
                status = 201
            elif all(getattr(evaluation, name) == getattr(votes, name) for name in VOTES):
                # An unchanged entry keeps who entered it and when.
                entered_by = await session.scalar(
                    select(User.username).where(User.id == evaluation.entered_by_id)
                )
                return 200, evaluation_json(evaluation, unit.code, entered_by or "")
            for name in VOTES:
                setattr(evaluation, name, getattr(votes, name))
            evaluation.entered_by_id = user.id
            evaluation.entered_at = utcnow()
            audit = AuditLog(actor_id=user.id)
            audit.record(
                "evaluation.entered" if status == 201 else "evaluation.changed", "evaluation", evaluation
            )
            await audit.write(session)
            return status, evaluation_json(evaluation, unit.code, user.username)

    async def votes_by_period(self, keys: list[str]) -> dict[tuple[int, str], Votes]:
        """The votes entered for each unit and each of the periods (by key: "2026", "2026-10")."""
        async with self.db.read() as session:
            rows = (await session.execute(select(Evaluation).where(Evaluation.period.in_(keys)))).scalars()
            return {(row.unit_id, row.period): Votes(*(getattr(row, name) for name in VOTES)) for row in rows}
