"""Where a complaint stands against its clock: to assign, to investigate by the deadline, to call
back within the set number of days after the investigation (XUNCHA_CALLBACK_DAYS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..models import Complaint, ComplaintStatus


@dataclass
class Urgency:
    """Where a complaint stands against its clock: what is due, by when, and whether it is late."""

    step: str  # "assign" | "investigate" | "call_back" | ""
    due: datetime | None
    mark: str  # "late" | "due-today" | ""

    @property
    def rank(self) -> int:
        return {"late": 0, "due-today": 1}.get(self.mark, 2 if self.step else 3)


def callback_due(complaint: Complaint, callback_days: int) -> datetime | None:
    if complaint.investigated_at is None:
        return None
    return complaint.investigated_at + timedelta(days=callback_days)


def urgency(complaint: Complaint, now: datetime, zone: ZoneInfo, callback_days: int) -> Urgency:
    """Late (past due), due today (in the bureau's calendar), or neither; the queue sorts on it."""
    if complaint.status == ComplaintStatus.received:
        return Urgency("assign", complaint.received_at, "due-today")
    if complaint.status == ComplaintStatus.assigned:
        step, due = "investigate", complaint.deadline
    elif complaint.status == ComplaintStatus.investigated:
        step, due = "call_back", callback_due(complaint, callback_days)
    else:
        return Urgency("", None, "")
    if due is None:
        return Urgency(step, None, "")
    if due < now:
        return Urgency(step, due, "late")
    if due.astimezone(zone).date() == now.astimezone(zone).date():
        return Urgency(step, due, "due-today")
    return Urgency(step, due, "")
