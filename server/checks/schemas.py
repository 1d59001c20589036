"""Reading a check's body: every problem is collected with the field it belongs to.

Hand-written rather than a schema library's, because the messages are for patrol
officers and their phones' developers, in their language, and name the exact field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..api import canonical_uuid, free_text
from ..errors import Invalid
from ..i18n import gettext as _
from ..models import CheckKind, LocationSource, Result, Severity, utcnow

NOTE_MAX = 2000
ANSWER_NOTE_MAX = 1000
MAX_ANSWERS = 200
MAX_AGE = timedelta(days=366)
KNOWN_FIELDS = {
    "campaign",
    "kind",
    "recorded_at",
    "location",
    "site",
    "target_unit",
    "answers",
    "note",
    "photos",
}


@dataclass(frozen=True)
class LocationIn:
    lat: float
    lon: float
    accuracy_m: float | None
    source: str


@dataclass(frozen=True)
class AnswerIn:
    item: str
    result: str
    severity: str | None
    note: str


@dataclass(frozen=True)
class PhotoIn:
    uuid: str
    item: str | None
    taken_at: datetime | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class CheckIn:
    campaign: str
    kind: str
    recorded_at: datetime
    offset_min: int
    location: LocationIn
    site: str | None
    target_unit: str | None
    answers: tuple[AnswerIn, ...]
    note: str
    photos: tuple[PhotoIn, ...]


class Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_if_any(self, summary: str) -> None:
        if self.items:
            raise Invalid(summary, errors=self.items)


def parse_datetime(value: Any, field: str, errors: Errors, *, max_skew: timedelta) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        errors.add(field, _("Give a date and time like 2026-11-28T09:30:00+08:00."))
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors.add(field, _("Give a date and time like 2026-11-28T09:30:00+08:00."))
        return None
    if parsed.tzinfo is None:
        errors.add(field, _("The time needs its UTC offset, like +08:00, so it is not misread."))
        return None
    now = utcnow()
    if parsed > now + max_skew:
        errors.add(field, _("The time is in the future; check the phone's clock."))
        return None
    if parsed < now - MAX_AGE:
        errors.add(field, _("The time is more than a year ago."))
        return None
    return parsed


def parse_text(value: Any, field: str, limit: int, errors: Errors) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(field, _("Must be text."))
        return ""
    if len(value) > limit:
        errors.add(
            field, _("Too long: %(length)s characters; at most %(limit)s.", length=len(value), limit=limit)
        )
        return ""
    return free_text(value).strip()


def _code(value: Any, field: str, errors: Errors, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 40:
        errors.add(field, _("Give a code."))
        return None
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer with hundreds of digits is no coordinate
        return None


def _one_of(value: Any, allowed: Any) -> bool:
    # JSON lists and objects are unhashable: asking a set whether it holds one raises.
    return isinstance(value, str) and value in allowed


def parse_location(value: Any, errors: Errors) -> LocationIn | None:
    if not isinstance(value, dict):
        errors.add("location", _("The position is required: allow location access, or enter it by hand."))
        return None
    lat, lon = _number(value.get("lat")), _number(value.get("lon"))
    ok = True
    if lat is None or not math.isfinite(lat) or not -90 <= lat <= 90:
        errors.add("location.lat", _("Latitude must be a number from -90 to 90."))
        ok = False
    if lon is None or not math.isfinite(lon) or not -180 <= lon <= 180:
        errors.add("location.lon", _("Longitude must be a number from -180 to 180."))
        ok = False
    accuracy = value.get("accuracy_m")
    if accuracy is not None:
        accuracy = _number(accuracy)
        if accuracy is None or not math.isfinite(accuracy) or not 0 <= accuracy <= 100_000:
            errors.add("location.accuracy_m", _("Accuracy must be a number of metres from 0 to 100000."))
            ok = False
    source = value.get("source", "gps")
    if not _one_of(source, LocationSource.__members__):
        errors.add("location.source", _("Source must be one of gps, exif, manual."))
        ok = False
    if not ok or lat is None or lon is None:
        return None
    return LocationIn(lat, lon, accuracy, source)


def _answers(value: Any, errors: Errors) -> tuple[AnswerIn, ...]:
    if not isinstance(value, list) or not value:
        errors.add("answers", _("Answer at least one checklist item."))
        return ()
    if len(value) > MAX_ANSWERS:
        errors.add("answers", _("Too many answers."))
        return ()
    answers, seen = [], set()
    results = {r.value for r in Result}
    for i, raw in enumerate(value):
        path = f"answers[{i}]"
        if not isinstance(raw, dict):
            errors.add(path, _("Each answer is an object with item and result."))
            continue
        item = _code(raw.get("item"), f"{path}.item", errors, required=True)
        result = raw.get("result")
        if not _one_of(result, results):
            errors.add(f"{path}.result", _("Result must be one of pass, fail, na."))
            result = None
        severity = raw.get("severity")
        if severity is not None and not _one_of(severity, Severity.__members__):
            errors.add(f"{path}.severity", _("Severity must be one of minor, major, critical."))
            severity = None
        note = parse_text(raw.get("note"), f"{path}.note", ANSWER_NOTE_MAX, errors)
        if item in seen:
            errors.add(f"{path}.item", _("This item is answered twice."))
        elif item and result:
            seen.add(item)
            answers.append(AnswerIn(item, result, severity, note))
    return tuple(answers)


def parse_photos(value: Any, errors: Errors, limit: int, skew: timedelta) -> tuple[PhotoIn, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.add("photos", _("Photos must be a list."))
        return ()
    if len(value) > limit:
        errors.add("photos", _("At most %(limit)s photos per check.", limit=limit))
        return ()
    photos, seen = [], set()
    for i, raw in enumerate(value):
        path = f"photos[{i}]"
        if not isinstance(raw, dict):
            errors.add(path, _("Each photo is an object with a uuid."))
            continue
        photo_uuid = canonical_uuid(raw.get("uuid"))
        if photo_uuid is None:
            errors.add(f"{path}.uuid", _("Must be a UUID made by the phone."))
            continue
        if photo_uuid in seen:
            errors.add(f"{path}.uuid", _("This photo is listed twice."))
            continue
        seen.add(photo_uuid)
        item = _code(raw.get("item"), f"{path}.item", errors, required=False)
        taken_at = None
        if raw.get("taken_at") is not None:
            taken_at = parse_datetime(raw["taken_at"], f"{path}.taken_at", errors, max_skew=skew)
        lat = lon = None
        exif_location = raw.get("exif_location")
        if exif_location is not None:
            if isinstance(exif_location, dict):
                lat, lon = _number(exif_location.get("lat")), _number(exif_location.get("lon"))
            if (
                lat is None
                or lon is None
                or not (math.isfinite(lat) and math.isfinite(lon))
                or not (-90 <= lat <= 90 and -180 <= lon <= 180)
            ):
                errors.add(
                    f"{path}.exif_location", _("The photo's position must be a valid latitude and longitude.")
                )
                lat = lon = None
        photos.append(PhotoIn(photo_uuid, item, taken_at, lat, lon))
    return tuple(photos)


def parse_check(body: Any, *, max_photos: int, clock_skew: timedelta) -> CheckIn:
    errors = Errors()
    if not isinstance(body, dict):
        raise Invalid(
            _("The body must be a JSON object."), errors=[{"field": "", "message": _("Expected an object.")}]
        )
    for key in body:
        if key not in KNOWN_FIELDS:
            errors.add(str(key)[:40], _("Unknown field."))
    campaign = _code(body.get("campaign"), "campaign", errors, required=True)
    kind = body.get("kind")
    if not _one_of(kind, CheckKind.__members__):
        errors.add("kind", _("Kind must be one of patrol, unannounced, open, recheck."))
    recorded_at = parse_datetime(body.get("recorded_at"), "recorded_at", errors, max_skew=clock_skew)
    location = parse_location(body.get("location"), errors)
    site = _code(body.get("site"), "site", errors, required=False)
    target_unit = _code(body.get("target_unit"), "target_unit", errors, required=False)
    answers = _answers(body.get("answers"), errors)
    note = parse_text(body.get("note"), "note", NOTE_MAX, errors)
    photos = parse_photos(body.get("photos"), errors, max_photos, clock_skew)
    answered = {a.item for a in answers}
    for i, photo in enumerate(photos):
        if photo.item is not None and photo.item not in answered:
            errors.add(f"photos[{i}].item", _("The photo belongs to an item that is not answered."))
    errors.raise_if_any(_("The check has mistakes; nothing was saved."))
    assert campaign and recorded_at and location and kind  # guaranteed when there are no errors
    offset = recorded_at.utcoffset() or timedelta(0)
    return CheckIn(
        campaign=campaign,
        kind=kind,
        recorded_at=recorded_at,
        offset_min=int(offset.total_seconds() // 60),
        location=location,
        site=site,
        target_unit=target_unit,
        answers=answers,
        note=note,
        photos=photos,
    )
