"""Which findings a list shows: read once for the findings API's query parameters and the desk's form.

Both name the campaign, status, unit and site by their codes and the severity by its value, and
bound the time a finding was opened: the API with moments that carry their UTC offset, the desk
with days of the bureau's calendar (YYYY-MM-DD, the whole of the last day included). A wrong
value adds a message for its field; the caller answers them all at once with a 422.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import Invalid
from ..i18n import gettext as _
from ..models import FindingStatus, Severity

OPEN = "open"  # the desk's choice of every status still waiting for someone


@dataclass(frozen=True)
class FindingFilters:
    campaign_id: int | None = None
    status: str | None = None
    unit_id: int | None = None
    site_id: int | None = None
    severity: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    overdue: bool = False
    due_soon: bool = False


@dataclass(frozen=True)
class Codes:
    """The codes a filter may name, with their ids."""

    campaigns: Mapping[str, int]
    units: Mapping[str, int]
    sites: Mapping[str, int]


def calendar_day(value: str, zone: ZoneInfo) -> datetime:
    day = date.fromisoformat(value)
    if not 2000 <= day.year <= 2999:  # nothing was found before; and far dates overflow in UTC
        raise ValueError(value)
    return datetime.combine(day, time(), tzinfo=zone)


def read_filters(
    values: Mapping[str, Any],
    codes: Codes,
    errors: list[dict[str, str]],
    *,
    zone: ZoneInfo | None = None,
    open_choice: bool = False,
) -> FindingFilters:
    """The filters in `values` (campaign, status, unit, site, severity: codes or empty; since and
    until: aware datetimes, or with `zone` days as text; overdue and due_soon: booleans). Each
    mistake is added to `errors` by field; with `open_choice`, status "open" is allowed and left
    for the caller (it is not one status)."""
    campaign, status, unit, site, severity = (
        values.get(name) or None for name in ("campaign", "status", "unit", "site", "severity")
    )
    if campaign and campaign not in codes.campaigns:
        errors.append({"field": "campaign", "message": _("Unknown campaign code: %(code)s.", code=campaign)})
    if status and status not in FindingStatus.__members__ and not (open_choice and status == OPEN):
        errors.append({"field": "status", "message": _("Unknown status.")})
    if unit and unit not in codes.units:
        errors.append({"field": "unit", "message": _("Unknown unit code: %(code)s.", code=unit)})
    if site and site not in codes.sites:
        errors.append({"field": "site", "message": _("Unknown site code: %(code)s.", code=site)})
    if severity and severity not in Severity.__members__:
        errors.append({"field": "severity", "message": _("Severity must be one of minor, major, critical.")})
    since, until = _moment(values, "since", zone, errors), _moment(values, "until", zone, errors)
    if since and until and since >= until and isinstance(values.get("until"), str):
        errors.append({"field": "until", "message": _("The end date is before the start date.")})
    return FindingFilters(
        campaign_id=codes.campaigns.get(campaign) if campaign else None,
        status=status if status != OPEN else None,
        unit_id=codes.units.get(unit) if unit else None,
        site_id=codes.sites.get(site) if site else None,
        severity=severity,
        since=since,
        until=until,
        overdue=bool(values.get("overdue")),
        due_soon=bool(values.get("due_soon")),
    )


def _moment(
    values: Mapping[str, Any], name: str, zone: ZoneInfo | None, errors: list[dict[str, str]]
) -> datetime | None:
    value = values.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            errors.append({"field": name, "message": _("Add an offset such as +08:00.")})
            return None
        if not _in_utc_calendar(value):
            errors.append({"field": name, "message": _("Give a time between the years 1 and 9999.")})
            return None
        return value
    try:
        if zone is None:
            raise ValueError(value)
        moment = calendar_day(str(value), zone)
        # the whole of the last day; the calendar's last day has no day after it in UTC
        moment = moment if name == "since" else moment + timedelta(days=1)
        if not _in_utc_calendar(moment):
            raise OverflowError(value)
    except (ValueError, OverflowError):
        errors.append({"field": name, "message": _("Give the date as YYYY-MM-DD, like 2026-11-28.")})
        return None
    return moment


def _in_utc_calendar(moment: datetime) -> bool:
    """Whether the time is also a date in UTC (the database compares in UTC): 9999-12-31
    at 23:00 -12:00 is in the year 10000 there, which no datetime can hold."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


async def filters_from_query(campaigns: Any, values: Mapping[str, Any]) -> FindingFilters:
    """The findings API's (and the indicators API's) filters: codes and aware datetimes."""
    ref = await campaigns.reference()
    codes = Codes({code: c.id for code, c in ref.campaigns.items()}, ref.units_by_code, ref.sites_by_code)
    errors: list[dict[str, str]] = []
    filters = read_filters(values, codes, errors)
    if errors:
        raise Invalid(_("The filters have mistakes."), errors=errors)
    return filters
