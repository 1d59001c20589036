"""The officer's pages: home, the check form (a plain form that htmx and the outbox enhance), a check."""

from __future__ import annotations

import uuid as uuidlib
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ..accounts.guards import logged_in, roles
from ..campaigns.service import CampaignService
from ..deps import CampaignsDep, ChecksDep, PhotosDep, SettingsDep
from ..errors import AppError, NotFound
from ..forms import field_errors, form_uuid, form_values, location_from_form, store_uploads
from ..geo import valid_position
from ..i18n import gettext as _
from ..models import KINDS_BY_ROLE, Campaign, Result, Role, User, utcnow
from ..photos.forms import FORM_BODY_LIMIT, FormPhoto, photos_from_form
from ..photos.service import PhotoService
from ..settings import Settings
from ..web import page
from .schemas import canonical_uuid

RECORDERS = (Role.officer, Role.supervisor, Role.lead, Role.office)
# Uniquely names a photo uploaded through the plain form from its check, field and bytes,
# so a resubmitted form names the same photos and stays an identical replay.
FORM_PHOTO_NS = uuidlib.UUID("6f1c7f9e-3a52-4d0e-9a57-0d5e3c7b8a10")


def _kinds(user: User) -> list[str]:
    # The first is the form's default: a supervisor's (and the office's) check is unannounced
    # unless they choose an open one.
    order = ["patrol", "recheck", "unannounced", "open"]
    allowed = {k.value for k in KINDS_BY_ROLE.get(Role(user.role), ())}
    return [k for k in order if k in allowed]


class FieldPages(Controller):
    guards = [roles(*RECORDERS)]

    @get("/field", name="field")
    async def home(
        self, request: Request[User, Any, Any], campaigns: CampaignsDep, checks: ChecksDep
    ) -> Template:
        user = request.user
        recent = await checks.list_checks(user, author_me=True, limit=20)
        return page(
            request, "field/home.html", campaigns=await campaigns.recordable_for(user), checks=recent.checks
        )

    @get("/field/checks")
    async def my_checks(
        self, request: Request[User, Any, Any], checks: ChecksDep, before: FromQuery[int | None] = None
    ) -> Template:
        result = await checks.list_checks(request.user, author_me=True, before_id=before, limit=50)
        return page(request, "field/checks.html", checks=result.checks, next_cursor=result.next_cursor)

    @get("/field/{code:str}/new")
    async def form(
        self,
        request: Request[User, Any, Any],
        code: FromPath[str],
        campaigns: CampaignsDep,
        settings: SettingsDep,
    ) -> Template:
        campaign = await _campaign(campaigns, code)
        return await _form_page(request, campaign, campaigns, settings)

    # Photo parts above 1 MB are spooled to disk by the multipart parser, not held in memory.
    @post("/field/{code:str}/new", request_max_body_size=FORM_BODY_LIMIT)
    async def submit(
        self,
        request: Request[User, Any, Any],
        code: FromPath[str],
        campaigns: CampaignsDep,
        checks: ChecksDep,
        photos: PhotosDep,
        settings: SettingsDep,
    ) -> Template | Redirect:
        campaign = await _campaign(campaigns, code)
        form = await request.form()
        try:
            check_uuid, body, uploads = await _body_from_form(form, campaign, photos)
            await checks.put_check(request.user, check_uuid, body)
        except AppError as exc:
            return await _form_page(request, campaign, campaigns, settings, form, exc)
        await store_uploads(uploads, partial(checks.put_photo, request.user, check_uuid))
        return Redirect(f"/checks/{check_uuid}?saved=1", status_code=303)

    @get("/field/sites-near")
    async def sites_near(
        self,
        request: Request[User, Any, Any],
        campaigns: CampaignsDep,
        lat: FromQuery[float],
        lon: FromQuery[float],
    ) -> Template:
        near = await campaigns.sites_near(lat, lon, 3000, limit=15) if valid_position(lat, lon) else []
        return page(request, "field/_site_options.html", near=near, selected="")


class CheckPages(Controller):
    guards = [logged_in]

    @get("/checks/{check_uuid:str}")
    async def detail(
        self,
        request: Request[User, Any, Any],
        check_uuid: FromPath[str],
        checks: ChecksDep,
        saved: FromQuery[str | None] = None,
    ) -> Template:
        canonical = canonical_uuid(check_uuid)
        if canonical is None:
            raise NotFound(_("There is no check with this UUID that you may see."))
        check = await checks.get_check(request.user, canonical)
        total = sum(1 for i in check.campaign.items if i.active)
        return page(
            request,
            "checks/detail.html",
            check=check,
            answered=len(check.answers),
            total=max(total, len(check.answers)),
            saved=bool(saved),
        )


async def _campaign(campaigns: CampaignService, code: str) -> Campaign:
    campaign = await campaigns.campaign(code)
    if campaign is None or not campaign.active:
        raise NotFound(_("Unknown campaign code: %(code)s.", code=code))
    return campaign


async def _form_page(
    request: Request[User, Any, Any],
    campaign: Campaign,
    campaigns: CampaignService,
    settings: Settings,
    form: Any = None,
    error: AppError | None = None,
) -> Template:
    """The form, new or shown again with what was sent and why it was refused."""
    now_local = utcnow().astimezone(ZoneInfo(settings.timezone)).replace(microsecond=0)
    values = form_values(form)
    return page(
        request,
        "checks/form.html",
        status_code=error.status_code if error else 200,
        campaign=campaign,
        items=[i for i in campaign.items if i.active],
        checklist_version=await campaigns.version_of(campaign.code),
        sites=await campaigns.sites(),
        units=await campaigns.units(),
        kinds=_kinds(request.user),
        check_uuid=values.get("uuid") or str(uuidlib.uuid4()),
        recorded_at=values.get("recorded_at") or now_local.isoformat(),
        values=values,
        error=error,
        field_errors=field_errors(error),
    )


async def _body_from_form(
    form: Any, campaign: Campaign, photo_service: PhotoService
) -> tuple[str, dict[str, Any], list[FormPhoto]]:
    """The same body a phone would PUT, built from the plain form's fields."""
    check_uuid = form_uuid(form, _("The form lost its check UUID; reload the page."))
    location = location_from_form(form)
    answers = []
    current = [i for i in campaign.items if i.active]  # older revisions' rows are kept beside them
    for item in current:
        result = form.get(f"r_{item.code}")
        if result not in {r.value for r in Result}:
            continue
        answer: dict[str, Any] = {"item": item.code, "result": result}
        if result == Result.failed:
            answer["severity"] = form.get(f"s_{item.code}") or item.severity
            answer["note"] = form.get(f"n_{item.code}") or ""
        answers.append(answer)
    answered = {a["item"] for a in answers}
    fields = [f"p_{i.code}" for i in current if i.code in answered] + ["p__check"]
    uploads = await photos_from_form(form, fields, photo_service, FORM_PHOTO_NS, check_uuid)
    photos = [{"uuid": p.uuid, "item": p.field[2:] if p.field != "p__check" else None} for p in uploads]
    body = {
        "campaign": campaign.code,
        "kind": form.get("kind") or "patrol",
        "recorded_at": form.get("recorded_at"),
        "location": location,
        "site": form.get("site") or None,
        "target_unit": form.get("target_unit") or None,
        "answers": answers,
        "note": form.get("note") or "",
        "photos": photos,
    }
    return check_uuid, body, uploads
