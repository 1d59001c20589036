"""The lead's desk: filtered findings (a page, or the fragment htmx swaps), the live feed, the map.

Every page is a plain page with plain forms first; htmx swaps the desk's results and polls its
live feed. The filters live in filters.py, the queries in service.py and notifications.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Response, Template

from ..assessment.indicators import DEFINITIONS
from ..campaigns.service import CampaignRef, Reference
from ..deps import DeskDep, IndicatorsDep, NotificationsDep
from ..errors import AppError, Invalid
from ..findings.service import WAITING_FOR_UNIT
from ..i18n import gettext as _
from ..i18n import lang
from ..labels import N_, label
from ..models import FindingStatus, User, utcnow
from ..page_views import PageView, provided_view
from .filters import (
    DESK,
    MAP_LIMIT,
    PAGE_SIZE,
    deadline_mark,
    desk_campaigns,
    desk_url,
    is_fragment,
    map_point,
    parse_desk_query,
    pick_campaign,
    raw_filters,
    render,
    whole_number,
)
from .listing import ListedFinding

NOTIFICATION_KINDS = {
    "overdue": N_("Deadline passed"),
    "submitted": N_("Rectification submitted for verification"),
    "disclosed": N_("Unannounced check disclosed"),
}


def notification_kinds() -> dict[str, str]:
    return {kind: _(text) for kind, text in NOTIFICATION_KINDS.items()}


@dataclass(frozen=True)
class DeskView(PageView):
    """What the desk's pages read (a handler's `view: DeskViewDep`)."""

    desk: DeskDep
    notifications: NotificationsDep
    indicators: IndicatorsDep

    async def mine(self) -> tuple[Reference, list[CampaignRef]]:
        """The reference data, and the campaigns on the caller's desk."""
        ref = await self.campaigns.reference()
        return ref, desk_campaigns(ref, self.request.user)

    def campaign(self, mine: list[CampaignRef]) -> CampaignRef:
        """The campaign the query names, or the first on the desk; 404 for one not on it."""
        return pick_campaign(mine, self.request.query_params.get("campaign"))


DeskViewDep = NamedDependency[DeskView]


class DeskPages(Controller):
    guards = [DESK]
    dependencies = provided_view(DeskView)

    @get("/desk")
    async def desk(self, view: DeskViewDep) -> Template:
        request, settings = view.request, view.settings
        user = request.user
        ref, mine = await view.mine()
        if not mine:
            return render(request, "desk/home.html", campaign=None, campaigns=[])
        campaign = view.campaign(mine)
        zone = ZoneInfo(settings.timezone)
        units = await view.campaigns.units()
        values = raw_filters(request.query_params)
        error: AppError | None = None
        results: list[ListedFinding] = []
        more = False
        query = None
        try:
            query = parse_desk_query(values, campaign, {u.code: u.id for u in units}, ref.sites_by_code, zone)
        except Invalid as exc:
            error = exc
        if query is not None:
            results, more = await view.desk.results(user, query)
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
        figures, counts, (notes, unread), state, sites, (event_mark, note_mark) = await asyncio.gather(
            view.indicators.compute(campaign_id=campaign.id, month=month),
            view.indicators.status_counts(campaign_id=campaign.id),
            view.notifications.latest(user),
            view.desk.campaign_state(user, campaign.id),
            view.campaigns.sites(),
            view.desk.marks(user, campaign.id),
        )
        center = map_point(settings, *settings.map_center)
        context.update(
            state,
            counts=counts,
            campaigns=mine,
            units=units,
            unit_names={u.id: u.name for u in units},
            sites=sites,
            month=month,
            figures=figures,
            definitions={key: _(text) for key, text in DEFINITIONS.items()},
            notifications=notes,
            unread=unread,
            notification_kinds=notification_kinds(),
            event_mark=event_mark,
            note_mark=note_mark,
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

    @get("/desk/feed")
    async def feed(self, view: DeskViewDep) -> Template | Response[None]:
        """What changed since the desk last asked: the findings newer than the last one it has
        (one query on the primary key) and, when any finding moved or a notification came, the
        counters and the notifications; 204 when nothing did."""
        request, desk = view.request, view.desk
        campaign = view.campaign((await view.mine())[1])
        seen = {}
        for name in ("after", "disclosed", "events", "notes"):
            value = whole_number(request.query_params.get(name) or "0", 15)
            if value is None:
                raise Invalid(
                    _("The live feed's position is not a number."),
                    errors=[{"field": name, "message": _("A whole number.")}],
                )
            seen[name] = value
        rows, last_disclosed = await desk.newer(request.user, campaign.id, seen["after"], seen["disclosed"])
        event_mark, note_mark = await desk.marks(request.user, campaign.id)
        moved = bool(rows) or event_mark != seen["events"]
        noted = note_mark != seen["notes"]
        if not moved and not noted:
            return Response(None, status_code=204)
        context: dict[str, Any] = {
            "campaign": campaign,
            "fresh": list(rows),
            "feed_after": max(seen["after"], rows[0].id) if rows else seen["after"],
            "feed_disclosed": last_disclosed,
            "event_mark": event_mark,
            "note_mark": note_mark,
            "deadline_mark": deadline_mark,
            "url": lambda path="/desk", **changes: desk_url(path, campaign.code, {}, **changes),
        }
        if moved:
            counts, (overdue_count, due_soon_count) = await asyncio.gather(
                view.indicators.status_counts(campaign_id=campaign.id), desk.deadline_counts(campaign.id)
            )
            context.update(
                counts=counts, overdue_count=overdue_count, due_soon_count=due_soon_count, live_counts=True
            )
        if noted:
            notes, unread = await view.notifications.latest(request.user)
            context.update(
                notifications=notes, unread=unread, notification_kinds=notification_kinds(), live_notes=True
            )
        response = render(request, "desk/_feed.html", **context)
        if moved:
            # The desk reloads its filtered list (desk.js): a finding may have joined or left it.
            response.headers["HX-Trigger"] = "desk-changed"
        return response

    @get("/desk/map.json")
    async def map_points(self, view: DeskViewDep) -> Response[dict[str, Any]]:
        """The filtered findings as points, in the coordinates of the configured tiles."""
        request, settings = view.request, view.settings
        ref, mine = await view.mine()
        units = await view.campaigns.units()
        values = raw_filters(request.query_params)
        try:
            campaign = view.campaign(mine)
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
        rows = await view.desk.map_rows(request.user, query, english)
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

    @post("/desk/notifications/read")
    async def notifications_read(
        self, request: Request[User, Any, Any], notifications: NotificationsDep
    ) -> Redirect:
        await notifications.mark_read(request.user)
        form = await request.form()
        campaign = str(form.get("campaign") or "")[:40]
        return Redirect(
            "/desk" + (f"?{urlencode({'campaign': campaign})}" if campaign else ""), status_code=303
        )
