"""Sync API v1: checks and their photos (docs/sync-api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, put
from litestar.params import FromPath, FromQuery, QueryParameter, SkipValidation

from ..accounts.guards import logged_in
from ..api import (
    JSON_BODY_LIMIT,
    JsonRequest,
    next_page_url,
    photo_put,
    receipt_responses,
    shaped,
    stored_photo,
    uuid_or_404,
)
from ..deps import CampaignsDep, ChecksDep
from ..errors import Invalid
from ..i18n import gettext as _
from ..i18n import lang
from ..models import Check, User
from .presenters import check_json
from .responses import CheckDetail, CheckPage, CheckPhotoReceipt, CheckReceipt
from .schemas import CheckBody


class CheckApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["checks"]
    request_class = JsonRequest

    @put(
        "/checks/{check_uuid:str}",
        request_max_body_size=JSON_BODY_LIMIT,
        status_code=200,
        responses=receipt_responses(CheckReceipt, "check"),
    )
    async def put_check(
        self,
        request: Request[User, Any, Any],
        check_uuid: FromPath[str],
        checks: ChecksDep,
        data: SkipValidation[CheckBody],
    ) -> Response[CheckReceipt]:
        # The body is decoded by the service, which also needs it as sent for its digest.
        check_uuid = uuid_or_404(check_uuid, "The check UUID")
        status, receipt = await checks.put_check(request.user, check_uuid, data)
        return Response(shaped(receipt, CheckReceipt), status_code=status)

    @photo_put("/checks/{check_uuid:str}/photos/{photo_uuid:str}", CheckPhotoReceipt)
    async def put_photo(
        self,
        request: Request[User, Any, Any],
        check_uuid: FromPath[str],
        photo_uuid: FromPath[str],
        checks: ChecksDep,
    ) -> Response[CheckPhotoReceipt]:
        check_uuid = uuid_or_404(check_uuid, "The check UUID")
        photo_uuid = uuid_or_404(photo_uuid, "The photo UUID")
        return await stored_photo(
            request,
            CheckPhotoReceipt,
            lambda content_type, data: checks.put_photo(
                request.user, check_uuid, photo_uuid, content_type, data
            ),
        )

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
    ) -> CheckPage:
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
        listed = {
            "items": [check_json(c, language, full=False, viewer=request.user) for c in page.checks],
            "next": next_page_url(request, page.next_cursor),
        }
        return shaped(listed, CheckPage)

    @get("/checks/{check_uuid:str}")
    async def get_check(
        self, request: Request[User, Any, Any], check_uuid: FromPath[str], checks: ChecksDep
    ) -> CheckDetail:
        check: Check = await checks.get_check(request.user, uuid_or_404(check_uuid, "The check UUID"))
        return shaped(check_json(check, lang(), full=True, viewer=request.user), CheckDetail)
