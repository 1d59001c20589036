"""A complaint that opens a finding: the street problem it reports follows the rectification
workflow like any other, and its notice says it came from a public complaint."""

from __future__ import annotations

from typing import Any

from ..checks.schemas import Errors, canonical_uuid
from ..checks.service import CheckService
from ..errors import Forbidden
from ..i18n import gettext as _
from ..models import Complaint, Role, User
from .schemas import require_object
from .service import ComplaintService


async def open_finding(
    complaints: ComplaintService, user: User, uuid: str, body: Any, checks: CheckService
) -> tuple[int, Complaint]:
    """Record the complaint's street problem as an open check by the office, so it follows the
    rectification workflow, and link the finding it opens. Idempotent by the check's UUID."""
    if user.role != Role.office:
        raise Forbidden(_("Only the supervision office may do this."))
    body = require_object(body)
    check_uuid = canonical_uuid(body.get("check"))
    errors = Errors()
    if check_uuid is None:
        errors.add("check", _("Give a UUID for the check, made by the client."))
    detail = await complaints.detail(user, uuid)
    complaint = detail.complaint
    if complaint.campaign is None:
        errors.add("campaign", _("File the complaint under a campaign first."))
    if complaint.lat is None or complaint.lon is None:
        errors.add("location", _("The complaint needs a position on the map first."))
    errors.raise_if_any(_("This complaint cannot open a finding yet."))
    assert complaint.campaign is not None and check_uuid is not None
    check = {
        "campaign": complaint.campaign.code,
        "kind": "open",
        "recorded_at": complaint.received_at.astimezone(complaints.zone).isoformat(),
        "location": {"lat": complaint.lat, "lon": complaint.lon, "accuracy_m": None, "source": "manual"},
        "site": None,
        "target_unit": complaint.assigned_unit.code if complaint.assigned_unit else None,
        "answers": [
            {
                "item": body.get("item"),
                "result": "fail",
                "severity": body.get("severity") or "major",
                "note": complaint.content[:1000],
            }
        ],
        "note": "",
        "photos": [],
    }
    status, receipt = await checks.put_check(user, check_uuid, check)
    finding_id = receipt["findings"][0]["id"] if receipt.get("findings") else None
    if finding_id is not None and complaint.finding_id != finding_id:
        await complaints.link(user, uuid, {"finding": finding_id})
    return status, (await complaints.detail(user, uuid)).complaint
