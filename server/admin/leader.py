"""The bureau leader's contact points page (/leader) and the topic pages of leaders and units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import func, select

from ..accounts.guards import roles
from ..db import Database
from ..deps import DatabaseDep, IndicatorsDep, SettingsDep
from ..errors import AppError
from ..findings.indicators import Indicators, IndicatorService
from ..findings.service import WAITING_FOR_UNIT
from ..models import ContactPoint, Finding, FindingStatus, Role, Topic, User, utcnow
from ..web import page
from .api import TopicsDep

OPEN_STATUSES = (*WAITING_FOR_UNIT, FindingStatus.submitted.value)


@dataclass
class UnitOverview:
    point: ContactPoint
    open_findings: int
    overdue_findings: int
    overdue_topics: int
    indicators: Indicators


async def overview(
    db: Database, indicators: IndicatorService, points: list[ContactPoint]
) -> list[UnitOverview]:
    """Each contact-point unit's open and overdue findings, overdue topics and indicators."""
    ids = [p.unit_id for p in points]
    now = utcnow()
    async with db.read() as session:
        open_by = dict(
            (
                await session.execute(
                    select(Finding.assigned_unit_id, func.count())
                    .where(Finding.assigned_unit_id.in_(ids), Finding.status.in_(OPEN_STATUSES))
                    .group_by(Finding.assigned_unit_id)
                )
            ).all()
        )
        overdue_by = dict(
            (
                await session.execute(
                    select(Finding.assigned_unit_id, func.count())
                    .where(
                        Finding.assigned_unit_id.in_(ids),
                        Finding.status.in_(WAITING_FOR_UNIT),
                        Finding.deadline < now,
                    )
                    .group_by(Finding.assigned_unit_id)
                )
            ).all()
        )
        topics_by = dict(
            (
                await session.execute(
                    select(Topic.unit_id, func.count())
                    .where(
                        Topic.unit_id.in_(ids), Topic.status.in_(("open", "returned")), Topic.deadline < now
                    )
                    .group_by(Topic.unit_id)
                )
            ).all()
        )
    return [
        UnitOverview(
            p,
            int(open_by.get(p.unit_id, 0)),
            int(overdue_by.get(p.unit_id, 0)),
            int(topics_by.get(p.unit_id, 0)),
            await indicators.compute(unit_id=p.unit_id),
        )
        for p in points
    ]


async def _leader_page(
    request: Request[User, Any, Any],
    topics: Any,
    db: Database,
    indicators: IndicatorService,
    settings: Any,
    *,
    error: AppError | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    points = await topics.contact_units(request.user)
    return page(
        request,
        "admin/leader.html",
        status_code=error.status_code if error else 200,
        units=await overview(db, indicators, points),
        topics=await topics.list_for(request.user),
        error=error,
        field_errors={e.get("field"): e.get("message") for e in (error.errors if error else [])},
        values=values or {},
        now=utcnow(),
    )


def _deadline(value: str, zone: ZoneInfo) -> str:
    # A datetime-local field has no offset: it is the bureau's clock.
    from datetime import datetime

    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone).isoformat() if value else ""
    except ValueError:
        return value


class LeaderPages(Controller):
    include_in_schema = False

    @get("/leader", guards=[roles(Role.lead)])
    async def leader(
        self,
        request: Request[User, Any, Any],
        topics: TopicsDep,
        db: DatabaseDep,
        indicators: IndicatorsDep,
        settings: SettingsDep,
    ) -> Template:
        return await _leader_page(request, topics, db, indicators, settings)

    @post("/leader/topics", guards=[roles(Role.lead)], status_code=303)
    async def set_topic(
        self,
        request: Request[User, Any, Any],
        topics: TopicsDep,
        db: DatabaseDep,
        indicators: IndicatorsDep,
        settings: SettingsDep,
    ) -> Any:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "_csrf"}
        body = {**form, "deadline": _deadline(form.get("deadline", ""), ZoneInfo(settings.timezone))}
        try:
            await topics.set_topic(request.user, body)
        except AppError as exc:
            return await _leader_page(request, topics, db, indicators, settings, error=exc, values=form)
        return Redirect("/leader", status_code=303)

    @get("/topics", guards=[roles(Role.handler, Role.lead, Role.office)])
    async def topic_list(self, request: Request[User, Any, Any], topics: TopicsDep) -> Template:
        return page(
            request, "admin/topics.html", topics=await topics.list_for(request.user), now=utcnow(), error=None
        )

    @post("/topics/{topic_id:int}/answer", guards=[roles(Role.handler)], status_code=303)
    async def answer(
        self, request: Request[User, Any, Any], topic_id: FromPath[int], topics: TopicsDep
    ) -> Any:
        form = await request.form()
        try:
            await topics.answer(request.user, topic_id, {"answer": form.get("answer") or ""})
        except AppError as exc:
            return page(
                request,
                "admin/topics.html",
                status_code=exc.status_code,
                topics=await topics.list_for(request.user),
                now=utcnow(),
                error=exc,
            )
        return Redirect("/topics", status_code=303)

    @post("/topics/{topic_id:int}/decide", guards=[roles(Role.lead)], status_code=303)
    async def decide(
        self,
        request: Request[User, Any, Any],
        topic_id: FromPath[int],
        topics: TopicsDep,
        db: DatabaseDep,
        indicators: IndicatorsDep,
        settings: SettingsDep,
    ) -> Any:
        form = await request.form()
        try:
            await topics.decide(
                request.user, topic_id, {"outcome": form.get("outcome") or "", "note": form.get("note") or ""}
            )
        except AppError as exc:
            return await _leader_page(request, topics, db, indicators, settings, error=exc)
        return Redirect("/leader", status_code=303)
