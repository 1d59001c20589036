"""The supervision office's overview page: every campaign's counts, the overdue, covert findings."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from ..accounts.guards import roles
from ..deps import CampaignsDep, ChecksDep, DutiesDep, OfficeDep
from ..desk.filters import deadline_mark
from ..models import Role, User
from ..web import page


class OverviewPages(Controller):
    @get("/office", guards=[roles(Role.office)])
    async def office(
        self,
        request: Request[User, Any, Any],
        office: OfficeDep,
        checks: ChecksDep,
        campaigns: CampaignsDep,
        duties: DutiesDep,
    ) -> Template:
        user = request.user
        recent = await checks.list_checks(user, limit=30)
        year = duties.current_year()
        return page(
            request,
            "office/home.html",
            campaigns=list((await campaigns.reference()).campaigns.values()),
            checks=recent.checks,
            counts=await office.counts(user),
            overdue=await office.overdue_by_campaign(),
            covert=await office.undisclosed_covert(),
            findings=await office.latest(user, 20),
            deadline_mark=deadline_mark,
            duty_year=year,
            duties=await duties.views(user, year=year),
        )
