"""The sync API's bodies as msgspec Structs: what a check and its photos look like going in and
coming out (docs/sync-api.md), documented by /api/v1/schema/openapi.json.

msgspec checks the types, required fields, lengths and ranges; the messages it would give in
English are replaced by ones for patrol officers and their phones' developers, in their
language, naming the exact field (`decode_body`). What depends on the data or the clock (a
time in the future, an item answered twice, a photo of an item not answered) is checked here
after decoding; what depends on the database (codes that exist, kinds by role) in the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from msgspec import Meta, Struct

from ..api import Message, canonical_uuid, decode_body, free_text, text_message, time_message, within
from ..errors import Invalid
from ..i18n import gettext as _
from ..models import CheckKind, LocationSource, Result, Severity, utcnow

__all__ = ["canonical_uuid"]

NOTE_MAX = 2000
ANSWER_NOTE_MAX = 1000
MAX_ANSWERS = 200
MAX_AGE = timedelta(days=366)

# --- what comes in ------------------------------------------------------------------------------

Code = Annotated[str, Meta(min_length=1, max_length=40, description="A code of the reference data.")]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
AwareTime = Annotated[datetime, Meta(tz=True, description="RFC 3339, with its UTC offset.")]


class LocationBody(Struct):
    lat: Latitude
    lon: Longitude
    accuracy_m: Annotated[float, Meta(ge=0, le=100_000)] | None = None
    source: LocationSource = LocationSource.gps


class PlaceBody(Struct):
    lat: Latitude
    lon: Longitude


class AnswerBody(Struct):
    item: Code
    result: Result
    severity: Severity | None = None
    note: Annotated[str, Meta(max_length=ANSWER_NOTE_MAX)] | None = None


class PhotoBody(Struct):
    uuid: Annotated[UUID, Meta(description="Made by the phone; the photo is PUT under it.")]
    item: Code | None = None
    taken_at: AwareTime | None = None
    exif_location: PlaceBody | None = None


class CheckBody(Struct, forbid_unknown_fields=True):
    """PUT /api/v1/checks/{uuid}: a check as the phone recorded it."""

    campaign: Code
    kind: CheckKind
    recorded_at: AwareTime
    location: LocationBody
    answers: Annotated[list[AnswerBody], Meta(min_length=1, max_length=MAX_ANSWERS)]
    site: Code | None = None
    target_unit: Code | None = None
    note: Annotated[str, Meta(max_length=NOTE_MAX)] | None = None
    photos: list[PhotoBody] | None = None
    checklist_version: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None


def _answers_message(detail: str, _value: Any) -> str:
    return _("Too many answers.") if "<=" in detail else _("Answer at least one checklist item.")


def _photos_message(_detail: str, _value: Any) -> str:
    return _("Photos must be a list.")


def placed_photo_messages() -> dict[str, Message]:
    """The messages of the position and the photos, which a check and a rectification share."""
    code = _("Give a code.")
    return {
        **within(
            "location",
            _("The position is required: allow location access, or enter it by hand."),
            lat=_("Latitude must be a number from -90 to 90."),
            lon=_("Longitude must be a number from -180 to 180."),
            accuracy_m=_("Accuracy must be a number of metres from 0 to 100000."),
            source=_("Source must be one of gps, exif, manual."),
        ),
        "photos": _photos_message,
        **within(
            "photos[]",
            _("Each photo is an object with a uuid."),
            uuid=_("Must be a UUID made by the phone."),
            item=code,
            taken_at=time_message,
            exif_location=_("The photo's position must be a valid latitude and longitude."),
        ),
    }


def check_messages() -> Mapping[str, Message]:
    code = _("Give a code.")
    return {
        **dict.fromkeys(("campaign", "site", "target_unit"), code),
        "kind": _("Kind must be one of patrol, unannounced, open, recheck."),
        "recorded_at": time_message,
        "note": text_message(NOTE_MAX),
        "checklist_version": _("The checklist version is a whole number from 1."),
        "answers": _answers_message,
        **within(
            "answers[]",
            _("Each answer is an object with item and result."),
            item=code,
            result=_("Result must be one of pass, fail, na."),
            severity=_("Severity must be one of minor, major, critical."),
            note=text_message(ANSWER_NOTE_MAX),
        ),
        **placed_photo_messages(),
    }


# --- what the service works with ----------------------------------------------------------------


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
    checklist_version: int | None = None


class Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_if_any(self, summary: str) -> None:
        if self.items:
            raise Invalid(summary, errors=self.items)


def recent(value: datetime, field: str, errors: Errors, *, max_skew: timedelta) -> datetime | None:
    """A time the phone recorded: not in the future beyond the clocks' skew, not over a year old."""
    now = utcnow()
    if value > now + max_skew:
        errors.add(field, _("The time is in the future; check the phone's clock."))
        return None
    if value < now - MAX_AGE:
        errors.add(field, _("The time is more than a year ago."))
        return None
    return value


