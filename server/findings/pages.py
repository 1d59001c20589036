"""Start pages of the roles that act on findings: the lead's desk, the unit, the office."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy import func, select

from ..accounts.guards import roles
from ..db import Database
from ..deps import ChecksDep, DatabaseDep
from ..models import Campaign, Finding, Role, User
from ..web import page
from .access import visible_findings


async def _findings(db: Database, user: User, limit: int = 50) -> list[Finding]:
    async with db.read() as session:
        return list(
            (
                await session.scalars(
                    select(Finding).where(visible_findings(user)).order_by(Finding.id.desc()).limit(limit)
                )
            ).all()
        )


async def _counts(db: Database, user: User) -> dict[int, dict[str, int]]:
    async with db.read() as session:
        rows = await session.execute(
            select(Finding.campaign_id, Finding.status, func.count())
            .where(visible_findings(user))
            .group_by(Finding.campaign_id, Finding.status)
        )
        counts: dict[int, dict[str, int]] = {}
        for campaign_id, status, n in rows.all():
            counts.setdefault(campaign_id, {})[status] = n
        return counts


class RolePages(Controller):
    @get("/desk", guards=[roles(Role.lead, Role.office)])
    async def desk(self, request: Request[User, Any, Any], db: DatabaseDep) -> Template:
        user = request.user
        async with db.read() as session:
            query = select(Campaign).order_by(Campaign.position)
            if user.role == Role.lead:
                query = query.where(Campaign.lead_id == user.id)
            campaigns = list((await session.scalars(query)).unique().all())
        return page(
            request,
            "desk/home.html",
            campaigns=campaigns,
            counts=await _counts(db, user),
            findings=await _findings(db, user),
        )

    @get("/office", guards=[roles(Role.office)])
    async def office(self, request: Request[User, Any, Any], db: DatabaseDep, checks: ChecksDep) -> Template:
        recent = await checks.list_checks(request.user, limit=30)
        return page(request, "office/home.html", checks=recent.checks, counts=await _counts(db, request.user))
