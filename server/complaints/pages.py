"""The complaint pages: the office's queue and record form, the unit's phone pages, the printable
page of each complaint with its rating link, and the no-login rating page. Thin: the rules live in
ComplaintService and RatingService; a plain form goes through the same calls as the API."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ..accounts.guards import roles
from ..api import canonical_uuid
from ..deps import ComplaintsDep, RatingsDep
from ..errors import Invalid
from ..i18n import gettext as _
from ..models import ComplaintSource, ComplaintStatus, Role, VisitOutcome, utcnow
from ..web import UserRequest, page
from .presenters import complaint_json
from .reading import ComplaintFilters

READERS = (Role.office, Role.lead, Role.handler)


def local_input(value: str | None, timezone: str) -> str | None:
    """A datetime-local field (the bureau's wall clock) as an ISO time with its offset."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # the service names the field and says how to write it
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.isoformat()


def _number(value: str | None) -> float | str | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        return value


# The office's steps whose form carries a deadline: the service's call and its other fields.
_DATED_STEPS: dict[str, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    "assign": ("assign", lambda form: {"unit": form.get("unit")}),
    "return-visit": (
        "return_visit",
        lambda form: {"outcome": form.get("outcome"), "note": form.get("note") or ""},
    ),
}


class ComplaintPages(Controller):
    guards = [roles(*READERS)]
    include_in_schema = False

    @get("/complaints")
    async def complaints_page(self, request: UserRequest, complaints: ComplaintsDep) -> Template:
        user = request.user
        rows = await complaints.list(user, ComplaintFilters())
        now = utcnow()
        urgency = {c.id: complaints.urgency(c, now) for c in rows}
        if user.role == Role.handler:
            waiting = [c for c in rows if c.status == ComplaintStatus.assigned]
            done = [c for c in rows if c.status != ComplaintStatus.assigned][:30]
            return page(request, "complaints/unit.html", waiting=waiting, done=done, urgency=urgency)
        ref = await complaints.campaigns.reference()
        return page(
            request,
            "complaints/office.html",
            complaints=rows,
            urgency=urgency,
            campaigns=list(ref.campaigns.values()),
            sources=[s.value for s in ComplaintSource],
            new_uuid=str(uuidlib.uuid4()),
        )

    @get("/api/v1/unit/complaints", tags=["complaints"], include_in_schema=True)
    async def unit_complaints(self, request: UserRequest, complaints: ComplaintsDep) -> dict[str, Any]:
        """The unit's complaints waiting for its answer, and the pages a phone keeps for them."""
        rows = await complaints.list(request.user, ComplaintFilters(status=ComplaintStatus.assigned.value))
        return {
            "home": "/complaints",
            "waiting": [
                complaint_json(c, request.user, finding_visible=False) | {"page": f"/complaints/{c.uuid}"}
                for c in rows
            ],
        }

    @post("/complaints", guards=[roles(Role.office)])
    async def record(self, request: UserRequest, complaints: ComplaintsDep) -> Redirect:
        form = await request.form()
        uuid = canonical_uuid(form.get("uuid")) or str(uuidlib.uuid4())
        contact = {"name": form.get("name") or "", "phone": form.get("phone") or ""}
        lat, lon = _number(form.get("lat")), _number(form.get("lon"))
        body = {
            "source": form.get("source"),
            "received_at": local_input(form.get("received_at"), complaints.settings.timezone),
            "content": form.get("content") or "",
            "campaign": form.get("campaign") or None,
            "location": {"lat": lat, "lon": lon} if lat is not None or lon is not None else None,
            "address": form.get("address") or "",
            "complainant": contact if contact["name"] or contact["phone"] else None,
        }
        await complaints.put(request.user, uuid, body)
        return Redirect(f"/complaints/{uuid}", status_code=303)

    @get("/complaints/{uuid:str}")
    async def complaint_page(
        self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep
    ) -> Template:
        user = request.user
        detail = await complaints.detail(user, uuid)
        complaint = detail.complaint
        rating = None
        if complaint.status == ComplaintStatus.closed and user.role in (Role.office, Role.lead):
            rating = complaints.ratings.link(f"complaint:{complaint.uuid}", str(request.base_url))
        ref = await complaints.campaigns.reference()
        return page(
            request,
            "complaints/detail.html",
            complaint=complaint,
            data=complaint_json(complaint, user, finding_visible=detail.finding_visible),
            events=detail.events,
            urgency=complaints.urgency(complaint, utcnow()),
            rating=rating,
            units=sorted(ref.units_by_code),
            outcomes=[o.value for o in VisitOutcome],
            answer_uuid=str(uuidlib.uuid4()),
        )

    @post(
        ["/complaints/{uuid:str}/assign", "/complaints/{uuid:str}/return-visit"], guards=[roles(Role.office)]
    )
    async def dated_step(
        self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep
    ) -> Redirect:
        """An office step from the complaint's page whose form carries a deadline in the bureau's
        local time: the step gets its fields of the form and the deadline with its offset."""
        step, fields = _DATED_STEPS[request.url.path.rstrip("/").rsplit("/", 1)[1]]
        form = await request.form()
        body = {**fields(form), "deadline": local_input(form.get("deadline"), complaints.settings.timezone)}
        await getattr(complaints, step)(request.user, uuid, body)
        return Redirect(f"/complaints/{uuid}", status_code=303)

    @post("/complaints/{uuid:str}/answer", guards=[roles(Role.office, Role.handler)])
    async def answer(self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep) -> Redirect:
        """Without JavaScript; with it, the phone's outbox PUTs the same answer to the API."""
        form = await request.form()
        answer_uuid = canonical_uuid(form.get("uuid"))
        if answer_uuid is None:
            raise Invalid(
                _("The form was incomplete; reload the page."),
                errors=[{"field": "uuid", "message": _("Not a UUID.")}],
            )
        await complaints.answer(request.user, uuid, answer_uuid, {"result": form.get("result") or ""})
        return Redirect(f"/complaints/{uuid}", status_code=303)

    @post("/complaints/{uuid:str}/close", guards=[roles(Role.office)])
    async def close(self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep) -> Redirect:
        await complaints.close(request.user, uuid)
        return Redirect(f"/complaints/{uuid}", status_code=303)


class RatingPages(Controller):
    """No login: the person served rates the handling once. Nothing personal is shown, and a used
    token reads exactly like one that never existed."""

    include_in_schema = False

    @get("/rate/{token:str}")
    async def rate_page(
        self, request: Request[Any, Any, Any], token: FromPath[str], ratings: RatingsDep
    ) -> Template:
        await ratings.limit(request.client.host if request.client else "")
        rating = await ratings.open(token)
        if rating is None:
            return page(request, "complaints/rate.html", usable=False)
        return page(request, "complaints/rate.html", usable=True, outcomes=[o.value for o in VisitOutcome])

    @post("/rate/{token:str}")
    async def rate(
        self, request: Request[Any, Any, Any], token: FromPath[str], ratings: RatingsDep
    ) -> Template:
        await ratings.limit(request.client.host if request.client else "")
        form = await request.form()
        if not await ratings.rate(token, form.get("outcome"), form.get("comment") or ""):
            return page(request, "complaints/rate.html", usable=False)
        return page(request, "complaints/rate.html", usable=False, thanks=True)
