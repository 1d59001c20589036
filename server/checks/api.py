"""Sync API v1: reference data, checks and their photos (CONTRACT.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, put
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import File

from ..accounts.controller import user_json
from ..accounts.guards import logged_in
from ..deps import CampaignsDep, ChecksDep, PhotosDep
from ..errors import AppError, Invalid, NotFound
from ..i18n import gettext as _
from ..i18n import lang
from ..models import KINDS_BY_ROLE, Check, Role, User
from ..photos.service import media_type_of, refuse_type
from .presenters import check_json
from .schemas import canonical_uuid

# The body limit for photo uploads is enforced before the body is read; a little
# headroom over the pipeline's own limit lets it give the more precise message.
PHOTO_BODY_LIMIT = 21 * 1024 * 1024
CHECK_BODY_LIMIT = 1024 * 1024


class BadBody(AppError):
    status_code = 400
    code = "malformed_json"


def _uuid(value: str, what: str) -> str:
    canonical = canonical_uuid(value)
    if canonical is None:
        raise NotFound(_("%(what)s is not a UUID.", what=what), code="bad_uuid")
    return canonical


async def read_json(request: Request[Any, Any, Any]) -> Any:
    raw = await request.body()
    try:
        # The standard parser accepts NaN and Infinity, so they reach the validator
        # and get a message about the field instead of a bare syntax error.
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadBody(_("The body is not valid JSON: %(detail)s", detail=str(exc)[:120])) from None


class ReferenceController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["reference"]

    @get("/me")
    async def me(self, request: Request[User, Any, Any], campaigns: CampaignsDep) -> dict[str, Any]:
        user = request.user
        recordable = await campaigns.recordable_for(user)
        return {
            "user": user_json(user, lang()),
            "role": user.role,
            "unit": {"code": user.unit.code, "name": user.unit.name(lang())},
            "campaigns": [c.code for c in recordable],
            "kinds": sorted(k.value for k in KINDS_BY_ROLE.get(Role(user.role), ())),
            "csrf_token": request.scope.get("state", {}).get("csrf_token"),
        }

    @get("/campaigns")
    async def campaigns(self, campaigns: CampaignsDep) -> list[dict[str, Any]]:
        language = lang()
        return [
            {
                "code": c.code,
                "name": c.name(language),
                "category": c.category,
                "lead": {"username": c.lead.username, "display_name": c.lead.name(language)},
                "responsible_unit": {
                    "code": c.responsible_unit.code,
                    "name": c.responsible_unit.name(language),
                },
                "measures": c.measures(language),
                "starts_on": c.starts_on.isoformat() if c.starts_on else None,
                "ends_on": c.ends_on.isoformat() if c.ends_on else None,
                "items": [
                    {"code": i.code, "text": i.text(language), "severity": i.severity}
                    for i in c.items
                    if i.active
                ],
            }
            for c in await campaigns.campaigns()
        ]

    @get("/sites")
    async def sites(
        self,
        campaigns: CampaignsDep,
        near: FromQuery[str | None] = None,
        radius_m: Annotated[float, QueryParameter(ge=1, le=50_000)] = 2000.0,
    ) -> list[dict[str, Any]]:
        language = lang()
        if near is None:
            return [_site_json(s, None, language) for s in await campaigns.sites()]
        try:
            lat_text, lon_text = near.split(",")
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            raise Invalid(
                _("near must be LAT,LON."), errors=[{"field": "near", "message": _("near must be LAT,LON.")}]
            ) from None
        from ..geo import valid_position

        if not valid_position(lat, lon):
            raise Invalid(
                _("near is not a position on Earth."),
                errors=[{"field": "near", "message": _("Latitude -90..90, longitude -180..180.")}],
            )
        return [_site_json(s, d, language) for s, d in await campaigns.sites_near(lat, lon, radius_m)]


def _site_json(site: Any, distance: float | None, language: str) -> dict[str, Any]:
    body = {
        "code": site.code,
        "name": site.name(language),
        "kind": site.kind,
        "lat": site.lat,
        "lon": site.lon,
        "unit": site.unit.code if site.unit else None,
    }
    if distance is not None:
        body["distance_m"] = round(distance, 1)
    return body


class CheckApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["checks"]

    @put("/checks/{check_uuid:str}", request_max_body_size=CHECK_BODY_LIMIT, status_code=200)
    async def put_check(
        self, request: Request[User, Any, Any], check_uuid: FromPath[str], checks: ChecksDep
    ) -> Response[dict[str, Any]]:
        check_uuid = _uuid(check_uuid, "The check UUID")
        body = await read_json(request)
        status, receipt = await checks.put_check(request.user, check_uuid, body)
        return Response(receipt, status_code=status)

    @put(
        "/checks/{check_uuid:str}/photos/{photo_uuid:str}",
        request_max_body_size=PHOTO_BODY_LIMIT,
        status_code=200,
    )
    async def put_photo(
        self,
        request: Request[User, Any, Any],
        check_uuid: FromPath[str],
        photo_uuid: FromPath[str],
        photos: PhotosDep,
    ) -> Response[dict[str, Any]]:
        check_uuid = _uuid(check_uuid, "The check UUID")
        photo_uuid = _uuid(photo_uuid, "The photo UUID")
        content_type = request.headers.get("content-type")
        refuse_type(media_type_of(content_type))  # before reading a byte of the body
        data = await request.body()
        status, body = await photos.put_check_photo(request.user, check_uuid, photo_uuid, content_type, data)
        return Response(body, status_code=status)

    @get("/checks")
    async def list_checks(
        self,
        request: Request[User, Any, Any],
        checks: ChecksDep,
        campaigns: CampaignsDep,
        author: FromQuery[str | None] = None,
        since: FromQuery[datetime | None] = None,
        campaign: FromQuery[str | None] = None,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        if author not in (None, "me"):
            raise Invalid(
                _("author can only be me."), errors=[{"field": "author", "message": _("Use author=me.")}]
            )
        if since is not None and since.tzinfo is None:
            raise Invalid(
                _("since needs its UTC offset."),
                errors=[{"field": "since", "message": _("Add an offset such as +08:00.")}],
            )
        campaign_id = None
        if campaign:
            ref = await campaigns.reference()
            found = ref.campaigns.get(campaign)
            if found is None:
                raise Invalid(
                    _("Unknown campaign code: %(code)s.", code=campaign),
                    errors=[{"field": "campaign", "message": _("Unknown campaign code.")}],
                )
            campaign_id = found.id
        page = await checks.list_checks(
            request.user,
            author_me=author == "me",
            since=since,
            campaign_id=campaign_id,
            before_id=before,
            limit=limit,
        )
        language = lang()
        next_url = None
        if page.next_cursor:
            params = request.query_params.dict()
            params = {k: v[-1] for k, v in params.items() if k != "before"}
            params["before"] = str(page.next_cursor)
            next_url = str(request.url.with_replacements(query=urlencode(params)))
        return {
            "items": [check_json(c, language, full=False, viewer=request.user) for c in page.checks],
            "next": next_url,
        }

    @get("/checks/{check_uuid:str}")
    async def get_check(
        self, request: Request[User, Any, Any], check_uuid: FromPath[str], checks: ChecksDep
    ) -> dict[str, Any]:
        check: Check = await checks.get_check(request.user, _uuid(check_uuid, "The check UUID"))
        return check_json(check, lang(), full=True, viewer=request.user)


class PhotoApiController(Controller):
    path = "/api/v1/photos"
    guards = [logged_in]
    tags = ["photos"]

    @get("/{photo_uuid:str}")
    async def get_photo(
        self,
        request: Request[User, Any, Any],
        photo_uuid: FromPath[str],
        photos: PhotosDep,
        size: FromQuery[str] = "display",
    ) -> File:
        photo = await photos.photo_for(request.user, _uuid(photo_uuid, "The photo UUID"))
        assert photo.sha256 is not None
        if size == "original":
            if not photos.original_allowed(request.user):
                from ..errors import Forbidden

                raise Forbidden(_("Only the supervision office may download original photos."))
            path = photos.store.original_path(photo.sha256, photo.media_type or "")
            media_type = photo.media_type or "application/octet-stream"
        elif size in ("display", "thumb"):
            path = photos.store.derived_path(size, photo.sha256)
            media_type = "image/jpeg"
        else:
            raise Invalid(
                _("size must be display, thumb or original."),
                errors=[{"field": "size", "message": _("Use display, thumb or original.")}],
            )
        return File(
            path=path,
            media_type=media_type,
            content_disposition_type="inline",
            filename=f"{photo.uuid}-{size}.{'jpg' if media_type == 'image/jpeg' else 'bin'}",
            headers={
                "Cache-Control": "private, max-age=31536000, immutable",
                "ETag": f'"{photo.sha256}-{size}"',
            },
        )
