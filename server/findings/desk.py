"""The desk's queries and the helpers of the finding pages: filters, deadlines, flags, the map."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.response import Template
from sqlalchemy import and_, func, or_, select

from ..accounts.guards import roles
from ..campaigns.service import CampaignRef, Reference
from ..db import Database
from ..errors import Invalid, NotFound
from ..i18n import gettext as _
from ..labels import N_
from ..maps.gcj02 import wgs84_to_gcj02
from ..models import (
    AuditEntry,
    Finding,
    FindingEvent,
    FindingStatus,
    Notification,
    Role,
    Severity,
    Unit,
    User,
    utcnow,
)
from ..settings import Settings
from ..web import page_context
from .access import visible_findings
from .service import (
    OPEN_STATUSES,
    WAITING_FOR_UNIT,
    FindingDetail,
    FindingFilters,
    filter_clause,
    is_due_soon,
    is_overdue,
)

PAGE_SIZE = 50
FEED_SIZE = 20
MAP_LIMIT = 2000
OVERDUE_LIST = 20
SORTS = ("newest", "deadline")
STATUS_CHOICES = ("open", *(s.value for s in FindingStatus))
FILTER_KEYS = ("status", "unit", "site", "severity", "since", "until", "due", "sort", "page")
DESK = roles(Role.lead, Role.office)
STEPS = ("assign", "verify", "merge", "disclose")
RUNNING = (*WAITING_FOR_UNIT, FindingStatus.submitted.value)

EVENT_ACTIONS = {
    "assigned": N_("Assigned"),
    "submitted": N_("Rectification submitted"),
    "rework": N_("Sent back for rework"),
    "closed": N_("Verified and closed"),
    "merged": N_("Merged as duplicate"),
    "absorbed": N_("A duplicate was merged into it"),
    "disclosed": N_("Disclosed by the office"),
    "escalated": N_("Deadline passed: escalated to the lead"),
}
FLAGS = {
    "far": N_("Taken %(distance)s from the finding, farther than %(limit)s."),
    "no_position": N_("The photo carries no position of its own; the phone's reported position was used."),
    "before_assignment": N_("Taken before the finding was assigned."),
    "identical": N_("Byte-identical to a photo of the finding itself."),
    "near_identical": N_("Nearly identical to a photo of the finding itself."),
}
FLAG_NAMES = {
    "far": N_("Taken far away"),
    "no_position": N_("No position of its own"),
    "before_assignment": N_("Taken before assignment"),
    "identical": N_("Same photo as the finding's"),
    "near_identical": N_("Nearly the same photo"),
}
DONE = {
    "assigned": N_("Assigned. The rectification notice is issued."),
    "closed": N_("Verified and closed."),
    "rework": N_("Sent back for rework with a new deadline."),
    "merged": N_("Merged as a duplicate; both records and all photos are kept."),
    "disclosed": N_("Disclosed: the campaign's lead and the unit can now see it."),
}


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


def _clauses(user: User, query: DeskQuery) -> list[Any]:
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


# --- queries ---------------------------------------------------------------------------


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


async def _units(db: Database) -> list[Unit]:
    async with db.read() as session:
        return list((await session.scalars(select(Unit).where(Unit.active).order_by(Unit.id))).all())


def desk_campaigns(ref: Reference, user: User) -> list[CampaignRef]:
    return [c for c in ref.campaigns.values() if user.role == Role.office or c.lead_id == user.id]


def pick_campaign(campaigns: list[CampaignRef], code: str | None) -> CampaignRef:
    if not code:
        return campaigns[0]
    for campaign in campaigns:
        if campaign.code == code:
            return campaign
    raise NotFound(_("There is no campaign %(code)s on your desk.", code=code[:40]))


async def _results(db: Database, user: User, query: DeskQuery) -> tuple[list[Finding], bool]:
    """A page of the filtered findings, and whether there is another. No total is counted: on a
    campaign of a million findings that alone would cost more than the rest of the desk."""
    if query.sort == "deadline":
        order = (Finding.deadline.is_(None), Finding.deadline, Finding.id)
    else:
        order = (Finding.id.desc(),)  # the (campaign_id, id) index gives the page directly
    async with db.read() as session:
        rows = (
            await session.scalars(
                select(Finding)
                .where(*_clauses(user, query))
                .order_by(*order)
                .offset((query.page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE + 1)
            )
        ).all()
    return list(rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE


async def _campaign_state(db: Database, user: User, campaign_id: int) -> dict[str, Any]:
    """What is overdue or due soon, and the latest findings for the feed.

    The campaign is on the user's desk, and a finding waiting for its unit is never covert and
    undisclosed (the workflow assigns none before the office discloses it); so the deadline
    counts need no visibility rule and are settled on the (campaign_id, status, deadline)
    index alone, without reading a row (30 ms rather than 110 ms at a million findings).
    """
    now = utcnow()
    overdue = and_(Finding.status.in_(WAITING_FOR_UNIT), Finding.deadline < now)
    due_soon = and_(
        Finding.status.in_(WAITING_FOR_UNIT),
        Finding.deadline >= now,
        Finding.deadline <= now + timedelta(days=1),
    )
    campaign = Finding.campaign_id == campaign_id
    mine = and_(visible_findings(user), campaign)
    async with db.read() as session:
        overdue_count = int(
            await session.scalar(select(func.count()).select_from(Finding).where(campaign, overdue)) or 0
        )
        due_soon_count = int(
            await session.scalar(select(func.count()).select_from(Finding).where(campaign, due_soon)) or 0
        )
        # The most overdue first: sorted on the index, then only those rows are read.
        most_overdue = (
            select(Finding.id).where(campaign, overdue).order_by(Finding.deadline).limit(OVERDUE_LIST)
        )
        overdue_rows = (
            await session.scalars(
                select(Finding).where(mine, Finding.id.in_(most_overdue)).order_by(Finding.deadline)
            )
        ).all()
        latest = (
            await session.scalars(select(Finding).where(mine).order_by(Finding.id.desc()).limit(10))
        ).all()
        disclosed = await last_disclosure(session)
    return {
        "overdue_count": overdue_count,
        "due_soon_count": due_soon_count,
        "overdue_list": list(overdue_rows),
        "feed": list(latest),
        "feed_after": latest[0].id if latest else 0,
        "feed_disclosed": disclosed,
    }


async def last_disclosure(session: Any) -> int:
    """The feed's second cursor: disclosed findings are new to the lead though their ids are old."""
    return int(
        await session.scalar(select(func.max(FindingEvent.id)).where(FindingEvent.action == "disclosed")) or 0
    )


