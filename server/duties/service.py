"""The year's calendar of dated duties: the office sets them, and each unit asked is on time,
late, not answered yet, or overdue. Who sees what:

- the office: every duty and every unit's answer;
- a lead: every duty, with the units of their campaigns (the units the scores show them);
- a handler: the duties their unit is asked for, with their unit's answer only;
- anyone else: 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..admin.fields import Body, code_problem
from ..assessment.scores import ScoreService
from ..audit.chain import AuditLog
from ..db import Database
from ..errors import Conflict, Forbidden, NotFound
from ..i18n import gettext as _
from ..models import RECTIFYING_UNIT_KINDS, Duty, DutyAnswer, DutyUnit, Role, Unit, User, utcnow
from ..settings import Settings
from .seed import current_year

STATUSES = ("on_time", "late", "missing", "overdue")
# The statuses the office's "late" filter keeps.
LATE_STATUSES = ("late", "overdue")
DUTY_FIELDS = {
    "year",
    "code",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "deadline",
    "units",
}
FIRST_YEAR, LAST_YEAR = 2000, 2100
# The duty whose answer is the bureau's year-end report: the annual bulletin is its draft.
BUREAU_REPORT = "bureau-report"


def deadline_of(due_on: date, timezone: str) -> datetime:
    """The instant a duty due on `due_on` is late: the end of that day on the bureau's clock."""
    return datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def status_of(versions: Sequence[DutyAnswer], deadline: datetime, now: datetime) -> str:
    """on_time or late from the first answer (a replacement comes only before the deadline);
    with none, missing until the deadline and overdue after it."""
    if versions:
        return "late" if versions[0].late else "on_time"
    return "overdue" if now >= deadline else "missing"


@dataclass
class UnitAnswer:
    unit: Unit
    status: str
    versions: list[DutyAnswer] = field(default_factory=list)  # oldest first

    @property
    def latest(self) -> DutyAnswer | None:
        return self.versions[-1] if self.versions else None

    @property
    def answered_at(self) -> datetime | None:
        return self.versions[0].uploaded_at if self.versions else None


@dataclass
class DutyView:
    """A duty with the answers of the units the reader may see, in unit code order."""

    duty: Duty
    deadline: datetime
    units: list[Unit]  # every unit asked, seen or not
    answers: list[UnitAnswer]
    uploaders: dict[int, str] = field(default_factory=dict)  # user id -> username

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for answer in self.answers:
            counts[answer.status] += 1
        return counts

    def answer_of(self, unit_id: int) -> UnitAnswer | None:
        return next((a for a in self.answers if a.unit.id == unit_id), None)


