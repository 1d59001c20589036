"""A record's history of status changes (a finding's, a complaint's): each change is an event
row saying who, when, and from which status to which."""

from __future__ import annotations

from typing import Any

from .models import User, utcnow


def add_status_event(
    session: Any,
    event_model: type[Any],
    record: Any,
    user: User | None,
    action: str,
    from_status: str | None,
    **fields: Any,
) -> Any:
    """The record changed now: touch its `updated_at` and add the event (`fields` name the record
    and whatever the action adds: a unit, a deadline, a reason)."""
    record.updated_at = utcnow()
    row = event_model(
        at=record.updated_at,
        actor_id=user.id if user else None,
        action=action,
        from_status=from_status,
        to_status=record.status,
        **fields,
    )
    session.add(row)
    return row
