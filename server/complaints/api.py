"""Complaints API v1 (CONTRACT.md): thin handlers over ComplaintService and its neighbours."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from msgspec import Struct

from ..accounts.guards import logged_in
from ..api import FindingId, read_json, shaped, uuid_or_404
from ..campaigns.service import Reference
from ..deps import CampaignsDep, ChecksDep, ComplaintIndicatorsDep, ComplaintsDep, RatingsDep
from ..errors import Forbidden, Invalid
from ..i18n import gettext as _
from ..models import ComplaintStatus, Role, User
from ..web import UserRequest
from .indicators import DEFINITIONS
from .linking import open_finding
from .presenters import complaint_json, event_json
from .reading import ComplaintFilters

BODY_LIMIT = 64 * 1024


def _code(ref_map: dict[str, int], value: str | None, field: str, errors: list[dict[str, str]]) -> int | None:
    if not value:
        return None
    found = ref_map.get(value)
    if found is None:
        errors.append(
            {"field": field, "message": _("Unknown %(field)s code: %(code)s.", field=field, code=value[:40])}
        )
    return found


def filters_from_query(
    ref: Reference, *, status: str | None, unit: str | None, campaign: str | None, late: bool
) -> ComplaintFilters:
    errors: list[dict[str, str]] = []
    unit_id = _code(ref.units_by_code, unit, "unit", errors)
    campaign_id = _code({c: r.id for c, r in ref.campaigns.items()}, campaign, "campaign", errors)
    if status and status not in ComplaintStatus.__members__:
        errors.append({"field": "status", "message": _("Unknown status.")})
    if errors:
        raise Invalid(_("The filters have mistakes."), errors=errors)
    return ComplaintFilters(status=status or None, unit_id=unit_id, campaign_id=campaign_id, late=late)


async def query_filters(
    campaigns: CampaignsDep,
    status: FromQuery[str | None] = None,
    unit: FromQuery[str | None] = None,
    campaign: FromQuery[str | None] = None,
    late: FromQuery[bool] = False,
) -> ComplaintFilters:
    """GET /complaints's filters: a status, a unit's and a campaign's codes, only those late."""
    ref = await campaigns.reference()
    return filters_from_query(ref, status=status, unit=unit, campaign=campaign, late=late)


def may_read_indicators(user: User, ref: Reference, unit_id: int | None, campaign_id: int | None) -> None:
    """The office reads every figure; a lead those of their campaigns; a unit its own."""
    if user.role == Role.office:
        return
    if user.role == Role.lead:
        led = {c.id for c in ref.campaigns.values() if c.lead_id == user.id}
        if campaign_id is None or campaign_id not in led:
            raise Forbidden(_("A lead leader reads the figures of their own campaigns: name one of them."))
        return
    if user.role == Role.handler:
        if unit_id != user.unit_id:
            raise Forbidden(_("A unit reads its own figures: name your unit."))
        return
    raise Forbidden(_("The figures are for lead leaders, the responsible units and the office."))


def parse_month(month: str | None) -> datetime:
    try:
        return datetime.strptime(month or "", "%Y-%m")
    except ValueError:
        raise Invalid(
            _("month must be YYYY-MM."), errors=[{"field": "month", "message": _("For example 2026-11.")}]
        ) from None


class RatingLink(Struct, forbid_unknown_fields=True):
    """GET /api/v1/findings/{id}/rating-link: the one-time address the person served rates a closed
    finding at, and its QR code as SVG."""

    url: str
    qr_svg: str


def _step(name: str) -> Any:
    """POST /complaints/{uuid}/`name`: ComplaintService.`name` with the JSON body; the complaint
    as it now stands."""

    async def handler(
        self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep
    ) -> dict[str, Any]:
        complaint = await getattr(complaints, name)(request.user, uuid, await read_json(request))
        return complaint_json(complaint, request.user, finding_visible=request.user.role == Role.office)

    handler.__name__ = name
    path = f"/complaints/{{uuid:str}}/{name.replace('_', '-')}"
    return post(path, status_code=200, request_max_body_size=BODY_LIMIT)(handler)


class ComplaintApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["complaints"]

    @put("/complaints/{uuid:str}", request_max_body_size=BODY_LIMIT, status_code=200)
    async def put_complaint(
        self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep
    ) -> Response[dict[str, Any]]:
        status, complaint = await complaints.put(
            request.user, uuid_or_404(uuid, "The complaint UUID"), await read_json(request)
        )
        return Response(complaint_json(complaint, request.user), status_code=status)

    @get("/complaints", dependencies={"filters": Provide(query_filters)})
    async def list_complaints(
        self,
        request: UserRequest,
        complaints: ComplaintsDep,
        filters: NamedDependency[ComplaintFilters],
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 200,
    ) -> dict[str, Any]:
        rows = await complaints.list(request.user, filters, limit=limit)
        office = request.user.role == Role.office
        return {"items": [complaint_json(c, request.user, finding_visible=office) for c in rows]}

    @get("/complaints/{uuid:str}")
    async def get_complaint(
        self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep
    ) -> dict[str, Any]:
        detail = await complaints.detail(request.user, uuid)
        body = complaint_json(detail.complaint, request.user, finding_visible=detail.finding_visible)
        body["history"] = [event_json(e) for e in detail.events]
        return body

    assign = _step("assign")
    investigate = _step("investigate")

    @put(
        "/complaints/{uuid:str}/answers/{answer_uuid:str}", status_code=200, request_max_body_size=BODY_LIMIT
    )
    async def answer(
        self, request: UserRequest, uuid: FromPath[str], answer_uuid: FromPath[str], complaints: ComplaintsDep
    ) -> Response[dict[str, Any]]:
        """The unit's answer from a phone's outbox: idempotent by the answer's UUID."""
        status, receipt = await complaints.answer(
            request.user, uuid, uuid_or_404(answer_uuid, "The answer UUID"), await read_json(request)
        )
        return Response(receipt, status_code=status)

    return_visit = _step("return_visit")

    @post("/complaints/{uuid:str}/close", status_code=200)
    async def close(
        self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep
    ) -> dict[str, Any]:
        complaint = await complaints.close(request.user, uuid)
        body = complaint_json(complaint, request.user, finding_visible=True)
        body["rating_url"] = complaints.ratings.link(
            f"complaint:{complaint.uuid}", str(request.base_url)
        ).path
        return body

    link = _step("link")

    @post("/complaints/{uuid:str}/findings", status_code=200, request_max_body_size=BODY_LIMIT)
    async def open_finding(
        self, request: UserRequest, uuid: FromPath[str], complaints: ComplaintsDep, checks: ChecksDep
    ) -> Response[dict[str, Any]]:
        """Open a finding from the complaint: {"check": UUID, "item": CODE, "severity"}."""
        status, complaint = await open_finding(
            complaints, request.user, uuid, await read_json(request), checks
        )
        return Response(complaint_json(complaint, request.user), status_code=status)

    @get("/findings/{finding_id:int}/rating-link")
    async def finding_rating_link(
        self, request: UserRequest, finding_id: FindingId, ratings: RatingsDep
    ) -> RatingLink:
        link = await ratings.finding_link(request.user, finding_id, str(request.base_url))
        return shaped({"url": link.path, "qr_svg": link.qr_svg}, RatingLink)

    @get("/indicators/complaints")
    async def indicators(
        self,
        request: UserRequest,
        complaint_indicators: ComplaintIndicatorsDep,
        campaigns: CampaignsDep,
        month: FromQuery[str | None] = None,
        unit: FromQuery[str | None] = None,
        campaign: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        """Each rate with its numerator and denominator; `value` is null for an empty denominator."""
        ref = await campaigns.reference()
        filters = filters_from_query(ref, status=None, unit=unit, campaign=campaign, late=False)
        period = parse_month(month)
        may_read_indicators(request.user, ref, filters.unit_id, filters.campaign_id)
        result = await complaint_indicators.compute(
            month=period.date(), unit_id=filters.unit_id, campaign_id=filters.campaign_id
        )
        return {
            "month": month,
            "unit": unit,
            "campaign": campaign,
            **result.as_json(),
            "definitions": {key: _(text) for key, text in DEFINITIONS.items()},
        }
