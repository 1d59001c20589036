"""The desk's filters from the query string, its URLs, deadline marks and map points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.response import Template

from ..accounts.guards import roles
from ..campaigns.service import CampaignRef, Reference
from ..errors import Invalid, NotFound
from ..findings.access import visible_findings
from ..findings.filters import OPEN, Codes, FindingFilters, read_filters
from ..findings.service import (
    OPEN_STATUSES,
    WAITING_FOR_UNIT,
    filter_clause,
    is_due_soon,
    is_overdue,
)
from ..i18n import gettext as _
from ..maps.gcj02 import wgs84_to_gcj02
from ..models import Finding, FindingStatus, Role, User, utcnow
from ..settings import Settings
from ..web import page_context
from .listing import ListedFinding

PAGE_SIZE = 50
FEED_SIZE = 20
MAP_LIMIT = 2000
OVERDUE_LIST = 20
SORTS = ("newest", "deadline")
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
    """The desk's filters from the query string, read as the findings API reads its own, plus what
    only the desk has (open findings, due, sort, page); a wrong one is a 422 that names it."""
    errors: list[dict[str, str]] = []
    form = {
        **values,
        "campaign": campaign.code,
        "overdue": values["due"] == "overdue",
        "due_soon": values["due"] == "soon",
    }
    filters = read_filters(
        form, Codes({campaign.code: campaign.id}, units, sites), errors, zone=zone, open_choice=True
    )
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
    return DeskQuery(filters, values["status"] == OPEN, values["sort"] or "newest", page_number)


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


def deadline_mark(finding: Finding | ListedFinding) -> str:
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
