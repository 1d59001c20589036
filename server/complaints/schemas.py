"""Reading a complaint's body: each mistake is named by its field, nothing is half-read."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..campaigns.service import Reference
from ..checks.schemas import Errors, parse_datetime, parse_text
from ..errors import Invalid
from ..i18n import gettext as _
from ..models import ComplaintSource, VisitOutcome

CONTENT_MAX = 5000
ADDRESS_MAX = 300
NAME_MAX = 80
PHONE_MAX = 40
NOTE_MAX = 2000
FIELDS = {"source", "received_at", "content", "campaign", "location", "address", "complainant"}


@dataclass(frozen=True)
class ComplaintInput:
    source: str
    received_at: datetime
    content: str
    campaign_id: int | None
    lat: float | None
    lon: float | None
    address: str
    complainant_name: str
    complainant_phone: str
    body_sha256: str


def body_digest(body: Any) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid(_("The body must be a JSON object."))
    return body


def parse_complaint(body: Any, ref: Reference, max_skew: timedelta) -> ComplaintInput:
    body = require_object(body)
    errors = Errors()
    for name in sorted(set(body) - FIELDS):
        errors.add(name, _("Unknown field."))
    source = body.get("source")
    if source not in ComplaintSource.__members__:
        errors.add("source", _("One of %(values)s.", values=", ".join(s.value for s in ComplaintSource)))
    received_at = parse_datetime(body.get("received_at"), "received_at", errors, max_skew=max_skew)
    content = parse_text(body.get("content"), "content", CONTENT_MAX, errors)
    if not content and not any(e["field"] == "content" for e in errors.items):
        errors.add("content", _("Say what the complaint is about."))
    campaign_id = None
    code = body.get("campaign")
    if code is not None:
        found = ref.campaigns.get(code) if isinstance(code, str) else None
        if found is None:
            errors.add("campaign", _("Unknown campaign code: %(code)s.", code=str(code)[:40]))
        else:
            campaign_id = found.id
    lat = lon = None
    location = body.get("location")
    if location is not None:
        if not isinstance(location, dict):
            errors.add("location", _('Give {"lat", "lon"} or null.'))
        else:
            lat, lon = (
                _coordinate(location.get("lat"), 90, "location.lat", errors),
                _coordinate(location.get("lon"), 180, "location.lon", errors),
            )
    address = parse_text(body.get("address"), "address", ADDRESS_MAX, errors)
    name = phone = ""
    complainant = body.get("complainant")
    if complainant is not None:
        if not isinstance(complainant, dict):
            errors.add("complainant", _('Give {"name", "phone"} or null.'))
        else:
            name = parse_text(complainant.get("name"), "complainant.name", NAME_MAX, errors)
            phone = parse_text(complainant.get("phone"), "complainant.phone", PHONE_MAX, errors)
    errors.raise_if_any(_("The complaint has mistakes; nothing was saved."))
    assert received_at is not None and source is not None
    return ComplaintInput(
        source=source,
        received_at=received_at,
        content=content,
        campaign_id=campaign_id,
        lat=lat,
        lon=lon,
        address=address,
        complainant_name=name,
        complainant_phone=phone,
        body_sha256=body_digest(body),
    )


def _coordinate(value: Any, limit: float, field: str, errors: Errors) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.add(field, _("Must be a number."))
        return None
    if abs(value) > limit:
        errors.add(field, _("Out of range."))
        return None
    return float(value)


def parse_required_text(value: Any, field: str, limit: int, message: str) -> str:
    errors = Errors()
    text = parse_text(value, field, limit, errors)
    if not errors.items and not text:
        errors.add(field, message)
    errors.raise_if_any(message)
    return text


def parse_outcome(value: Any) -> str:
    if value not in VisitOutcome.__members__:
        raise Invalid(
            _("Say how the complainant judged the handling."),
            errors=[
                {
                    "field": "outcome",
                    "message": _("One of %(values)s.", values=", ".join(v.value for v in VisitOutcome)),
                }
            ],
        )
    return str(value)
