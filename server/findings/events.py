"""A finding's history: every change is an event saying who, when and from which status, and
an entry in the audit chain, written in the change's own transaction."""

from __future__ import annotations

from typing import Any

from ..audit.chain import AuditLog
from ..history import add_status_event
from ..models import Finding, FindingEvent, User


def record_event(
    session: Any,
    audit: AuditLog,
    finding: Finding,
    user: User | None,
    action: str,
    from_status: str,
    **event: Any,
) -> None:
    add_status_event(
        session, FindingEvent, finding, user, action, from_status, finding_id=finding.id, **event
    )
    audit.record(f"finding.{action}", "finding", finding, **{k: v for k, v in event.items() if v is not None})
