"""The ranking page (/scores), a unit's report (/scores/{period}/{unit}) and the drill-down from
each figure to the records behind it (/scores/{period}/{unit}/{part}), which the API shares.

Who sees what: the office every unit; a lead the units of their campaigns; a unit its own. A
unit's report (its three results) is also read by the unit above it and, for a bureau leader,
by the leader who follows it. Another unit's drill-down or report is 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from ..accounts.guards import logged_in
from ..deps import RecordsDep, ResponsibilityDep, ScoresDep
from ..errors import Forbidden, NotFound
from ..i18n import gettext as _
from ..labels import N_
from ..models import Unit, User
from ..page_views import PageView, provided_view
from ..web import page
from .composite import ranked
from .periods import Period, parse_period
from .scores import PARTS
from .trend import bars, monthly_trend

NOT_YOURS = N_("There is no unit %(code)s whose scores you may see.")


def refuse_none(units: list[Unit] | None) -> list[Unit]:
    if units is None:
        raise Forbidden(_("The scores are for lead leaders, the responsible units and the office."))
    return units


def _one_of(units: list[Unit], code: str) -> Unit:
    for unit in units:
        if unit.code == code:
            return unit
    raise NotFound(_(NOT_YOURS, code=code[:40]))


def period_choices(period: Period, this_year: int) -> list[tuple[str, str]]:
    """The periods the picker offers: the years up to this one, and the shown year's quarters and months."""
    year = period.first_month.year
    years = sorted({*range(this_year - 2, this_year + 1), year}, reverse=True)
    choices = [(f"{y:04d}", _("Year %(year)s", year=y)) for y in years]
    choices += [
        (f"{year:04d}-Q{q}", _("Quarter %(quarter)s of %(year)s", quarter=q, year=year)) for q in range(1, 5)
    ]
    choices += [(f"{year:04d}-{m:02d}", f"{year:04d}-{m:02d}") for m in range(1, 13)]
    return choices


@dataclass(frozen=True)
class UnitPeriod:
    """The period and the unit (by code) a route's path names, and who asks (a handler's `at: UnitPeriodDep`)."""

    request: Request[User, Any, Any]
    period: FromPath[str]
    unit: FromPath[str]


@dataclass(frozen=True)
class DrillDown(UnitPeriod):
    """The unit and period a drill-down's path names (a handler's `drill: DrillDownDep`)."""

    scores: ScoresDep
    records: RecordsDep

    async def load(self) -> tuple[Period, Unit, dict[str, Any], dict[str, Any]]:
        """The unit's score row and the records behind it, or 404 when the reader may not see them."""
        reader, period = self.request.user, parse_period(self.period)
        unit = _one_of(refuse_none(await self.scores.visible_units(reader)), self.unit)
        (row,) = await self.scores.scores([unit], period)
        return period, unit, row, await self.records.records(reader, unit, period)


DRILL_DOWN = {"drill": Provide(DrillDown, sync_to_thread=False)}
DrillDownDep = NamedDependency[DrillDown]
UnitPeriodDep = NamedDependency[UnitPeriod]


@dataclass(frozen=True)
class ScoreView(PageView):
    """What the ranking and a unit's report read (a handler's `view: ScoreViewDep`)."""

    scores: ScoresDep
    responsibility: ResponsibilityDep


ScoreViewDep = NamedDependency[ScoreView]


class ScorePages(Controller):
    guards = [logged_in]
    dependencies = {**DRILL_DOWN, **provided_view(ScoreView)}

    @get("/scores")
    async def ranking(self, view: ScoreViewDep, period: FromQuery[str | None] = None) -> Template:
        request, scores, responsibility = view.request, view.scores, view.responsibility
        this_year = datetime.now(ZoneInfo(view.settings.timezone)).year
        chosen = parse_period(period or str(this_year))
        units = refuse_none(await scores.visible_units(request.user))
        assessed = await responsibility.assess(chosen)
        # Every unit is scored once, for the three assessments; the reader's units are ranked among themselves.
        rows = ranked([dict(assessed.rows[unit.code]) for unit in units])
        visible_ids = {u.id for u in units}
        report_units = await responsibility.report_units(request.user) or []
        year = chosen.first_month.year
        trend = await monthly_trend(scores, units, year)
        return view.template(
            "assessment/ranking.html",
            period=chosen,
            choices=period_choices(chosen, this_year),
            rows=rows,
            units={u.code: u for u in units},
            parts=PARTS,
            results={u.code: assessed.unit_json(u) for u in units if u.code in assessed.rows},
            below=[u for u in report_units if u.id not in visible_ids],
            leaders={leader.username: leader for leader, _mean in assessed.leaders.values()},
            year=year,
            trend=trend,
            charts={code: bars(values) for code, values in trend.items()},
        )

    @get("/scores/{period:str}/{unit:str}")
    async def report(self, view: ScoreViewDep, period: FromPath[str], unit: FromPath[str]) -> Template:
        """A unit's three results, for the unit and the unit above it."""
        request, responsibility = view.request, view.responsibility
        chosen = parse_period(period)
        shown = _one_of(refuse_none(await responsibility.report_units(request.user)), unit)
        assessed = await responsibility.assess(chosen)
        visible = {u.code for u in await view.scores.visible_units(request.user) or []}
        result = assessed.unit_json(shown)
        return view.template(
            "assessment/report.html",
            period=chosen,
            unit=shown,
            row=assessed.rows[shown.code],
            parts=PARTS,
            result=result,
            names={u.code: u for u in assessed.units.values()},
            leaders={leader.username: leader for leader, _mean in assessed.leaders.values()},
            may_drill=shown.code in visible,
        )

    @get("/scores/{period:str}/{unit:str}/{part:str}")
    async def part(
        self, request: Request[User, Any, Any], drill: DrillDownDep, part: FromPath[str]
    ) -> Template:
        """The records behind one part of a unit's score."""
        if part not in PARTS:
            raise NotFound(_("There is nothing here."))
        chosen, shown, row, found = await drill.load()
        return page(
            request,
            "assessment/part.html",
            period=chosen,
            unit=shown,
            part=part,
            row=row,
            records=found[part],
        )
