"""Findings API v1: the rectification workflow for programs, as the pages drive it for people."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, QueryParameter

from ..accounts.guards import logged_in
from ..api import JSON_BODY_LIMIT, PHOTO_BODY_LIMIT, next_page_url, read_json, read_photo_body, uuid_or_404
from ..deps import (
    CampaignsDep,
    FindingsDep,
    PhotosDep,
    RectificationsDep,
    SettingsDep,
    WorkflowDep,
)
from ..documents.download import PDF, download
from ..errors import Invalid
from ..i18n import gettext as _
from ..i18n import lang
from ..models import User
from ..photos.presenters import photo_json
from .filters import filters_from_query
from .notice import notice_pdf
from .rectifications import rect_uuid_or_404
from .service import finding_json


def event_json(event: Any, language: str) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "action": event.action,
        "by": event.actor.username if event.actor else None,
        "from": event.from_status,
        "to": event.to_status,
        "unit": event.unit.code if event.unit else None,
        "deadline": event.deadline.isoformat() if event.deadline else None,
        "reason": event.reason,
        "related_finding": event.related_finding_id,
    }


class FindingApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["findings"]

    @get("/findings")
    async def list_findings(
        self,
        request: Request[User, Any, Any],
        findings: FindingsDep,
        campaigns: CampaignsDep,
        campaign: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        unit: FromQuery[str | None] = None,
        site: FromQuery[str | None] = None,
        severity: FromQuery[str | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        overdue: FromQuery[bool] = False,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        filters = await filters_from_query(
            campaigns,
            campaign=campaign,
            status=status,
            unit=unit,
            site=site,
            severity=severity,
            since=since,
            until=until,
            overdue=overdue,
        )
        rows, next_cursor = await findings.list(request.user, filters, before_id=before, limit=limit)
        language = lang()
        return {
            "items": [finding_json(f, language) for f in rows],
            "next": next_page_url(request, next_cursor),
        }

    @get("/findings/{finding_id:int}")
    async def get_finding(
        self, request: Request[User, Any, Any], finding_id: FromPath[int], findings: FindingsDep
    ) -> dict[str, Any]:
        detail = await findings.detail(request.user, finding_id)
        language = lang()
        body = finding_json(detail.finding, language)
        body["check"] = detail.check.uuid
        body["photos"] = [photo_json(p) for p in detail.check_photos]
        body["history"] = [event_json(e, language) for e in detail.events]
        body["rectifications"] = [
            {
                "uuid": r.uuid,
                "unit": r.unit.code,
                "by": r.author.username,
                "note": r.note,
                "recorded_at": r.recorded_at.isoformat(),
                "location": {
                    "lat": r.lat,
                    "lon": r.lon,
                    "accuracy_m": r.accuracy_m,
                    "source": r.location_source,
                },
                "status": r.status,
                "photos": [photo_json(p) for p in detail.after_photos.get(r.id, [])],
            }
            for r in detail.rectifications
        ]
        # The flags in front of the lead are those of the rectification they are judging now:
        # after a rework, the new report is judged on its own photos.
        latest = detail.rectifications[-1] if detail.rectifications else None
        body["flags"] = sorted(
            {flag for p in detail.after_photos.get(latest.id, []) for flag in p.flags.split()}
            if latest
            else set()
        )
        body["merged"] = [f.id for f in detail.merged]
        body["duplicate_candidates"] = [
            {"id": f.id, "distance_m": round(d, 1), "status": f.status}
            for f, d in detail.duplicate_candidates
        ]
        return body

    @post("/findings/{finding_id:int}/assign", status_code=200)
    async def assign(
        self, request: Request[User, Any, Any], finding_id: FromPath[int], workflow: WorkflowDep
    ) -> dict[str, Any]:
        data = await read_json(request)
        if not isinstance(data, dict):
            raise Invalid(_("The body must be a JSON object."))
        finding = await workflow.assign(
            request.user, finding_id, data.get("unit"), data.get("deadline"), data.get("reason")
        )
        return finding_json(finding, lang())

    @post("/findings/{finding_id:int}/verify", status_code=200)
    async def verify(
        self, request: Request[User, Any, Any], finding_id: FromPath[int], workflow: WorkflowDep
    ) -> dict[str, Any]:
        data = await read_json(request)
        if not isinstance(data, dict):
            raise Invalid(_("The body must be a JSON object."))
        finding = await workflow.verify(
            request.user, finding_id, data.get("outcome"), data.get("reason"), data.get("deadline")
        )
        return finding_json(finding, lang())

    @post("/findings/{finding_id:int}/merge", status_code=200)
    async def merge(
        self, request: Request[User, Any, Any], finding_id: FromPath[int], workflow: WorkflowDep
    ) -> dict[str, Any]:
        data = await read_json(request)
        if not isinstance(data, dict):
            raise Invalid(_("The body must be a JSON object."))
        finding = await workflow.merge(request.user, finding_id, data.get("into"))
        return finding_json(finding, lang())

    @post("/checks/{check_uuid:str}/disclose", status_code=200)
    async def disclose(
        self, request: Request[User, Any, Any], check_uuid: FromPath[str], workflow: WorkflowDep
    ) -> dict[str, Any]:
        count = await workflow.disclose(request.user, uuid_or_404(check_uuid, "The check UUID"))
        return {"uuid": check_uuid, "disclosed_findings": count}

    @put(
        "/findings/{finding_id:int}/rectifications/{rect_uuid:str}",
        request_max_body_size=JSON_BODY_LIMIT,
        status_code=200,
    )
    async def put_rectification(
        self,
        request: Request[User, Any, Any],
        finding_id: FromPath[int],
        rect_uuid: FromPath[str],
        rectifications: RectificationsDep,
    ) -> Response[dict[str, Any]]:
        body = await read_json(request)
        status, receipt = await rectifications.put(
            request.user, finding_id, rect_uuid_or_404(rect_uuid), body
        )
        return Response(receipt, status_code=status)

    @put(
        "/rectifications/{rect_uuid:str}/photos/{photo_uuid:str}",
        request_max_body_size=PHOTO_BODY_LIMIT,
        status_code=200,
    )
    async def put_rectification_photo(
        self,
        request: Request[User, Any, Any],
        rect_uuid: FromPath[str],
        photo_uuid: FromPath[str],
        rectifications: RectificationsDep,
    ) -> Response[dict[str, Any]]:
        content_type, data = await read_photo_body(request)
        status, body = await rectifications.put_photo(
            request.user,
            rect_uuid_or_404(rect_uuid),
            uuid_or_404(photo_uuid, "The photo UUID"),
            content_type,
            data,
        )
        return Response(body, status_code=status)

    @get("/findings/{finding_id:int}/notice.pdf")
    async def notice_pdf(
        self,
        request: Request[User, Any, Any],
        finding_id: FromPath[int],
        findings: FindingsDep,
        photos: PhotosDep,
        settings: SettingsDep,
    ) -> Response[bytes]:
        pdf, number = await notice_pdf(findings, photos.store, settings, request.user, finding_id)
        return download(
            pdf, f"整改通知书{number}.pdf", PDF, inline=True, ascii_name=f"notice-{finding_id}.pdf"
        )
