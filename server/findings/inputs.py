"""What a person gives the workflow: deadlines and reasons, read the same from the API and the
forms (and from the complaints' steps, which take deadlines too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..api import free_text
from ..errors import Invalid
from ..i18n import gettext as _
from ..models import utcnow

REASON_MAX = 1000
MAX_DEADLINE = timedelta(days=366)


def parse_deadline(value: Any, field: str = "deadline") -> datetime:
    """A deadline as the API decodes it (a datetime) or as a form sends it (text)."""
    if isinstance(value, datetime):
        return _future_deadline(value, field)
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid(
            _("Give the deadline as a date and time with its offset."),
            errors=[{"field": field, "message": _("For example 2026-12-05T18:00:00+08:00.")}],
        )
    try:
        deadline = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            _("Give the deadline as a date and time with its offset."),
            errors=[{"field": field, "message": _("For example 2026-12-05T18:00:00+08:00.")}],
        ) from None
    return _future_deadline(deadline, field)


def _future_deadline(deadline: datetime, field: str) -> datetime:
    if deadline.tzinfo is None:
        raise Invalid(
            _("The deadline needs its UTC offset, like +08:00."),
            errors=[{"field": field, "message": _("Add an offset such as +08:00.")}],
        )
    now = utcnow()
    if deadline <= now:
        raise Invalid(
            _("The deadline is in the past; give a later one."),
            errors=[{"field": field, "message": _("The deadline must be in the future.")}],
        )
    if deadline > now + MAX_DEADLINE:
        raise Invalid(
            _("The deadline is more than a year away."),
            errors=[{"field": field, "message": _("Give a deadline within a year.")}],
        )
    return deadline


def parse_reason(value: Any, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(
            _("The reason must be text."), errors=[{"field": "reason", "message": _("Must be text.")}]
        )
    value = free_text(value).strip()
    if required and not value:
        raise Invalid(
            _("Say why the rectification is sent back, so the unit knows what to redo."),
            errors=[{"field": "reason", "message": _("A reason is required.")}],
        )
    if len(value) > REASON_MAX:
        raise Invalid(
            _("The reason is too long."),
            errors=[{"field": "reason", "message": _("At most %(limit)s characters.", limit=REASON_MAX)}],
        )
    return value
