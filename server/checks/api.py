"""Sync API v1: checks and their photos (docs/sync-api.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter, SkipValidation

from ..accounts.guards import logged_in
from ..api import JsonRequest, page_of, receipt, shaped, sync_put, uuid_or_404
from ..deps import CampaignsDep, ChecksDep
from ..errors import Invalid
from ..i18n import gettext as _
from ..i18n import lang
from ..models import Check, User
from ..photos.upload import PhotoUploadDep, photo_put
from .presenters import check_json
from .responses import CheckDetail, CheckPage, CheckPhotoReceipt, CheckReceipt
from .schemas import CheckBody


@dataclass(frozen=True)
class CheckQuery:
    """Which checks GET /api/v1/checks lists: the caller's own only, since when, of which campaign;
    and its page. A cursor past any row id is no error here: it pages from the newest."""

    author_me: bool
    since: datetime | None
    campaign_id: int | None
    before: int | None
    limit: int


CheckQueryDep = NamedDependency[CheckQuery]


async def _check_query(
    campaigns: CampaignsDep,
    author: FromQuery[str | None] = None,
    since: FromQuery[datetime | None] = None,
    campaign: FromQuery[str | None] = None,
    before: Annotated[int | None, QueryParameter(ge=1)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
) -> CheckQuery:
    if author not in (None, "me"):
        raise Invalid(
            _("author can only be me."), errors=[{"field": "author", "message": _("Use author=me.")}]
        )
    if since is not None and since.tzinfo is None:
        raise Invalid(
            _("since needs its UTC offset."),
            errors=[{"field": "since", "message": _("Add an offset such as +08:00.")}],
        )
    found = (await campaigns.reference()).campaigns.get(campaign) if campaign else None
    if campaign and found is None:
        raise Invalid(
            _("Unknown campaign code: %(code)s.", code=campaign),
            errors=[{"field": "campaign", "message": _("Unknown campaign code.")}],
        )
    return CheckQuery(author == "me", since, found.id if found else None, before, limit)


class CheckApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["checks"]
    request_class = JsonRequest
    dependencies = {"listing": Provide(_check_query)}

    @sync_put("/checks/{check_uuid:str}", CheckReceipt, "check")
    async def put_check(
        self,
        request: Request[User, Any, Any],
        check_uuid: FromPath[str],
        checks: ChecksDep,
        data: SkipValidation[CheckBody],
    ) -> Response[CheckReceipt]:
        # The body is decoded by the service, which also needs it as sent for its digest.
        check_uuid = uuid_or_404(check_uuid, "The check UUID")
        return receipt(await checks.put_check(request.user, check_uuid, data), CheckReceipt)

    @photo_put("/checks/{check_uuid:str}/photos/{photo_uuid:str}", CheckPhotoReceipt)
    async def put_photo(
        self, check_uuid: FromPath[str], checks: ChecksDep, upload: PhotoUploadDep
    ) -> Response[CheckPhotoReceipt]:
        return await upload.store(
            checks.put_photo, uuid_or_404(check_uuid, "The check UUID"), CheckPhotoReceipt
        )

    @get("/checks")
    async def list_checks(
        self, request: Request[User, Any, Any], checks: ChecksDep, listing: CheckQueryDep
    ) -> CheckPage:
        page = await checks.list_checks(
            request.user,
            author_me=listing.author_me,
            since=listing.since,
            campaign_id=listing.campaign_id,
            before_id=listing.before,
            limit=listing.limit,
        )
        language = lang()
        items = [check_json(c, language, full=False, viewer=request.user) for c in page.checks]
        return page_of(request, items, page.next_cursor, CheckPage)

    @get("/checks/{check_uuid:str}")
    async def get_check(
        self, request: Request[User, Any, Any], check_uuid: FromPath[str], checks: ChecksDep
    ) -> CheckDetail:
        check: Check = await checks.get_check(request.user, uuid_or_404(check_uuid, "The check UUID"))
        return shaped(check_json(check, lang(), full=True, viewer=request.user), CheckDetail)
