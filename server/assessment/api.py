"""The indicators API: a campaign's or a unit's rates, for those who answer for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery

from ..accounts.guards import logged_in
from ..deps import CampaignsDep, IndicatorsDep
from ..errors import Forbidden, Invalid
from ..findings.filters import FindingFilters, filters_from_query
from ..i18n import gettext as _
from ..models import Role, User
from .indicators import DEFINITIONS


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


class IndicatorApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["findings"]

    @get("/indicators")
    async def indicators(
        self,
        request: Request[User, Any, Any],
        indicators: IndicatorsDep,
        campaigns: CampaignsDep,
        campaign: FromQuery[str | None] = None,
        unit: FromQuery[str | None] = None,
        month: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        """Rates with their numerators and denominators; `value` is null when there is no data."""
        filters = await filters_from_query(
            campaigns,
            campaign=campaign,
            status=None,
            unit=unit,
            site=None,
            severity=None,
            since=None,
            until=None,
            overdue=False,
        )
        may_read_indicators(request.user, await campaigns.reference(), filters)
        period = None
        if month:
            try:
                period = datetime.strptime(month, "%Y-%m").date()
            except ValueError:
                raise Invalid(
                    _("month must be YYYY-MM."),
                    errors=[{"field": "month", "message": _("For example 2026-11.")}],
                ) from None
        result = await indicators.compute(
            campaign_id=filters.campaign_id, unit_id=filters.unit_id, month=period
        )
        return {
            "campaign": campaign,
            "unit": unit,
            "month": month,
            "indicators": result.as_json(),
            "definitions": {key: _(text) for key, text in DEFINITIONS.items()},
        }
