"""The desk's filters from the query string, its URLs, deadline marks and map points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.response import Template

from ..accounts.guards import roles
from ..campaigns.service import CampaignRef, Reference
from ..errors import Invalid, NotFound
from ..findings.access import visible_findings
from ..findings.service import (
    OPEN_STATUSES,
    WAITING_FOR_UNIT,
    FindingFilters,
    filter_clause,
    is_due_soon,
    is_overdue,
)
from ..i18n import gettext as _
from ..maps.gcj02 import wgs84_to_gcj02
from ..models import Finding, FindingStatus, Role, Severity, User, utcnow
from ..settings import Settings
from ..web import page_context

PAGE_SIZE = 50
FEED_SIZE = 20
MAP_LIMIT = 2000
OVERDUE_LIST = 20
SORTS = ("newest", "deadline")
STATUS_CHOICES = ("open", *(s.value for s in FindingStatus))
FILTER_KEYS = ("status", "unit", "site", "severity", "since", "until", "due", "sort", "page")
DESK = roles(Role.lead, Role.office)
RUNNING = (*WAITING_FOR_UNIT, FindingStatus.submitted.value)


# --- the desk's filters ----------------------------------------------------------------


@dataclass(frozen=True)
class DeskQuery:
    filters: FindingFilters
    open_only: bool
    sort: str
    page: int

    @property
    def running_deadlines(self) -> bool:
        # "Nearest deadline first" with no status chosen means the deadlines still running:
        # a closed finding's old deadline would otherwise top the list (and sorting a whole
        # campaign of a million findings by deadline takes seconds).
        return self.sort == "deadline" and self.filters.status is None and not self.open_only


def raw_filters(params: Any) -> dict[str, str]:
    return {key: str(params.get(key) or "").strip()[:40] for key in FILTER_KEYS}


def _day(value: str, zone: ZoneInfo) -> datetime:
    day = date.fromisoformat(value)
    if not 2000 <= day.year <= 2999:  # nothing was found before; and far dates overflow in UTC
        raise ValueError(value)
    return datetime.combine(day, time(), tzinfo=zone)


def whole_number(value: str, digits: int = 9) -> int | None:
    """A plain decimal number (not "²" or "1e3"), small enough for any database."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= digits else None


def parse_desk_query(
    values: dict[str, str],
    campaign: CampaignRef,
    units: dict[str, int],
    sites: dict[str, int],
    zone: ZoneInfo,
) -> DeskQuery:
    """The desk's filters from the query string; a wrong one is a 422 that names it."""
    errors: list[dict[str, str]] = []
    status, unit, site, severity = values["status"], values["unit"], values["site"], values["severity"]
    if status and status not in STATUS_CHOICES:
        errors.append({"field": "status", "message": _("Unknown status.")})
    if unit and unit not in units:
        errors.append({"field": "unit", "message": _("Unknown unit code: %(code)s.", code=unit)})
    if site and site not in sites:
        errors.append({"field": "site", "message": _("Unknown site code: %(code)s.", code=site)})
    if severity and severity not in Severity.__members__:
        errors.append({"field": "severity", "message": _("Severity must be one of minor, major, critical.")})
    since = until = None
    for name in ("since", "until"):
        if values[name]:
            try:
                moment = _day(values[name], zone)
            except ValueError:
                errors.append({"field": name, "message": _("Give the date as YYYY-MM-DD, like 2026-11-28.")})
                continue
            if name == "since":
                since = moment
            else:
                until = moment + timedelta(days=1)  # the whole of the last day
    if since and until and since >= until:
        errors.append({"field": "until", "message": _("The end date is before the start date.")})
    if values["due"] not in ("", "overdue", "soon"):
        errors.append({"field": "due", "message": _("Choose overdue or due within a day.")})
    if values["sort"] not in ("", *SORTS):
        errors.append({"field": "sort", "message": _("Sort by deadline or by newest.")})
    page_number = 1
    if values["page"]:
        page_number = whole_number(values["page"], 5) or 0
        if page_number < 1:
            errors.append({"field": "page", "message": _("The page is a whole number from 1.")})
    if errors:
        raise Invalid(_("The filters have mistakes."), errors=errors)
    filters = FindingFilters(
        campaign_id=campaign.id,
        status=status if status and status != "open" else None,
        unit_id=units.get(unit),
        site_id=sites.get(site),
        severity=severity or None,
        since=since,
        until=until,
        overdue=values["due"] == "overdue",
        due_soon=values["due"] == "soon",
    )
    return DeskQuery(filters, status == "open", values["sort"] or "newest", page_number)


def desk_url(path: str, campaign: str, values: dict[str, str], **changes: Any) -> str:
    params = {"campaign": campaign, **values, **{k: str(v) for k, v in changes.items()}}
    if params.get("page") == "1":
        params["page"] = ""
    return path + "?" + urlencode({k: v for k, v in params.items() if v})


def desk_clauses(user: User, query: DeskQuery) -> list[Any]:
    clauses = [visible_findings(user), *filter_clause(query.filters, utcnow())]
    if query.open_only:
        clauses.append(Finding.status.in_([s.value for s in OPEN_STATUSES]))
    if query.running_deadlines:
        clauses.append(Finding.status.in_(RUNNING))
    return clauses


def deadline_mark(finding: Finding) -> str:
    now = utcnow()
    return "overdue" if is_overdue(finding, now) else "due-soon" if is_due_soon(finding, now) else ""


def map_point(settings: Settings, lat: float, lon: float) -> tuple[float, float]:
    """Where a WGS-84 position goes on the configured tiles: GCJ-02 for the Chinese providers."""
    if settings.tile_url and settings.tile_crs == "gcj02":
        lat, lon = wgs84_to_gcj02(lat, lon)
    return round(lat, 7), round(lon, 7)


def is_fragment(request: Request[Any, Any, Any]) -> bool:
    # A history restore wants the whole page, even though htmx asks for it.
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Template:
    # The same URL answers a page or a fragment: caches must keep them apart.
    return Template(
        template,
        context=page_context(request, **context),
        status_code=status_code,
        headers={"Vary": "HX-Request"},
    )


def desk_campaigns(ref: Reference, user: User) -> list[CampaignRef]:
    return [c for c in ref.campaigns.values() if user.role == Role.office or c.lead_id == user.id]


def pick_campaign(campaigns: list[CampaignRef], code: str | None) -> CampaignRef:
    if not code:
        return campaigns[0]
    for campaign in campaigns:
        if campaign.code == code:
            return campaign
    raise NotFound(_("There is no campaign %(code)s on your desk.", code=code[:40]))