async def _notifications(db: Database, user: User) -> tuple[list[tuple[Notification, Finding | None]], int]:
    async with db.read() as session:
        notes = (
            await session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id.desc())
                .limit(10)
            )
        ).all()
        ids = {n.finding_id for n in notes if n.finding_id}
        found = {
            f.id: f
            for f in (
                await session.scalars(select(Finding).where(Finding.id.in_(ids), visible_findings(user)))
            ).all()
        }
        unread = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
    return [(n, found.get(n.finding_id or 0)) for n in notes], int(unread or 0)


async def _audit_trail(db: Database, detail: FindingDetail) -> list[dict[str, Any]]:
    """Entries of the finding, its rectifications and every photo of both."""
    photo_ids = [p.id for p in detail.check_photos] + [
        p.id for ps in detail.after_photos.values() for p in ps
    ]
    rect_ids = [r.id for r in detail.rectifications]
    about = [and_(AuditEntry.object_type == "finding", AuditEntry.object_id == str(detail.finding.id))]
    if rect_ids:
        about.append(
            and_(AuditEntry.object_type == "rectification", AuditEntry.object_id.in_(map(str, rect_ids)))
        )
    if photo_ids:
        about.append(and_(AuditEntry.object_type == "photo", AuditEntry.object_id.in_(map(str, photo_ids))))
    async with db.read() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(or_(*about)).order_by(AuditEntry.seq).limit(500))
        ).all()
        actor_ids = {e.actor_id for e in entries if e.actor_id}
        actors = {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(actor_ids)))).all()}
    trail = []
    for e in entries:
        details = json.loads(e.data).get("details", {})
        trail.append({"entry": e, "actor": actors.get(e.actor_id or 0), "details": details})
    return trail


def latest_flags(detail: FindingDetail) -> list[tuple[str, Any]]:
    """The anti-fraud flags of the photos of the rectification the lead is about to verify."""
    if not detail.rectifications:
        return []
    latest = detail.rectifications[-1]
    found = []
    for photo in detail.after_photos.get(latest.id, []):
        for flag in photo.flags.split():
            found.append((flag, photo))
    return found


def flag_text(flag: str, photo: Any, settings: Settings) -> str:
    message = FLAGS.get(flag)
    if message is None:
        return flag
    if flag == "far":
        return _(message, distance=_metres(photo.distance_m), limit=_metres(settings.rectification_far_m))
    return _(message)


def _metres(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value / 1000:.1f} km" if value >= 1000 else f"{value:.0f} m"


def _local_input(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def deadline_from_form(value: Any, zone: ZoneInfo) -> str:
    """A datetime-local field (no offset) read in the bureau's zone, for the workflow to judge."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            _("Choose the date and time of the deadline."),
            errors=[{"field": "deadline", "message": _("Choose a date and a time.")}],
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


# --- the pages -------------------------------------------------------------------------
