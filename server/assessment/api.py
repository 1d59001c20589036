"""The indicators API (a campaign's or a unit's rates, for those who answer for them), and the
assessment API: the democratic evaluation's votes, the scores with their drill-down, the three
assessments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from msgspec import Meta, Struct

from ..accounts.guards import logged_in
from ..api import read_json, receipt, shaped
from ..deps import CampaignsDep, EvaluationsDep, IndicatorsDep, ResponsibilityDep, ScoresDep
from ..errors import Forbidden, Invalid
from ..findings.filters import FindingFilters, filters_from_query
from ..i18n import gettext as _
from ..models import Role, User
from .indicators import DEFINITIONS
from .pages import DRILL_DOWN, DrillDownDep, UnitPeriod, UnitPeriodDep, refuse_none
from .periods import Period, parse_period

MIN_YEAR, MAX_YEAR = 2, 9998


class Rate(Struct, forbid_unknown_fields=True):
    numerator: int
    denominator: int
    value: Annotated[float | None, Meta(description="numerator / denominator; null with no data.")]


class IndicatorSet(Struct, forbid_unknown_fields=True):
    total: int
    handling_rate: Rate
    on_time_rate: Rate
    rework_rate: Rate
    overdue: int
    closure_rate: Rate
    statuses: dict[str, int]


class IndicatorsOut(Struct, forbid_unknown_fields=True):
    """GET /api/v1/indicators: the figures of the scope, with the definitions in the reader's language."""

    campaign: str | None
    unit: str | None
    month: str | None
    indicators: IndicatorSet
    definitions: dict[str, str]


def may_read_indicators(user: User, ref: Any, filters: FindingFilters) -> None:
    """The office reads every figure; a lead those of their campaigns; a handler their unit's."""
    if user.role == Role.office:
        return
    if user.role == Role.lead:
        led = {c.id for c in ref.campaigns.values() if c.lead_id == user.id}
        if filters.campaign_id is None or filters.campaign_id not in led:
            raise Forbidden(_("A lead leader reads the figures of their own campaigns: name one of them."))
        return
    if user.role == Role.handler:
        if filters.unit_id != user.unit_id:
            raise Forbidden(_("A unit reads its own figures: name your unit."))
        return
    raise Forbidden(_("The figures are for lead leaders, the responsible units and the office."))


class Component(Struct, forbid_unknown_fields=True):
    value: Annotated[float | None, Meta(description="Out of 100; null with no data.")]
    basis: Annotated[int, Meta(description="How many records the value rests on.")]


class Composite(Struct, forbid_unknown_fields=True):
    value: Annotated[float | None, Meta(description="Weighted over the parts with data; null with none.")]
    basis: int
    parts_used: list[str]


class Score(Struct, forbid_unknown_fields=True):
    """One unit's score for the period (docs/scores.md)."""

    unit: str
    third_party: Component
    service_recipient: Component
    democratic: Component
    routine: Component
    composite: Composite
    rating: Annotated[str | None, Meta(description="excellent, qualified or unqualified; null with no data.")]
    rank: Annotated[int | None, Meta(description="1 is the highest composite; null with no data.")]


@dataclass(frozen=True)
class IndicatorScope:
    """Whose figures GET /api/v1/indicators asks for, as named, once the reader may read them."""

    campaign: str | None
    unit: str | None
    month: str | None
    filters: FindingFilters
    first_day: date | None


async def _indicator_scope(
    request: Request[User, Any, Any],
    campaigns: CampaignsDep,
    campaign: FromQuery[str | None] = None,
    unit: FromQuery[str | None] = None,
    month: FromQuery[str | None] = None,
) -> IndicatorScope:
    filters = await filters_from_query(campaigns, {"campaign": campaign, "unit": unit})
    may_read_indicators(request.user, await campaigns.reference(), filters)
    return IndicatorScope(campaign, unit, month, filters, _first_day(month) if month else None)


