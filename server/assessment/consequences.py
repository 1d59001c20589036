"""What follows from a rating (检查结果运用), beyond the notice: the interview with the unit's head
(约谈), the loss of award eligibility for the year (取消评先资格) and praise (通报表彰); and every
record of a period in one plain structure, for the bulletins (docs/consequences.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..admin.fields import Body
from ..audit.chain import add_audited
from ..db import Database
from ..errors import Conflict
from ..i18n import gettext as _
from ..models import EligibilityLoss, Interview, Praise, UnitNotice, User, utcnow
from .consequence_rules import Rules, Target, contained_periods
from .notices import UnitNoticeService, is_overdue
from .periods import Period, parse_period


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _unit(row: Any, lang: str) -> dict[str, str]:
    return {"code": row.unit.code, "name": row.unit.name(lang)}


def notice_json(notice: UnitNotice, lang: str = "zh") -> dict[str, Any]:
    document = None
    if notice.document_sha256:
        document = {
            "name": notice.document_name,
            "media_type": notice.document_type,
            "size": notice.document_size or 0,
            "url": f"/api/v1/assessment/notices/{notice.id}/document",
        }
    return {
        "id": notice.id,
        "number": notice.number,
        "period": notice.period,
        "unit": _unit(notice, lang),
        "rating": notice.rating,
        "override_reason": notice.override_reason,
        "problems": notice.problems,
        "deadline": notice.deadline.isoformat(),
        "issued_by": notice.issued_by.username,
        "issued_at": notice.issued_at.isoformat(),
        "status": notice.status,
        "overdue": is_overdue(notice),
        "answer": notice.answer,
        "answered_by": notice.answered_by.username if notice.answered_by else None,
        "answered_at": _iso(notice.answered_at),
        "document": document,
        "decided_by": notice.decided_by.username if notice.decided_by else None,
        "decided_at": _iso(notice.decided_at),
        "decision_note": notice.decision_note,
        "pdf": f"/api/v1/assessment/notices/{notice.id}/notice.pdf",
    }


def _recorded_json(row: Any, lang: str, **fields: Any) -> dict[str, Any]:
    """A record's id, period and unit, its own fields, and who recorded it when."""
    return {
        "id": row.id,
        "period": row.period,
        "unit": _unit(row, lang),
        **fields,
        "recorded_by": row.recorded_by.username,
        "recorded_at": row.recorded_at.isoformat(),
    }


def interview_json(row: Interview, lang: str = "zh") -> dict[str, Any]:
    return _recorded_json(
        row,
        lang,
        held_at=row.held_at.isoformat(),
        interviewee=row.interviewee,
        interviewers=row.interviewers,
        summary=row.summary,
        follow_up=row.follow_up,
    )


def eligibility_json(row: EligibilityLoss, lang: str = "zh") -> dict[str, Any]:
    return _recorded_json(
        row, lang, year=row.year, reason=row.reason, rating=row.rating, override_reason=row.override_reason
    )


def praise_json(row: Praise, lang: str = "zh") -> dict[str, Any]:
    return _recorded_json(row, lang, text=row.text, rating=row.rating, override_reason=row.override_reason)


def _recorded(target: Target, user: User) -> dict[str, Any]:
    """The columns every record has: its period and unit, who recorded it and when."""
    return {
        "period": target.period.key,
        "unit_id": target.unit.id,
        "recorded_by_id": user.id,
        "recorded_at": utcnow(),
    }


