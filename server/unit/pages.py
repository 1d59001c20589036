"""The responsible unit's handler pages: the findings assigned to the unit, and their rectification.

Mobile first and offline like the officer's pages: the list and the page of each open finding are
kept on the phone by the service worker (server/pwa.py), and a rectification saved there goes into
the same outbox as checks (static/js/outbox-core.js), which sends it through the Findings API.
Without JavaScript the rectification form posts as a plain form.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from ..accounts.guards import roles
from ..api import shaped
from ..deps import DutiesDep, PhotosDep, RectificationsDep, UnitDep
from ..errors import AppError
from ..findings.pages import FindingView, FindingViewDep
from ..findings.schemas import UnitWork
from ..findings.service import WAITING_FOR_UNIT, FindingDetail, finding_json, is_due_soon, is_overdue
from ..forms import field_errors, form_uuid, form_values, location_from_form, store_uploads
from ..i18n import gettext as _
from ..i18n import lang
from ..models import Finding, FindingEvent, Role, User, utcnow
from ..page_views import provided_view
from ..photos.forms import FORM_BODY_LIMIT, FormPhoto, photos_from_form
from ..photos.presenters import photo_json
from ..photos.service import PhotoService
from ..settings import Settings
from ..web import page

# Names a photo of the plain form from its rectification and bytes, so a form sent twice names
# the same photos and stays an identical replay.
FORM_PHOTO_NS = uuidlib.UUID("0d3b8f6e-5c1a-4e7b-9f2d-6a4c8e1b3f57")


def deadline_mark(finding: Finding, now: datetime) -> str:
    if is_overdue(finding, now):
        return "overdue"
    if is_due_soon(finding, now):
        return "due-soon"
    return ""


def latest_rework(events: list[FindingEvent]) -> FindingEvent | None:
    return next((e for e in reversed(events) if e.action == "rework"), None)


class UnitPages(Controller):
    guards = [roles(Role.handler)]
    dependencies = provided_view(FindingView)

    @get("/unit")
    async def unit(self, request: Request[User, Any, Any], unit_work: UnitDep, duties: DutiesDep) -> Template:
        work = await unit_work.work(request.user)
        now = utcnow()
        return page(
            request,
            "unit/home.html",
            waiting=work.waiting,
            done=work.done,
            reworks=work.reworks,
            marks={f.id: deadline_mark(f, now) for f in work.waiting},
            overdue_duties=await duties.overdue_for(request.user),
        )

    @get("/api/v1/unit/findings", tags=["findings"])
    async def unit_json(self, request: Request[User, Any, Any], unit_work: UnitDep) -> UnitWork:
        """The /unit page for programs, and the list of pages the phone keeps for use offline."""
        user = request.user
        work = await unit_work.work(user)
        language = lang()
        now = utcnow()
        waiting = []
        for f in work.waiting:
            rework = work.reworks.get(f.id)
            waiting.append(
                finding_json(f, language, now)
                | {
                    "page": f"/unit/findings/{f.id}",
                    "rework_reason": rework.reason if rework else None,
                    "photos": [photo_json(p) for p in work.photos.get(f.id, [])],
                }
            )
        listed = {
            "unit": {"code": user.unit.code, "name": user.unit.name(language)},
            "waiting": waiting,
            "done": [finding_json(f, language, now) | {"page": f"/unit/findings/{f.id}"} for f in work.done],
        }
        return shaped(listed, UnitWork)

    @get("/unit/findings/{finding_id:int}")
    async def finding(self, view: FindingViewDep, saved: FromQuery[str | None] = None) -> Template:
        return _finding_page(view.request, await view.detail(), view.settings, saved=bool(saved))

    # Photo parts above 1 MB are spooled to disk by the multipart parser, not held in memory.
    @post("/unit/findings/{finding_id:int}", request_max_body_size=FORM_BODY_LIMIT)
    async def rectify(
        self, view: FindingViewDep, rectifications: RectificationsDep, photos: PhotosDep
    ) -> Template | Redirect:
        """The plain form's way in; the phone's outbox PUTs the same body to the Findings API."""
        request, finding_id, settings = view.request, view.finding_id, view.settings
        detail = await view.detail()  # 404 for another unit's finding
        form = await request.form()
        try:
            rect_uuid, body, uploads = await _body_from_form(form, photos)
            await rectifications.put(request.user, finding_id, rect_uuid, body)
        except AppError as exc:
            return _finding_page(request, detail, settings, form=form, error=exc, status_code=exc.status_code)
        await store_uploads(uploads, partial(rectifications.put_photo, request.user, rect_uuid))
        return Redirect(f"/unit/findings/{finding_id}?saved=1", status_code=303)


def _finding_page(
    request: Request[User, Any, Any],
    detail: FindingDetail,
    settings: Settings,
    *,
    saved: bool = False,
    form: Any = None,
    error: AppError | None = None,
    status_code: int = 200,
) -> Template:
    finding = detail.finding
    now = utcnow()
    values = form_values(form)
    answer = next((a for a in detail.check.answers if a.id == finding.answer_id), None)
    assigned = next((e for e in reversed(detail.events) if e.action == "assigned"), None)
    return page(
        request,
        "unit/finding.html",
        status_code=status_code,
        finding=finding,
        problem=answer.note if answer else "",
        photos=[p for p in detail.check_photos if p.received_at is not None],
        rework=latest_rework(detail.events),
        assigned=assigned,
        rectifications=detail.rectifications,
        after_photos=detail.after_photos,
        mark=deadline_mark(finding, now),
        can_rectify=finding.status in WAITING_FOR_UNIT,
        saved=saved,
        rect_uuid=values.get("uuid") or str(uuidlib.uuid4()),
        recorded_at=values.get("recorded_at")
        or now.astimezone(ZoneInfo(settings.timezone)).replace(microsecond=0).isoformat(),
        values=values,
        error=error,
        field_errors=field_errors(error),
        far_m=settings.rectification_far_m,
    )


async def _body_from_form(
    form: Any, photo_service: PhotoService
) -> tuple[str, dict[str, Any], list[FormPhoto]]:
    """The body the phone would PUT, built from the plain form; every photo is checked before anything is saved."""
    rect_uuid = form_uuid(form, _("The form lost its rectification UUID; reload the page."))
    uploads = await photos_from_form(form, ["photos"], photo_service, FORM_PHOTO_NS, rect_uuid)
    body = {
        "note": form.get("note") or "",
        "recorded_at": form.get("recorded_at"),
        "location": location_from_form(form),
        "photos": [{"uuid": p.uuid} for p in uploads],
    }
    return rect_uuid, body, uploads