def _first_day(month: str) -> date:
    try:
        first_day = datetime.strptime(month, "%Y-%m").date()
        # The month's bounds are instants in the bureau's zone and in UTC: the first and
        # last months of the calendar have a neighbour no date can hold.
        if not MIN_YEAR <= first_day.year <= MAX_YEAR:
            raise ValueError(month)
    except ValueError:
        raise Invalid(
            _("month must be YYYY-MM."),
            errors=[
                {
                    "field": "month",
                    "message": _(
                        "For example 2026-11, between %(first)s-01 and %(last)s-12.",
                        first=f"{MIN_YEAR:04d}",
                        last=MAX_YEAR,
                    ),
                }
            ],
        ) from None
    return first_day


class IndicatorApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["findings"]
    dependencies = {"wanted": Provide(_indicator_scope)}

    @get("/indicators")
    async def indicators(
        self, indicators: IndicatorsDep, wanted: NamedDependency[IndicatorScope]
    ) -> IndicatorsOut:
        """Rates with their numerators and denominators; `value` is null when there is no data."""
        filters = wanted.filters
        result = await indicators.compute(
            campaign_id=filters.campaign_id, unit_id=filters.unit_id, month=wanted.first_day
        )
        answer = {
            "campaign": wanted.campaign,
            "unit": wanted.unit,
            "month": wanted.month,
            "indicators": result.as_json(),
            "definitions": {key: _(text) for key, text in DEFINITIONS.items()},
        }
        return shaped(answer, IndicatorsOut)


def _period(period: FromQuery[str | None] = None) -> Period:
    return parse_period(period)


PeriodDep = NamedDependency[Period]


class AssessmentApiController(Controller):
    """The democratic evaluation's votes, the scores with their drill-down, and the three assessments."""

    path = "/api/v1"
    guards = [logged_in]
    tags = ["assessment"]
    dependencies = {
        **DRILL_DOWN,
        "at": Provide(UnitPeriod, sync_to_thread=False),
        "chosen": Provide(_period, sync_to_thread=False),
    }

    @put("/evaluations/{period:str}/{unit:str}", status_code=200, request_max_body_size=4096)
    async def put_evaluation(
        self, at: UnitPeriodDep, evaluations: EvaluationsDep
    ) -> Response[dict[str, Any]]:
        """The votes of the collective democratic evaluation of a unit for a period (office only)."""
        user = at.request.user
        if user.role != Role.office:
            raise Forbidden(_("The supervision office enters the votes of the democratic evaluation."))
        return receipt(
            await evaluations.put(user, parse_period(at.period), at.unit, await read_json(at.request))
        )

    @get("/scores")
    async def scores(
        self, request: Request[User, Any, Any], scores: ScoresDep, chosen: PeriodDep
    ) -> list[Score]:
        """The units' composite scores for the period, ranked: the office sees all units, a lead
        those of their campaigns, a unit its own."""
        units = await scores.visible_units(request.user)
        if units is None:
            raise Forbidden(_("The scores are for lead leaders, the responsible units and the office."))
        return [shaped(row, Score) for row in await scores.scores(units, chosen)]

    @get("/scores/{period:str}/{unit:str}")
    async def records(self, drill: DrillDownDep) -> dict[str, Any]:
        """The unit's score for the period and, for each part, the records it rests on."""
        _chosen, _shown, row, found = await drill.load()
        return {"score": row, **found}

    @get("/responsibility")
    async def responsibility(
        self, request: Request[User, Any, Any], responsibility: ResponsibilityDep, chosen: PeriodDep
    ) -> dict[str, Any]:
        """Three assessments (三考核): each unit's own result, its overseeing department's and its
        contact-point leaders'; the office sees all units, others the units whose report they read."""
        units = refuse_none(await responsibility.report_units(request.user))
        assessed = await responsibility.assess(chosen)
        return assessed.as_json({u.id for u in units})
