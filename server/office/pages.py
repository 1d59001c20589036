"""The supervision office's overview page: every campaign's counts, the overdue, covert findings."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from ..accounts.guards import roles
from ..deps import ChecksDep, DutiesDep, OfficeDep
from ..desk.filters import deadline_mark
from ..models import Role
from ..page_views import PageView, PageViewDep, provided_view


class OverviewPages(Controller):
    dependencies = provided_view(PageView)

    @get("/office", guards=[roles(Role.office)])
    async def office(
        self, view: PageViewDep, office: OfficeDep, checks: ChecksDep, duties: DutiesDep
    ) -> Template:
        user = view.request.user
        recent = await checks.list_checks(user, limit=30)
        year = duties.current_year()
        return view.template(
            "office/home.html",
            campaigns=list((await view.campaigns.reference()).campaigns.values()),
            checks=recent.checks,
            counts=await office.counts(user),
            overdue=await office.overdue_by_campaign(),
            covert=await office.undisclosed_covert(),
            findings=await office.latest(user, 20),
            deadline_mark=deadline_mark,
            duty_year=year,
            duties=await duties.views(user, year=year),
        )