def note_text(value: str | None) -> str:
    return free_text(value).strip() if value else ""


# --- hand-read fields, for the bodies read without a Struct (administration, complaints) ---------


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
    return recent(parsed, field, errors, max_skew=max_skew)


def parse_text(value: Any, field: str, limit: int, errors: Errors) -> str:
    """Free text as the sync API takes it: control characters and bidirectional overrides removed."""
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
    return note_text(value)


def location_in(location: LocationBody) -> LocationIn:
    return LocationIn(location.lat, location.lon, location.accuracy_m, location.source.value)


def photos_in(
    photos: list[PhotoBody] | None, errors: Errors, limit: int, skew: timedelta
) -> tuple[PhotoIn, ...]:
    if not photos:
        return ()
    if len(photos) > limit:  # the limit is a setting, so not part of the schema
        errors.add("photos", _("At most %(limit)s photos per check.", limit=limit))
        return ()
    result, seen = [], set()
    for i, photo in enumerate(photos):
        photo_uuid = str(photo.uuid)
        if photo_uuid in seen:
            errors.add(f"photos[{i}].uuid", _("This photo is listed twice."))
            continue
        seen.add(photo_uuid)
        taken_at = None
        if photo.taken_at is not None:
            taken_at = recent(photo.taken_at, f"photos[{i}].taken_at", errors, max_skew=skew)
        place = photo.exif_location
        result.append(
            PhotoIn(
                photo_uuid, photo.item, taken_at, place.lat if place else None, place.lon if place else None
            )
        )
    return tuple(result)


def parse_check(body: Any, *, max_photos: int, clock_skew: timedelta) -> CheckIn:
    summary = _("The check has mistakes; nothing was saved.")
    check = decode_body(body, CheckBody, check_messages, summary=summary)
    errors = Errors()
    recorded_at = recent(check.recorded_at, "recorded_at", errors, max_skew=clock_skew)
    answers, seen = [], set()
    for i, answer in enumerate(check.answers):
        if answer.item in seen:
            errors.add(f"answers[{i}].item", _("This item is answered twice."))
            continue
        seen.add(answer.item)
        answers.append(
            AnswerIn(
                answer.item,
                answer.result.value,
                answer.severity.value if answer.severity else None,
                note_text(answer.note),
            )
        )
    photos = photos_in(check.photos, errors, max_photos, clock_skew)
    for i, photo in enumerate(photos):
        if photo.item is not None and photo.item not in seen:
            errors.add(f"photos[{i}].item", _("The photo belongs to an item that is not answered."))
    errors.raise_if_any(summary)
    assert recorded_at is not None  # guaranteed when there are no errors
    offset = recorded_at.utcoffset() or timedelta(0)
    return CheckIn(
        campaign=check.campaign,
        kind=check.kind.value,
        recorded_at=recorded_at,
        offset_min=int(offset.total_seconds() // 60),
        location=location_in(check.location),
        site=check.site,
        target_unit=check.target_unit,
        answers=tuple(answers),
        note=note_text(check.note),
        photos=photos,
        checklist_version=check.checklist_version,
    )
