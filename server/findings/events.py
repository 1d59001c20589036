"""A finding's history: every change is an event saying who, when and from which status, and
an entry in the audit chain, written in the change's own transaction."""

from __future__ import annotations

from typing import Any

from ..audit.chain import AuditLog
from ..models import Finding, FindingEvent, User, utcnow


def record_event(
    session: Any,
    audit: AuditLog,
    finding: Finding,
    user: User | None,
    action: str,
    from_status: str,
    **event: Any,
) -> None:
    finding.updated_at = utcnow()
    session.add(
        FindingEvent(
            finding_id=finding.id,
            at=finding.updated_at,
            actor_id=user.id if user else None,
            action=action,
            from_status=from_status,
            to_status=finding.status,
            **event,
        )
    )
    audit.record(f"finding.{action}", "finding", finding, **{k: v for k, v in event.items() if v is not None})
