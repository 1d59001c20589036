"""What every plain form page shares: the values to show again and the errors by field after a
refusal, and the position a field form carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from .accounts.middleware import CSRF_FIELD
from .api import canonical_uuid
from .errors import AppError, Invalid
from .i18n import gettext as _
from .photos.pipeline import SentPhoto


def form_values(form: Any) -> dict[str, str]:
    """The text fields of a posted form, to fill the form in again after a refusal."""
    return {k: v for k, v in (form or {}).items() if isinstance(v, str)}


def typed_values(form: Any) -> dict[str, str]:
    """What a person filled in: the form's text fields without its CSRF token."""
    return {k: v for k, v in form_values(form).items() if k != CSRF_FIELD}


def field_errors(error: AppError | None) -> dict[str, str]:
    """The first message for each field ("location.lat" and "photos[2]" count as their field)."""
    errors: dict[str, str] = {}
    if error is not None:
        for e in error.errors:
            name = e.get("field", "")
            errors.setdefault(name, e.get("message", ""))
            errors.setdefault(name.split(".")[0].split("[")[0], e.get("message", ""))
    return errors


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def location_from_form(form: Any) -> dict[str, Any] | None:
    """The position a plain field form carries: the phone's, else the one typed in by hand."""
    lat, lon = _float(form.get("lat")), _float(form.get("lon"))
    source = form.get("source") or "gps"
    if lat is None or lon is None:
        lat, lon, source = _float(form.get("manual_lat")), _float(form.get("manual_lon")), "manual"
    if lat is None or lon is None:
        return None
    accuracy = None if source == "manual" else _float(form.get("accuracy_m"))
    return {"lat": lat, "lon": lon, "accuracy_m": accuracy, "source": source}


async def store_uploads(uploads: Iterable[Any], put_photo: Callable[..., Awaitable[Any]]) -> None:
    """After the record a form saved: each photo uploaded with it, through the record's photo PUT
    (`put_photo(SentPhoto)`), as the phone's outbox would send it."""
    for upload in uploads:
        await put_photo(SentPhoto(upload.uuid, upload.media_type, await upload.read(), upload.facts))


def form_uuid(form: Any, lost: str) -> str:
    """The UUID the page gave the record it saves; `lost` says which, when the form came back
    without it (a 422 that asks to reload the page, which makes a new one)."""
    value = canonical_uuid(form.get("uuid"))
    if value is None:
        raise Invalid(lost, errors=[{"field": "uuid", "message": _("Reload the page.")}])
    return value