class DutyService:
    def __init__(self, db: Database, settings: Settings, scores: ScoreService | None) -> None:
        self.db = db
        self.settings = settings
        # The units a lead sees are those the scores show them: one rule for both.
        self.scores = scores

    def current_year(self) -> int:
        return current_year(self.settings.timezone)

    def deadline(self, duty: Duty) -> datetime:
        return deadline_of(duty.due_on, self.settings.timezone)

    async def visible_unit_ids(self, user: User) -> set[int] | None:
        """The units whose answers the user may see; None for all of them; 403 for no role here."""
        if user.role == Role.office:
            return None
        if user.role == Role.handler:
            return {user.unit_id}
        if user.role == Role.lead and self.scores is not None:
            return {unit.id for unit in await self.scores.visible_units(user) or []}
        raise Forbidden(_("The year's duties are for the office, the units and the campaign leads."))

    async def views(
        self, user: User, *, year: int | None = None, duty_id: int | None = None, now: datetime | None = None
    ) -> list[DutyView]:
        """The duties of the year (or the one duty) as the user may see them, by deadline."""
        visible = await self.visible_unit_ids(user)
        now = now or utcnow()
        query = select(Duty).order_by(Duty.due_on, Duty.id)
        query = query.where(Duty.id == duty_id) if duty_id is not None else query.where(Duty.year == year)
        async with self.db.read() as session:
            duties = list((await session.scalars(query)).all())
            if not duties:
                return []
            ids = [d.id for d in duties]
            assessed = list(
                (
                    await session.scalars(
                        select(Unit).where(
                            Unit.active.is_(True), Unit.kind.in_([k.value for k in RECTIFYING_UNIT_KINDS])
                        )
                    )
                ).all()
            )
            chosen: dict[int, list[Unit]] = {}
            for duty_unit, unit in (
                await session.execute(
                    select(DutyUnit, Unit)
                    .join(Unit, Unit.id == DutyUnit.unit_id)
                    .where(DutyUnit.duty_id.in_(ids))
                )
            ).all():
                chosen.setdefault(duty_unit.duty_id, []).append(unit)
            answers: dict[tuple[int, int], list[DutyAnswer]] = {}
            answered_units: dict[int, dict[int, Unit]] = {}
            uploaders: dict[int, str] = {}
            for answer, username in (
                await session.execute(
                    select(DutyAnswer, User.username)
                    .join(User, User.id == DutyAnswer.uploaded_by_id)
                    .where(DutyAnswer.duty_id.in_(ids))
                    .order_by(DutyAnswer.version)
                )
            ).all():
                uploaders[answer.uploaded_by_id] = username
                answers.setdefault((answer.duty_id, answer.unit_id), []).append(answer)
                # A unit that answered stays on the duty's list even after it is retired.
                answered_units.setdefault(answer.duty_id, {})[answer.unit_id] = answer.unit
        views = []
        for duty in duties:
            asked = {u.id: u for u in (assessed if duty.scope == "all" else chosen.get(duty.id, []))}
            asked.update(answered_units.get(duty.id, {}))
            units = sorted(asked.values(), key=lambda u: u.code)
            if user.role == Role.handler and user.unit_id not in asked:
                continue  # not asked of the user's unit: not the user's business
            deadline = self.deadline(duty)
            rows = [
                UnitAnswer(unit, status_of(answers.get((duty.id, unit.id), []), deadline, now))
                for unit in units
                if visible is None or unit.id in visible
            ]
            for row in rows:
                row.versions = answers.get((duty.id, row.unit.id), [])
            views.append(DutyView(duty, deadline, units, rows, uploaders))
        return views

    async def view(self, user: User, duty_id: int) -> DutyView:
        found = await self.views(user, duty_id=duty_id)
        if not found:
            raise NotFound(_("There is no duty %(id)s that you may see.", id=duty_id))
        return found[0]

    async def active_units(self) -> list[Unit]:
        """The units a duty may be asked of, for the office's form."""
        async with self.db.read() as session:
            return list(
                (await session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code))).all()
            )

    async def overdue_for(self, user: User) -> list[DutyView]:
        """The duties the user's unit has let pass without an answer, for their home page."""
        if user.role not in (Role.handler, Role.office):
            return []
        year = self.current_year()
        found = []
        for y in (year - 1, year):
            for view in await self.views(user, year=y):
                mine = view.answer_of(user.unit_id)
                if mine is not None and mine.status == "overdue":
                    found.append(view)
        return found

    async def create(self, user: User, data: Any) -> Duty:
        """A duty of the year, set by the office; 422 naming each field that is wrong, 409 when
        the year already has a duty of that code."""
        if user.role != Role.office:
            raise Forbidden(_("The supervision office sets the year's duties."))
        body = Body(data, DUTY_FIELDS)
        errors = body.errors
        year = data.get("year") if isinstance(data, dict) else None
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
        if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
            errors.add("year", _("A year between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR))
            year = None
        code = body.text("code", 40, required=True)
        if code and (problem := code_problem(code)):
            errors.add("code", problem)
        title_zh = body.text("title_zh", 200, required=True)
        title_en = body.text("title_en", 200)
        description_zh = body.text("description_zh", 4000)
        description_en = body.text("description_en", 4000)
        due_on = body.day("deadline")
        if due_on is None and not any(e["field"] == "deadline" for e in errors.items):
            errors.add("deadline", _("Required; fill it in."))
        elif due_on is not None and year is not None and due_on.year not in (year, year + 1):
            errors.add("deadline", _("The deadline falls in the duty's year, or early in the next."))
        scope, unit_codes = _units_of(data.get("units") if isinstance(data, dict) else None, errors)
        async with self.db.write() as session:
            units: list[Unit] = []
            if unit_codes:
                # Only codes that could be one are looked up (a NUL, say, is no database's text).
                wellformed = [c for c in unit_codes if code_problem(c) is None]
                by_code = {
                    u.code: u
                    for u in (await session.scalars(select(Unit).where(Unit.code.in_(wellformed)))).all()
                }
                for i, unit_code in enumerate(unit_codes):
                    unit = by_code.get(unit_code)
                    if unit is None or not unit.active:
                        errors.add(f"units[{i}]", _("Unknown or retired unit %(code)s.", code=unit_code[:40]))
                    else:
                        units.append(unit)
            errors.raise_if_any(_("The duty has mistakes; nothing was saved."))
            assert year is not None and due_on is not None
            taken = await session.scalar(select(Duty.id).where(Duty.year == year, Duty.code == code))
            if taken is not None:
                raise Conflict(
                    _("%(year)s already has a duty %(code)s.", year=year, code=code),
                    errors=[{"field": "code", "message": _("Choose another code for this year.")}],
                    extra={"duty": taken},
                )
            duty = Duty(
                year=year,
                code=code,
                title_zh=title_zh,
                title_en=title_en or title_zh,
                description_zh=description_zh,
                description_en=description_en,
                due_on=due_on,
                scope=scope,
                created_by_id=user.id,
                created_at=utcnow(),
            )
            session.add(duty)
            await session.flush()
            audit = AuditLog(actor_id=user.id)
            audit.record("duty.created", "duty", duty, units=[u.code for u in units] or "all")
            for unit in units:
                row = DutyUnit(duty_id=duty.id, unit_id=unit.id)
                session.add(row)
                audit.record("duty.unit_chosen", "duty_unit", row)
            await audit.write(session)
            return duty


def _units_of(value: Any, errors: Any) -> tuple[str, list[str]]:
    """("all", []) for every assessed unit, or ("chosen", codes) for a list of unit codes."""
    if value is None or value == "all":
        return "all", []
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "chosen", list(dict.fromkeys(v.strip() for v in value))
    errors.add("units", _('"all" for every assessed unit, or a list of one or more unit codes.'))
    return "all", []


__all__ = ["DutyService", "deadline_of", "status_of"]
