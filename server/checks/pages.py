"""The officer's pages: home, the check form (a plain form that htmx and the outbox enhance), a check."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ..accounts.guards import logged_in, roles
from ..campaigns.service import CampaignService
from ..deps import CampaignsDep, ChecksDep, PhotosDep, SettingsDep
from ..errors import AppError, Invalid, NotFound
from ..geo import valid_position
from ..i18n import gettext as _
from ..models import KINDS_BY_ROLE, Campaign, Result, Role, User, utcnow
from ..photos.forms import FORM_BODY_LIMIT, FormPhoto, read_form_photos
from ..photos.service import PhotoService
from ..settings import Settings
from ..web import page
from .schemas import canonical_uuid

RECORDERS = (Role.officer, Role.supervisor, Role.lead, Role.office)
# Uniquely names a photo uploaded through the plain form from its check, field and bytes,
# so a resubmitted form names the same photos and stays an identical replay.
FORM_PHOTO_NS = uuidlib.UUID("6f1c7f9e-3a52-4d0e-9a57-0d5e3c7b8a10")


def _kinds(user: User) -> list[str]:
    order = ["patrol", "recheck", "open", "unannounced"]
    allowed = {k.value for k in KINDS_BY_ROLE.get(Role(user.role), ())}
    return [k for k in order if k in allowed]


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


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
            return await _form_page(
                request, campaign, campaigns, settings, form=form, error=exc, status_code=exc.status_code
            )
        for photo_uuid, upload in uploads:
            await checks.put_photo(
                request.user,
                check_uuid,
                photo_uuid,
                upload.media_type,
                await upload.read(),
                processed=upload.processed,
            )
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
        return page(request, "checks/detail.html", check=check, saved=bool(saved))


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
    *,
    form: Any = None,
    error: AppError | None = None,
    status_code: int = 200,
) -> Template:
    now_local = utcnow().astimezone(ZoneInfo(settings.timezone)).replace(microsecond=0)
    values = {k: v for k, v in (form or {}).items() if isinstance(v, str)}
    field_errors: dict[str, str] = {}
    if error is not None:
        for e in error.errors:
            field_errors.setdefault(e.get("field", ""), e.get("message", ""))
    return page(
        request,
        "checks/form.html",
        status_code=status_code,
        campaign=campaign,
        items=[i for i in campaign.items if i.active],
        sites=await campaigns.sites(),
        kinds=_kinds(request.user),
        check_uuid=values.get("uuid") or str(uuidlib.uuid4()),
        recorded_at=values.get("recorded_at") or now_local.isoformat(),
        values=values,
        error=error,
        field_errors=field_errors,
    )


def location_from_form(form: Any) -> dict[str, Any] | None:
    """The position a plain field form carries: the phone's, else the one typed in by hand."""
    lat, lon = _float(form.get("lat")), _float(form.get("lon"))
    source = form.get("source") or "gps"
    if lat is None or lon is None:
        lat, lon, source = _float(form.get("manual_lat")), _float(form.get("manual_lon")), "manual"
    if lat is None or lon is None:
        return None
    accuracy = None if source == "manual" else _float(form.get("accuracy_m"))
    return {"lat": lat, "lon": lon, "accuracy_m": accuracy, "source": source}


async def _body_from_form(
    form: Any, campaign: Campaign, photo_service: PhotoService
) -> tuple[str, dict[str, Any], list[tuple[str, FormPhoto]]]:
    """The same body a phone would PUT, built from the plain form's fields."""
    check_uuid = canonical_uuid(form.get("uuid"))
    if check_uuid is None:
        raise Invalid(
            _("The form lost its check UUID; reload the page."),
            errors=[{"field": "uuid", "message": _("Reload the page.")}],
        )
    location = location_from_form(form)
    answers = []
    for item in campaign.items:
        result = form.get(f"r_{item.code}")
        if result not in {r.value for r in Result}:
            continue
        answer: dict[str, Any] = {"item": item.code, "result": result}
        if result == Result.failed:
            answer["severity"] = form.get(f"s_{item.code}") or item.severity
            answer["note"] = form.get(f"n_{item.code}") or ""
        answers.append(answer)
    answered = {a["item"] for a in answers}
    fields = [(f"p_{i.code}", i.code) for i in campaign.items if i.code in answered] + [("p__check", None)]
    parts = [(field, part) for field, _item in fields for part in form.getall(field, [])]
    vetted = await read_form_photos(parts, photo_service, limit=photo_service.settings.max_photos_per_check)
    item_of = dict(fields)
    photos, uploads = [], []
    for upload in vetted:
        photo_uuid = str(uuidlib.uuid5(FORM_PHOTO_NS, f"{check_uuid}/{upload.field}/{upload.sha256}"))
        photos.append({"uuid": photo_uuid, "item": item_of[upload.field]})
        uploads.append((photo_uuid, upload))
    body = {
        "campaign": campaign.code,
        "kind": form.get("kind") or "patrol",
        "recorded_at": form.get("recorded_at"),
        "location": location,
        "site": form.get("site") or None,
        "target_unit": None,
        "answers": answers,
        "note": form.get("note") or "",
        "photos": photos,
    }
    return check_uuid, body, uploads