class ConsequenceService:
    def __init__(self, db: Database, rules: Rules, notices: UnitNoticeService) -> None:
        self.db = db
        self.rules = rules
        self.notices = notices
        self.scores = rules.scores  # the ratings the records follow from, shown beside them

    async def _save(
        self, user: User, row: Any, action: str, object_type: str, duplicate: Any = None, message: str = ""
    ) -> Any:
        """Add the record with its audit entry; 409 with `message` when `duplicate` (a query) finds one."""
        async with self.db.write() as session:
            if duplicate is not None:
                existing = await session.scalar(duplicate)
                if existing is not None:
                    raise Conflict(message, extra={object_type: existing})
            await add_audited(session, row, user.id, action, object_type)
        async with self.db.read() as session:
            return await session.get(type(row), row.id)

    async def _rated(
        self, user: User, data: Any, text_field: str, wanted: str, summary: str
    ) -> tuple[Target, str, str]:
        """The unit and period of a record the rating rule applies to, the override reason and the
        record's text; 422 with every field's problem, `summary` saying nothing was saved."""
        self.rules.require_office(user)
        body = Body(data, {"period", "unit", text_field, "override_reason"})
        target = await self.rules.target(body, self.rules.period(body))
        override = self.rules.rating_rule(body, target, wanted)
        text = body.text(text_field, 4000, required=True)
        body.errors.raise_if_any(summary)
        assert target is not None
        return target, override, text

    async def interview(self, user: User, data: Any) -> Interview:
        """Record an interview with a unit's head. No rating rule: the office may interview any unit."""
        self.rules.require_office(user)
        body = Body(
            data, {"period", "unit", "held_at", "interviewee", "interviewers", "summary", "follow_up"}
        )
        period = self.rules.period(body)
        target = await self.rules.target(body, period)
        held_at = self.rules.moment(body, "held_at", future=False)
        interviewee = body.text("interviewee", 200, required=True)
        interviewers = body.text("interviewers", 200, required=True)
        summary = body.text("summary", 8000, required=True)
        follow_up = body.text("follow_up", 4000)
        body.errors.raise_if_any(_("The interview was not recorded; nothing was saved."))
        assert target is not None and held_at is not None
        row = Interview(
            held_at=held_at,
            interviewee=interviewee,
            interviewers=interviewers,
            summary=summary,
            follow_up=follow_up,
            **_recorded(target, user),
        )
        return await self._save(user, row, "interview.recorded", "interview")

    async def remove_eligibility(self, user: User, data: Any) -> EligibilityLoss:
        """The unit loses its eligibility for awards in the period's year: once per unit and year."""
        target, override, reason = await self._rated(
            user, data, "reason", "unqualified", _("The eligibility was not removed; nothing was saved.")
        )
        year = target.period.first_month.year
        row = EligibilityLoss(
            year=year,
            reason=reason,
            rating=target.rating,
            override_reason=override,
            **_recorded(target, user),
        )
        duplicate = select(EligibilityLoss.id).where(
            EligibilityLoss.year == year, EligibilityLoss.unit_id == target.unit.id
        )
        message = _(
            "%(unit)s has already lost its award eligibility for %(year)s.", unit=target.unit.code, year=year
        )
        return await self._save(user, row, "eligibility.removed", "eligibility_loss", duplicate, message)

    async def praise(self, user: User, data: Any) -> Praise:
        """Praise an excellent unit in the period's bulletins: once per unit and period."""
        target, override, text = await self._rated(
            user, data, "text", "excellent", _("The praise was not recorded; nothing was saved.")
        )
        row = Praise(text=text, rating=target.rating, override_reason=override, **_recorded(target, user))
        duplicate = select(Praise.id).where(
            Praise.period == target.period.key, Praise.unit_id == target.unit.id
        )
        message = _(
            "%(unit)s is already praised for %(period)s.", unit=target.unit.code, period=target.period.key
        )
        return await self._save(user, row, "praise.recorded", "praise", duplicate, message)

    async def for_period(
        self, period: Period | str, unit_ids: set[int] | None = None, lang: str = "zh"
    ) -> dict[str, Any]:
        """Every record of the period and of the quarters and months within it, as JSON-ready dicts
        (the shapes of the API): {"period", "notices", "interviews", "eligibility_losses", "praises"},
        each list in the order recorded. `unit_ids` limits them to those units (None: all)."""
        if isinstance(period, str):
            period = parse_period(period)
        keys = contained_periods(period)
        shapes = (
            ("notices", UnitNotice, notice_json, UnitNotice.issued_at),
            ("interviews", Interview, interview_json, Interview.held_at),
            ("eligibility_losses", EligibilityLoss, eligibility_json, EligibilityLoss.recorded_at),
            ("praises", Praise, praise_json, Praise.recorded_at),
        )
        result: dict[str, Any] = {"period": period.key}
        async with self.db.read() as session:
            for name, model, present, order in shapes:
                query = select(model).where(model.period.in_(keys))
                if unit_ids is not None:
                    query = query.where(model.unit_id.in_(unit_ids))
                rows = (await session.scalars(query.order_by(order, model.id))).unique().all()
                result[name] = [present(row, lang) for row in rows]
        return result

    async def visible_for_period(self, user: User, period: str | None, lang: str) -> dict[str, Any]:
        """for_period, limited to the units the user may read."""
        return await self.for_period(parse_period(period), await self.rules.visible_unit_ids(user), lang)
