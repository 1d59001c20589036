"""Pages of the roles that act on findings: the lead's desk, a finding with its notice, the office.

Every page is a plain page with plain forms first; htmx swaps the desk's results and
polls its live feed. The desk's queries and filters live in desk.py; what a filter means
and who may see what come from the findings service and access rules.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template
from sqlalchemy import func, or_, select, update

from ..accounts.guards import logged_in, roles
from ..db import Database
from ..deps import (
    CampaignsDep,
    ChecksDep,
    DatabaseDep,
    FindingsDep,
    IndicatorsDep,
    PhotosDep,
    SettingsDep,
    WorkflowDep,
)
from ..errors import AppError, Invalid, NotFound
from ..i18n import gettext as _
from ..i18n import lang
from ..labels import label
from ..models import (
    ChecklistItem,
    Finding,
    FindingEvent,
    FindingStatus,
    Notification,
    Role,
    User,
    utcnow,
)
from ..settings import Settings
from ..web import page
from .access import visible_findings
from .desk import (
    DESK,
    DONE,
    EVENT_ACTIONS,
    FEED_SIZE,
    FLAG_NAMES,
    MAP_LIMIT,
    PAGE_SIZE,
    STEPS,
    _audit_trail,
    _campaign_state,
    _clauses,
    _counts,
    _findings,
    _local_input,
    _notifications,
    _results,
    _units,
    deadline_from_form,
    deadline_mark,
    desk_campaigns,
    desk_url,
    flag_text,
    is_fragment,
    last_disclosure,
    latest_flags,
    map_point,
    parse_desk_query,
    pick_campaign,
    raw_filters,
    render,
    whole_number,
)
from .indicators import DEFINITIONS
from .notice import notice_context
from .notice_pdf import format_date, format_datetime
from .service import (
    WAITING_FOR_UNIT,
)


class RolePages(Controller):
    @get("/desk", guards=[DESK])
    async def desk(
        self,
        request: Request[User, Any, Any],
        db: DatabaseDep,
        campaigns: CampaignsDep,
        indicators: IndicatorsDep,
        settings: SettingsDep,
    ) -> Template:
        user = request.user
        ref = await campaigns.reference()
        mine = desk_campaigns(ref, user)
        if not mine:
            return render(request, "desk/home.html", campaign=None, campaigns=[])
        campaign = pick_campaign(mine, request.query_params.get("campaign"))
        zone = ZoneInfo(settings.timezone)
        units = await _units(db)
        values = raw_filters(request.query_params)
        error: AppError | None = None
        results: list[Finding] = []
        more = False
        query = None
        try:
            query = parse_desk_query(values, campaign, {u.code: u.id for u in units}, ref.sites_by_code, zone)
        except Invalid as exc:
            error = exc
        if query is not None:
            results, more = await _results(db, user, query)
        context: dict[str, Any] = {
            "campaign": campaign,
            "values": values,
            "error": error,
            "field_errors": {e.get("field"): e.get("message") for e in (error.errors if error else [])},
            "results": results,
            "more": more,
            "page_number": query.page if query else 1,
            "first_shown": ((query.page if query else 1) - 1) * PAGE_SIZE + 1,
            "running_only": bool(query and query.running_deadlines),
            "sort": query.sort if query else "newest",
            "url": lambda path="/desk", **changes: desk_url(path, campaign.code, values, **changes),
            "deadline_mark": deadline_mark,
        }
        status = error.status_code if error else 200
        if is_fragment(request):
            return render(request, "desk/_results.html", status, **context)
        month = utcnow().astimezone(zone).date().replace(day=1)
        # The month's figures and the all-time counts are the two big aggregates of the desk;
        # each reads in its own connection, so they run side by side rather than one after
        # the other (SQLite's readers do not block each other in WAL mode).
        figures, counts, (notes, unread), state = await asyncio.gather(
            indicators.compute(campaign_id=campaign.id, month=month),
            indicators.status_counts(campaign_id=campaign.id),
            _notifications(db, user),
            _campaign_state(db, user, campaign.id),
        )
        center = map_point(settings, *settings.map_center)
        context.update(
            state,
            counts=counts,
            campaigns=mine,
            units=units,
            unit_names={u.id: u.name for u in units},
            sites=await campaigns.sites(),
            month=month,
            figures=figures,
            definitions={key: _(text) for key, text in DEFINITIONS.items()},
            notifications=notes,
            unread=unread,
            map_config={
                "center": center,
                "tileUrl": settings.tile_url,
                "attribution": settings.tile_attribution,
                "crs": "gcj02" if settings.tile_url and settings.tile_crs == "gcj02" else "wgs84",
                "labels": {
                    **{s.value: label("finding_status", s.value) for s in FindingStatus},
                    "open": _("Open the finding"),
                    "overdue": _("Overdue"),
                    "truncated": _("Only the newest %(num)s findings are on the map.", num=MAP_LIMIT),
                },
            },
        )
        return render(request, "desk/home.html", status, **context)

    @get("/desk/feed", guards=[DESK])
    async def feed(
        self,
        request: Request[User, Any, Any],
        db: DatabaseDep,
        campaigns: CampaignsDep,
    ) -> Template | Response[None]:
        """The findings newer than the last one the desk has: one query on the primary key."""
        campaign = pick_campaign(
            desk_campaigns(await campaigns.reference(), request.user), request.query_params.get("campaign")
        )
        after = whole_number(request.query_params.get("after") or "0", 15)
        if after is None:
            raise Invalid(
                _("after is the number of the last finding seen."),
                errors=[{"field": "after", "message": _("A whole number.")}],
            )
        disclosed = whole_number(request.query_params.get("disclosed") or "0", 15) or 0
        async with db.read() as session:
            newly_disclosed = select(FindingEvent.finding_id).where(
                FindingEvent.action == "disclosed", FindingEvent.id > disclosed
            )
            rows = (
                await session.scalars(
                    select(Finding)
                    .where(
                        visible_findings(request.user),
                        Finding.campaign_id == campaign.id,
                        or_(Finding.id > after, Finding.id.in_(newly_disclosed)),
                    )
                    .order_by(Finding.id.desc())
                    .limit(FEED_SIZE)
                )
            ).all()
            last_disclosed = await last_disclosure(session)
        if not rows:
            return Response(None, status_code=204)
        return render(
            request,
            "desk/_feed.html",
            campaign=campaign,
            fresh=list(rows),
            feed_after=max(after, rows[0].id),
            feed_disclosed=last_disclosed,
            deadline_mark=deadline_mark,
        )

    @get("/desk/map.json", guards=[DESK])
    async def map_points(
        self,
        request: Request[User, Any, Any],
        db: DatabaseDep,
        campaigns: CampaignsDep,
        settings: SettingsDep,
    ) -> Response[dict[str, Any]]:
        """The filtered findings as points, in the coordinates of the configured tiles."""
        ref = await campaigns.reference()
        units = await _units(db)
        values = raw_filters(request.query_params)
        try:
            campaign = pick_campaign(desk_campaigns(ref, request.user), request.query_params.get("campaign"))
            query = parse_desk_query(
                values,
                campaign,
                {u.code: u.id for u in units},
                ref.sites_by_code,
                ZoneInfo(settings.timezone),
            )
        except AppError as exc:  # JSON, like the API, whatever the Accept header says
            body = {
                "status": exc.status_code,
                "error": exc.code,
                "message": exc.message,
                "errors": exc.errors,
            }
            return Response(body, status_code=exc.status_code)
        english = lang() == "en"
        now = utcnow()
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(
                        Finding.id,
                        Finding.lat,
                        Finding.lon,
                        Finding.status,
                        Finding.severity,
                        Finding.deadline,
                        ChecklistItem.text_en if english else ChecklistItem.text_zh,
                    )
                    .join(ChecklistItem, ChecklistItem.id == Finding.item_id)
                    .where(*_clauses(request.user, query))
                    .order_by(Finding.id.desc())
                    .limit(MAP_LIMIT + 1)
                )
            ).all()
        points = []
        for row in rows[:MAP_LIMIT]:
            lat, lon = map_point(settings, row[1], row[2])
            waiting = row[3] in WAITING_FOR_UNIT and row[5] is not None
            points.append(
                {
                    "id": row[0],
                    "lat": lat,
                    "lon": lon,
                    "status": row[3],
                    "severity": row[4],
                    "overdue": waiting and row[5] < now,
                    "title": row[6],
                    "url": f"/findings/{row[0]}",
                }
            )
        crs = "gcj02" if settings.tile_url and settings.tile_crs == "gcj02" else "wgs84"
        return Response({"crs": crs, "points": points, "truncated": len(rows) > MAP_LIMIT})

    @post("/desk/notifications/read", guards=[DESK])
    async def notifications_read(self, request: Request[User, Any, Any], db: DatabaseDep) -> Redirect:
        async with db.write() as session:
            await session.execute(
                update(Notification)
                .where(Notification.user_id == request.user.id, Notification.read_at.is_(None))
                .values(read_at=utcnow())
            )
        form = await request.form()
        campaign = str(form.get("campaign") or "")[:40]
        return Redirect(
            "/desk" + (f"?{urlencode({'campaign': campaign})}" if campaign else ""), status_code=303
        )

    # --- a finding ----------------------------------------------------------------------

    @get("/findings/{finding_id:int}", guards=[logged_in])
    async def finding(
        self,
        request: Request[User, Any, Any],
        finding_id: FromPath[int],
        findings: FindingsDep,
        db: DatabaseDep,
        settings: SettingsDep,
    ) -> Template:
        return await finding_page(request, findings, db, settings, finding_id)

    @post("/findings/{finding_id:int}/{step:str}", guards=[logged_in])
    async def act(
        self,
        request: Request[User, Any, Any],
        finding_id: FromPath[int],
        step: FromPath[str],
        workflow: WorkflowDep,
        findings: FindingsDep,
        db: DatabaseDep,
        settings: SettingsDep,
    ) -> Template | Redirect:
        """A workflow step from the finding's page: back to it (303) with what was done, or the
        page again with the message and the form as it was filled in when the step is refused."""
        if step not in STEPS:
            raise NotFound(_("There is nothing here."))
        form = await request.form()
        try:
            done = await take_step(step, request.user, finding_id, form, workflow, findings, settings)
        except AppError as exc:
            return await finding_page(
                request, findings, db, settings, finding_id, form=form, error=exc, status_code=exc.status_code
            )
        return Redirect(f"/findings/{finding_id}?done={done}", status_code=303)

    @get("/findings/{finding_id:int}/notice", guards=[logged_in])
    async def notice(
        self,
        request: Request[User, Any, Any],
        finding_id: FromPath[int],
        findings: FindingsDep,
        photos: PhotosDep,
        settings: SettingsDep,
    ) -> Template:
        detail = await findings.detail(request.user, finding_id)
        context = notice_context(detail, settings, photos.store)
        return page(
            request,
            "findings/notice.html",
            finding=detail.finding,
            date_text=format_date,
            datetime_text=format_datetime,
            **context,
        )

    # --- the office ---------------------------------------------------------------------

    @get("/office", guards=[roles(Role.office)])
    async def office(
        self, request: Request[User, Any, Any], db: DatabaseDep, checks: ChecksDep, campaigns: CampaignsDep
    ) -> Template:
        user = request.user
        now = utcnow()
        async with db.read() as session:
            overdue = dict(
                (
                    await session.execute(
                        select(Finding.campaign_id, func.count())
                        .where(Finding.status.in_(WAITING_FOR_UNIT), Finding.deadline < now)
                        .group_by(Finding.campaign_id)
                    )
                ).all()
            )
            covert = (
                await session.scalars(
                    select(Finding)
                    .where(Finding.covert.is_(True), Finding.disclosed_at.is_(None))
                    .order_by(Finding.id.desc())
                    .limit(20)
                )
            ).all()
        recent = await checks.list_checks(user, limit=30)
        return page(
            request,
            "office/home.html",
            campaigns=list((await campaigns.reference()).campaigns.values()),
            checks=recent.checks,
            counts=await _counts(db, user),
            overdue=overdue,
            covert=list(covert),
            findings=await _findings(db, user, 20),
            deadline_mark=deadline_mark,
        )


async def finding_page(
    request: Request[User, Any, Any],
    findings: Any,
    db: Database,
    settings: Settings,
    finding_id: int,
    *,
    form: Any = None,
    error: AppError | None = None,
    status_code: int = 200,
) -> Template:
    user = request.user
    detail = await findings.detail(user, finding_id)
    finding = detail.finding
    zone = ZoneInfo(settings.timezone)
    lead = detail.can_act_as_lead
    hidden = finding.covert and finding.disclosed_at is None
    can_assign = lead and finding.status == FindingStatus.new and not hidden
    flags = latest_flags(detail)
    done = request.query_params.get("done")
    values = {k: v for k, v in (form or {}).items() if isinstance(v, str)}
    default_deadline = (utcnow().astimezone(zone) + timedelta(days=3)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    return render(
        request,
        "findings/detail.html",
        status_code,
        detail=detail,
        finding=finding,
        mark=deadline_mark(finding),
        lead=lead,
        can_assign=can_assign,
        can_verify=lead and finding.status == FindingStatus.submitted,
        can_merge=lead and bool(detail.duplicate_candidates),
        can_disclose=user.role == Role.office and hidden,
        hidden=hidden,
        units=await _units(db) if can_assign else [],
        flags=[(flag, photo, flag_text(flag, photo, settings)) for flag, photo in flags],
        flag_text=lambda flag, photo: flag_text(flag, photo, settings),
        flag_names={k: _(v) for k, v in FLAG_NAMES.items()},
        dup_radius=settings.duplicate_radius_m,
        dup_days=settings.duplicate_days,
        event_actions={k: _(v) for k, v in EVENT_ACTIONS.items()},
        done=_(DONE[done]) if done in DONE else None,
        error=error,
        field_errors={e.get("field"): e.get("message") for e in (error.errors if error else [])},
        action=values.get("_action"),
        values=values,
        default_deadline=_local_input(default_deadline, zone),
        min_deadline=_local_input(utcnow(), zone),
        audit=await _audit_trail(db, detail) if user.role == Role.office else None,
    )


async def take_step(
    step: str, user: User, finding_id: int, form: Any, workflow: Any, findings: Any, settings: Settings
) -> str:
    """Run one workflow step from a form's fields; returns what was done, for the message."""
    zone = ZoneInfo(settings.timezone)
    if step == "assign":
        deadline = deadline_from_form(form.get("deadline"), zone)
        await workflow.assign(user, finding_id, form.get("unit") or None, deadline, form.get("reason"))
        return "assigned"
    if step == "verify":
        outcome = form.get("outcome")
        deadline = deadline_from_form(form.get("deadline"), zone) if outcome == "rework" else None
        await workflow.verify(user, finding_id, outcome, form.get("reason"), deadline)
        return "rework" if outcome == "rework" else "closed"
    if step == "merge":
        into = str(form.get("into") or "").strip().lstrip("#")
        await workflow.merge(user, finding_id, whole_number(into) or into or None)
        return "merged"
    detail = await findings.detail(user, finding_id)
    await workflow.disclose(user, detail.check.uuid)
    return "disclosed"
