"""Contact points (联系点): the units each bureau leader follows; and the topics (点题监督)
a leader sets those units, which the unit answers and the leader accepts or sends back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ..assessment.indicators import Indicators, IndicatorService
from ..audit.chain import AuditLog
from ..checks.schemas import Errors, parse_datetime
from ..db import Database
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..findings.service import WAITING_FOR_UNIT
from ..i18n import gettext as _
from ..models import ContactPoint, Finding, FindingStatus, Role, Topic, User, utcnow
from .fields import Body
from .registry import Registry

MIN_CONTACT_POINTS = 2


async def put_contact_points(reg: Registry, username: str, data: Any) -> str:
    errors = Errors()
    leader = (await reg.users()).get(username)
    if leader is None:
        raise NotFound(_("There is no account %(name)s.", name=username))
    if not leader.active or leader.role != Role.lead:
        errors.add("username", _("Contact points belong to an active bureau leader (a lead's account)."))
    codes = data.get("units") if isinstance(data, dict) else None
    if not isinstance(data, dict) or set(data) - {"units"}:
        errors.add("", _("The body is an object with one field, units."))
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors.add("units", _("Give the list of unit codes."))
        codes = []
    units = await reg.units()
    wanted: list[int] = []
    for i, code in enumerate(dict.fromkeys(codes)):
        unit = units.get(code)
        if unit is None or not unit.active:
            errors.add(f"units[{i}]", _("Unknown or retired unit %(code)s.", code=code))
        else:
            wanted.append(unit.id)
    if codes and len(set(codes)) < MIN_CONTACT_POINTS:
        errors.add("units", _("A leader follows at least %(n)s units (or none).", n=MIN_CONTACT_POINTS))
    errors.raise_if_any(_("The contact points have mistakes; nothing was saved."))
    rows = {
        c.unit_id: c
        for c in (
            await reg.session.scalars(select(ContactPoint).where(ContactPoint.leader_id == leader.id))
        ).all()
    }
    had_any = any(c.active for c in rows.values())
    changed = False
    for unit_id in wanted:
        row = rows.get(unit_id)
        if row is None:
            row = ContactPoint(leader_id=leader.id, unit_id=unit_id, active=True)
            reg.session.add(row)
            await reg.session.flush()
            reg.audit.record("contact_point.created", "contact_point", row)
            changed = True
        elif not row.active:
            row.active = True
            reg.audit.record("contact_point.updated", "contact_point", row)
            changed = True
    for unit_id, row in rows.items():
        if row.active and unit_id not in wanted:
            row.active = False
            reg.audit.record("contact_point.retired", "contact_point", row)
            changed = True
    if not changed:
        return "unchanged"
    return "updated" if had_any else "created"


OPEN_STATUSES = (*WAITING_FOR_UNIT, FindingStatus.submitted.value)
TOPIC_FIELDS = {"unit", "title", "body", "deadline"}


@dataclass
class UnitOverview:
    point: ContactPoint
    open_findings: int
    overdue_findings: int
    overdue_topics: int
    indicators: Indicators


async def _count_by(session: Any, column: Any, *where: Any) -> dict[int, int]:
    """How many rows match `where`, by the value of `column`."""
    rows = await session.execute(select(column, func.count()).where(*where).group_by(column))
    return {key: int(count) for key, count in rows.all()}


class TopicService:
    def __init__(self, db: Database, indicators: IndicatorService) -> None:
        self.db = db
        self.indicators = indicators

    async def overview(self, points: list[ContactPoint]) -> list[UnitOverview]:
        """Each contact-point unit's open and overdue findings, overdue topics and indicators."""
        ids = [p.unit_id for p in points]
        now = utcnow()
        async with self.db.read() as session:
            open_by = await _count_by(
                session,
                Finding.assigned_unit_id,
                Finding.assigned_unit_id.in_(ids),
                Finding.status.in_(OPEN_STATUSES),
            )
            overdue_by = await _count_by(
                session,
                Finding.assigned_unit_id,
                Finding.assigned_unit_id.in_(ids),
                Finding.status.in_(WAITING_FOR_UNIT),
                Finding.deadline < now,
            )
            topics_by = await _count_by(
                session,
                Topic.unit_id,
                Topic.unit_id.in_(ids),
                Topic.status.in_(("open", "returned")),
                Topic.deadline < now,
            )
        return [
            UnitOverview(
                p,
                int(open_by.get(p.unit_id, 0)),
                int(overdue_by.get(p.unit_id, 0)),
                int(topics_by.get(p.unit_id, 0)),
                await self.indicators.compute(unit_id=p.unit_id),
            )
            for p in points
        ]

    async def contact_units(self, leader: User) -> list[ContactPoint]:
        async with self.db.read() as session:
            return list(
                (
                    await session.scalars(
                        select(ContactPoint)
                        .where(ContactPoint.leader_id == leader.id, ContactPoint.active)
                        .order_by(ContactPoint.id)
                    )
                ).all()
            )

    async def list_for(self, user: User) -> list[Topic]:
        query = select(Topic).order_by(Topic.deadline)
        if user.role == Role.lead:
            query = query.where(Topic.leader_id == user.id)
        elif user.role == Role.handler:
            query = query.where(Topic.unit_id == user.unit_id)
        elif user.role != Role.office:
            return []
        async with self.db.read() as session:
            return list((await session.scalars(query)).all())

    async def get(self, user: User, topic_id: int) -> Topic:
        async with self.db.read() as session:
            topic = await session.get(Topic, topic_id)
        if topic is None or not _may_see(user, topic):
            raise NotFound(_("There is no topic %(id)s that you may see.", id=topic_id))
        return topic

    async def set_topic(self, leader: User, data: Any) -> Topic:
        if leader.role != Role.lead:
            raise Forbidden(_("Only a bureau leader sets topics to their contact-point units."))
        body = Body(data, TOPIC_FIELDS)
        errors = body.errors
        unit_code = body.ref("unit", required=True)
        title = body.text("title", 200, required=True)
        text = body.text("body", 4000)
        deadline: datetime | None = None
        raw = body.data.get("deadline")
        if raw is None:
            errors.add("deadline", _("Required; fill it in."))
        else:
            deadline = parse_datetime(raw, "deadline", errors, max_skew=timedelta(days=366))
            if deadline is not None and deadline <= utcnow():
                errors.add("deadline", _("The deadline must be in the future."))
        points = {c.unit.code: c for c in await self.contact_units(leader)}
        if unit_code and unit_code not in points:
            errors.add("unit", _("%(code)s is not one of your contact-point units.", code=unit_code))
        errors.raise_if_any(_("The topic has mistakes; nothing was saved."))
        assert unit_code and deadline
        async with self.db.write() as session:
            topic = Topic(
                leader_id=leader.id,
                unit_id=points[unit_code].unit_id,
                title=title,
                body=text,
                deadline=deadline,
                status="open",
                answer="",
                decision_note="",
            )
            session.add(topic)
            await session.flush()
            audit = AuditLog(actor_id=leader.id)
            audit.record("topic.set", "topic", topic)
            await audit.write(session)
        return await self.get(leader, topic.id)

    async def answer(self, user: User, topic_id: int, data: Any) -> Topic:
        body = Body(data, {"answer"})
        answer = body.text("answer", 4000, required=True)
        body.errors.raise_if_any(_("The answer has mistakes; nothing was saved."))
        async with self.db.write() as session:
            topic = await session.get(Topic, topic_id, with_for_update=True)
            if topic is None or not _may_see(user, topic):
                raise NotFound(_("There is no topic %(id)s that you may see.", id=topic_id))
            if user.role != Role.handler or topic.unit_id != user.unit_id:
                raise Forbidden(_("Only the unit set the topic answers it."))
            if topic.status not in ("open", "returned"):
                raise Conflict(
                    _("The topic is %(status)s; it takes no answer now.", status=topic.status),
                    extra={"topic_status": topic.status},
                )
            topic.answer, topic.answered_at, topic.answered_by_id = answer, utcnow(), user.id
            topic.status = "answered"
            audit = AuditLog(actor_id=user.id)
            audit.record("topic.answered", "topic", topic)
            await audit.write(session)
        return await self.get(user, topic_id)

    async def decide(self, user: User, topic_id: int, data: Any) -> Topic:
        body = Body(data, {"outcome", "note"})
        outcome = body.choice("outcome", ["accept", "return"])
        note = body.text("note", 2000, required=outcome == "return")
        body.errors.raise_if_any(_("The decision has mistakes; nothing was saved."))
        async with self.db.write() as session:
            topic = await session.get(Topic, topic_id, with_for_update=True)
            if topic is None or not _may_see(user, topic):
                raise NotFound(_("There is no topic %(id)s that you may see.", id=topic_id))
            if topic.leader_id != user.id:
                raise Forbidden(_("Only the leader who set the topic decides on it."))
            if topic.status != "answered":
                raise Conflict(
                    _("The topic is %(status)s; only an answered topic is decided.", status=topic.status),
                    extra={"topic_status": topic.status},
                )
            topic.status = "accepted" if outcome == "accept" else "returned"
            topic.decided_at, topic.decision_note = utcnow(), note
            audit = AuditLog(actor_id=user.id)
            audit.record(f"topic.{topic.status}", "topic", topic)
            await audit.write(session)
        return await self.get(user, topic_id)


def _may_see(user: User, topic: Topic) -> bool:
    return (
        user.role == Role.office
        or (user.role == Role.lead and topic.leader_id == user.id)
        or (user.role == Role.handler and topic.unit_id == user.unit_id)
    )


def topic_json(topic: Topic, lang: str) -> dict[str, Any]:
    return {
        "id": topic.id,
        "leader": topic.leader.username,
        "unit": {"code": topic.unit.code, "name": topic.unit.name(lang)},
        "title": topic.title,
        "body": topic.body,
        "deadline": topic.deadline.isoformat(),
        "status": topic.status,
        "overdue": topic.status in ("open", "returned") and topic.deadline < utcnow(),
        "answer": topic.answer,
        "answered_at": topic.answered_at.isoformat() if topic.answered_at else None,
        "decided_at": topic.decided_at.isoformat() if topic.decided_at else None,
        "decision_note": topic.decision_note,
    }


__all__ = ["Invalid", "TopicService", "put_contact_points", "topic_json"]
