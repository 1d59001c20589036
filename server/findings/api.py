"""Findings API v1: the rectification workflow for programs, as the pages drive it for people."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, SkipValidation

from ..accounts.guards import logged_in
from ..api import (
    JSON_BODY_LIMIT,
    PAGING,
    FindingId,
    JsonRequest,
    PagingDep,
    decode_body,
    page_of,
    receipt,
    shaped,
    sync_put,
    uuid_or_404,
)
from ..api import event_json as workflow_event_json
from ..deps import CampaignsDep, FindingsDep, RectificationsDep, WorkflowDep
from ..documents.download import PDF, PDF_RESPONSES, download
from ..i18n import gettext as _
from ..i18n import lang
from ..models import User
from ..photos.presenters import photo_json
from ..photos.upload import PhotoUploadDep, photo_put
from .filters import FindingFilters, filters_from_query
from .notice import NOTICE, NoticeDep
from .proposals import deadline_rule
from .rectifications import rect_uuid_or_404
from .schemas import (
    AssignBody,
    Disclosure,
    FindingDetail,
    FindingOut,
    FindingPage,
    MergeBody,
    RectificationBody,
    RectificationPhotoReceipt,
    RectificationReceipt,
    VerifyBody,
    workflow_messages,
)
from .service import finding_json
from .workflow import Workflow


def event_json(event: Any, language: str) -> dict[str, Any]:
    return {**workflow_event_json(event), "reason": event.reason, "related_finding": event.related_finding_id}


def finding_detail_json(detail: Any, language: str) -> dict[str, Any]:
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
    # The campaign's rule, in days per severity: what an assignment or a rework without a
    # deadline gets (see docs/findings-api.md).
    body["deadline_rule"] = deadline_rule(detail.finding.campaign)
    body["merged"] = [f.id for f in detail.merged]
    body["duplicate_candidates"] = [
        {"id": f.id, "distance_m": round(d, 1), "status": f.status} for f, d in detail.duplicate_candidates
    ]
    return body


async def query_filters(
    campaigns: CampaignsDep,
    campaign: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    unit: FromQuery[str | None] = None,
    site: FromQuery[str | None] = None,
    severity: FromQuery[str | None] = None,
    since: FromQuery[datetime | None] = None,
    until: FromQuery[datetime | None] = None,
    overdue: FromQuery[bool] = False,
) -> FindingFilters:
    """GET /api/v1/findings's filters (a handler's `filters: FiltersDep`); the indicators API
    names only the campaign and the unit."""
    values = {"campaign": campaign, "status": status, "unit": unit, "site": site, "severity": severity}
    return await filters_from_query(campaigns, {**values, "since": since, "until": until, "overdue": overdue})


@dataclass(frozen=True)
class Step:
    """A workflow step by the caller on the finding the path names (a handler's `step: StepDep`)."""

    workflow: Workflow
    user: User
    finding_id: int

    async def answer(self, action: Callable[..., Awaitable[Any]], *args: Any) -> FindingOut:
        """Takes the step (`action`, one of the workflow's) and answers the finding as it now stands."""
        return shaped(finding_json(await action(self.user, self.finding_id, *args), lang()), FindingOut)


StepDep = NamedDependency[Step]
FiltersDep = NamedDependency[FindingFilters]


def _step(request: Request[User, Any, Any], finding_id: FindingId, workflow: WorkflowDep) -> Step:
    return Step(workflow, request.user, finding_id)


class FindingApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["findings"]
    request_class = JsonRequest
    request_max_body_size = JSON_BODY_LIMIT
    dependencies = {
        **PAGING,
        **NOTICE,
        "filters": Provide(query_filters),
        "step": Provide(_step, sync_to_thread=False),
    }

    @get("/findings")
    async def list_findings(
        self, request: Request[User, Any, Any], findings: FindingsDep, filters: FiltersDep, paging: PagingDep
    ) -> FindingPage:
        rows, cursor = await findings.list(request.user, filters, before_id=paging.before, limit=paging.limit)
        language = lang()
        return page_of(request, [finding_json(f, language) for f in rows], cursor, FindingPage)

    @get("/findings/{finding_id:int}")
    async def get_finding(
        self, request: Request[User, Any, Any], finding_id: FindingId, findings: FindingsDep
    ) -> FindingDetail:
        detail = await findings.detail(request.user, finding_id)
        return shaped(finding_detail_json(detail, lang()), FindingDetail)

    @post("/findings/{finding_id:int}/assign", status_code=200)
    async def assign(self, step: StepDep, data: SkipValidation[AssignBody]) -> FindingOut:
        body = decode_body(data, AssignBody, workflow_messages, summary=_("The assignment has mistakes."))
        return await step.answer(step.workflow.assign, body.unit, body.deadline, body.reason)

    @post("/findings/{finding_id:int}/verify", status_code=200)
    async def verify(self, step: StepDep, data: SkipValidation[VerifyBody]) -> FindingOut:
        body = decode_body(data, VerifyBody, workflow_messages, summary=_("The verification has mistakes."))
        return await step.answer(step.workflow.verify, body.outcome, body.reason, body.deadline)

    @post("/findings/{finding_id:int}/merge", status_code=200)
    async def merge(self, step: StepDep, data: SkipValidation[MergeBody]) -> FindingOut:
        summary = _("Say which finding this one duplicates.")
        return await step.answer(
            step.workflow.merge, decode_body(data, MergeBody, workflow_messages, summary=summary).into
        )

    @post("/checks/{check_uuid:str}/disclose", status_code=200)
    async def disclose(
        self, request: Request[User, Any, Any], check_uuid: FromPath[str], workflow: WorkflowDep
    ) -> Disclosure:
        count = await workflow.disclose(request.user, uuid_or_404(check_uuid, "The check UUID"))
        return Disclosure(uuid=check_uuid, disclosed_findings=count)

    @sync_put(
        "/findings/{finding_id:int}/rectifications/{rect_uuid:str}", RectificationReceipt, "rectification"
    )
    async def put_rectification(
        self,
        request: Request[User, Any, Any],
        finding_id: FindingId,
        rect_uuid: FromPath[str],
        rectifications: RectificationsDep,
        data: SkipValidation[RectificationBody],
    ) -> Response[RectificationReceipt]:
        rect_uuid = rect_uuid_or_404(rect_uuid)
        return receipt(
            await rectifications.put(request.user, finding_id, rect_uuid, data), RectificationReceipt
        )

    @photo_put("/rectifications/{rect_uuid:str}/photos/{photo_uuid:str}", RectificationPhotoReceipt)
    async def put_rectification_photo(
        self, rect_uuid: FromPath[str], rectifications: RectificationsDep, upload: PhotoUploadDep
    ) -> Response[RectificationPhotoReceipt]:
        return await upload.store(
            rectifications.put_photo, rect_uuid_or_404(rect_uuid), RectificationPhotoReceipt
        )

    @get("/findings/{finding_id:int}/notice.pdf", media_type=PDF, responses=PDF_RESPONSES)
    async def notice_pdf(self, finding_id: FindingId, notice: NoticeDep) -> Response[bytes]:
        pdf, number = await notice.pdf()
        return download(
            pdf, f"整改通知书{number}.pdf", PDF, inline=True, ascii_name=f"notice-{finding_id}.pdf"
        )
