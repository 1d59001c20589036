"""A complaint as JSON and as pages show it. The complainant's contact is added for the office
only, here and nowhere else."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..api import event_json as workflow_event_json
from ..models import Complaint, ComplaintEvent, User
from .access import sees_contact


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def complaint_json(complaint: Complaint, user: User, *, finding_visible: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": complaint.uuid,
        "source": complaint.source,
        "received_at": _iso(complaint.received_at),
        "content": complaint.content,
        "campaign": complaint.campaign.code if complaint.campaign else None,
        "location": ({"lat": complaint.lat, "lon": complaint.lon} if complaint.lat is not None else None),
        "address": complaint.address,
        "status": complaint.status,
        "unit": complaint.assigned_unit.code if complaint.assigned_unit else None,
        "assigned_at": _iso(complaint.assigned_at),
        "deadline": _iso(complaint.deadline),
        "investigated_at": _iso(complaint.investigated_at),
        "result": complaint.result,
        "visited_at": _iso(complaint.visited_at),
        "visit_outcome": complaint.visit_outcome,
        "visit_note": complaint.visit_note,
        "reopened": complaint.reopen_count,
        "closed_at": _iso(complaint.closed_at),
        # Never a finding id the reader may not open.
        "finding": complaint.finding_id if finding_visible else None,
    }
    if sees_contact(user):
        body["complainant"] = (
            {"name": complaint.complainant_name, "phone": complaint.complainant_phone}
            if complaint.complainant_name or complaint.complainant_phone
            else None
        )
    return body


def event_json(event: ComplaintEvent) -> dict[str, Any]:
    return {**workflow_event_json(event), "note": event.note}
